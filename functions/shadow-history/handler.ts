/**
 * shadow-history processor: I/O only. Validation and the item shape live in
 * event.ts and transform.ts. Invoked asynchronously by the shadow topic rule.
 *
 * Failure semantics (nothing lost, nothing doubled):
 * - invalid event: InvalidEvent metric, error log, then throw, so Lambda's
 *   retries and dead-letter queue keep it;
 * - same (thing, shadow, version) already stored: conditional write fails,
 *   counted as DuplicateSkipped and treated as success;
 * - any other error: thrown (retried, then dead-lettered).
 *
 * Buffered ingestion (an SQS event source mapping with ReportBatchItemFailures):
 * each record's body is one such event, stored with the same conditional put;
 * a record that is invalid or could not be stored is named in
 * `batchItemFailures` (counted as BatchItemFailures), so SQS delivers only it
 * again and moves it to the dead-letter queue after maxReceiveCount receives.
 */
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { PARTITION_KEY } from "../../modules/history-store/schema";
import { createHistoryDocumentClient } from "./client";
import { BATCH_WRITE_CONCURRENCY, ProcessorConfig, loadConfig } from "./config";
import { INVALID_EVENT_METRIC, parseOrReject } from "../shared/parse-or-reject";
import { toDocumentItem, toHistoryItem } from "./transform";

export { InvalidShadowEventError } from "./event";

export const METRIC = {
  stored: "ShadowUpdateStored",
  duplicate: "DuplicateSkipped",
  invalid: INVALID_EVENT_METRIC,
  drift: "DriftDetected",
  writeFailed: "StoreFailed",
  batchItemFailures: "BatchItemFailures",
  /** Bytes of the stored update's `current` document. */
  documentSize: "ShadowDocumentSize",
  /** Seconds from a desired value to its matching report, one value per newly converged key. */
  convergenceLatency: "ConvergenceLatency",
} as const;

export interface ProcessResult {
  readonly outcome: "stored" | "duplicate";
  readonly thingName: string;
  readonly shadowName: string;
  readonly version: number;
}

const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? "shadow-history" });
const metrics = new Metrics({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? "shadow-history" });

// Created once per execution environment (see client.ts).
const documentClient = createHistoryDocumentClient();

let config: ProcessorConfig | undefined;

function isConditionalCheckFailed(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { name?: unknown }).name === "ConditionalCheckFailedException";
}

/** An SQS event source mapping's event (buffered ingestion), as opposed to one rule event. */
export function isSqsEvent(event: unknown): event is SQSEvent {
  if (typeof event !== "object" || event === null || !Array.isArray((event as { Records?: unknown }).Records)) return false;
  const records = (event as SQSEvent).Records;
  return records.length > 0 && records.every((r) => typeof r === "object" && r !== null && r.eventSource === "aws:sqs" && typeof r.messageId === "string");
}

export async function handler(event: SQSEvent, context?: Context): Promise<SQSBatchResponse>;
export async function handler(event: unknown, context?: Context): Promise<ProcessResult>;
export async function handler(event: unknown, context?: Context): Promise<ProcessResult | SQSBatchResponse> {
  if (context) logger.addContext(context);
  try {
    config ??= loadConfig(process.env);
    if (isSqsEvent(event)) return await processBatch(event.Records, config);
    return await processOne(event, config);
  } finally {
    metrics.publishStoredMetrics();
  }
}

/** Every record once; the ones that fail are reported so that only they are received again. */
async function processBatch(records: readonly SQSRecord[], cfg: ProcessorConfig): Promise<SQSBatchResponse> {
  const failed: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < records.length) {
      const record = records[next++];
      try {
        await processOne(parseBody(record), cfg);
      } catch (error) {
        failed.push(record.messageId);
        // processOne logged invalid events and store failures; a body that is not JSON is logged here.
        if (error instanceof SyntaxError) logger.error("Rejected SQS record whose body is not JSON", { messageId: record.messageId, reason: error.message });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(BATCH_WRITE_CONCURRENCY, records.length) }, worker));
  if (failed.length > 0) {
    metrics.addMetric(METRIC.batchItemFailures, MetricUnit.Count, failed.length);
    logger.warn("Batch records not stored; SQS delivers them again", { failed: failed.length, records: records.length });
  }
  // Keep the batch's order so a reader of the response can match it to the event.
  const order = new Map(records.map((r, i) => [r.messageId, i]));
  failed.sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
  return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
}

function parseBody(record: SQSRecord): unknown {
  try {
    return JSON.parse(record.body);
  } catch (error) {
    metrics.addMetric(METRIC.invalid, MetricUnit.Count, 1);
    throw error;
  }
}

async function processOne(event: unknown, config: ProcessorConfig): Promise<ProcessResult> {
  const parsed = parseOrReject(event, logger, metrics);

  const item = toHistoryItem(parsed, { receivedAtMs: Date.now(), ttlDays: config.ttlDays });
  const key = { thingName: item.thingName, shadowName: item.shadowName, version: item.version };
  try {
    await documentClient.send(
      new PutCommand({
        TableName: config.tableName,
        // Device objects go in as Maps (see toDocumentItem): field names never steer the marshaller.
        Item: toDocumentItem(item),
        // One item per (thing, shadow, version): a redelivery finds the key taken.
        ConditionExpression: "attribute_not_exists(#pk)",
        ExpressionAttributeNames: { "#pk": PARTITION_KEY },
      }),
    );
  } catch (error) {
    if (isConditionalCheckFailed(error)) {
      metrics.addMetric(METRIC.duplicate, MetricUnit.Count, 1);
      logger.info("Duplicate shadow update skipped", key);
      return { outcome: "duplicate", ...key };
    }
    metrics.addMetric(METRIC.writeFailed, MetricUnit.Count, 1);
    logger.error("Storing shadow update failed", { ...key, error: error as Error });
    throw error;
  }

  metrics.addMetric(METRIC.stored, MetricUnit.Count, 1);
  if (item.hasDrift) metrics.addMetric(METRIC.drift, MetricUnit.Count, 1);
  // Only for stored updates: a redelivery is neither a second document nor a second convergence.
  metrics.addMetric(METRIC.documentSize, MetricUnit.Bytes, item.documentSizeBytes);
  for (const seconds of Object.values(item.convergence ?? {})) metrics.addMetric(METRIC.convergenceLatency, MetricUnit.Seconds, seconds);
  logger.info("Shadow update stored", { ...key, changedKeys: item.changedKeys, hasDrift: item.hasDrift });
  return { outcome: "stored", ...key };
}

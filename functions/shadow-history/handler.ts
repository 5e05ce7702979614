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
 */
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context } from "aws-lambda";
import { PARTITION_KEY } from "../../modules/history-store/schema";
import { createHistoryDocumentClient } from "./client";
import { ProcessorConfig, loadConfig } from "./config";
import { INVALID_EVENT_METRIC, parseOrReject } from "../shared/parse-or-reject";
import { toDocumentItem, toHistoryItem } from "./transform";

export { InvalidShadowEventError } from "./event";

export const METRIC = {
  stored: "ShadowUpdateStored",
  duplicate: "DuplicateSkipped",
  invalid: INVALID_EVENT_METRIC,
  drift: "DriftDetected",
  writeFailed: "StoreFailed",
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

export async function handler(event: unknown, context?: Context): Promise<ProcessResult> {
  if (context) logger.addContext(context);
  try {
    config ??= loadConfig(process.env);
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
    logger.info("Shadow update stored", { ...key, changedKeys: item.changedKeys, hasDrift: item.hasDrift });
    return { outcome: "stored", ...key };
  } finally {
    metrics.publishStoredMetrics();
  }
}

/**
 * The cost arithmetic, pure: per million shadow updates and per month, for one environment's
 * ingestion path. Every line names its AWS component, so the table says where the money goes.
 */
import type { PriceTable } from "./prices";
import { DYNAMODB_ITEM_OVERHEAD_BYTES, LOG_BYTES } from "./assumptions";

export type IngestionPath = "direct" | "buffered";

export interface PathInputs {
  readonly path: IngestionPath;
  readonly memoryMb: number;
  readonly architecture: "arm64" | "x86_64";
  /** Billed ms of one direct invocation (one update). */
  readonly directInvocationMs: number;
  /** Buffered: records per invocation and the billed ms of one such invocation. */
  readonly batchSize: number;
  readonly batchInvocationMs: number;
  /** Other processors the documents rules invoke directly for every update (e.g. HVAC filter-alerts), each with its memory. */
  readonly extraProcessorsMemoryMb: readonly number[];
  /** Rules triggered per update (the documents rule). */
  readonly rulesPerUpdate: number;
  readonly itemBytes: number;
}

export interface FixedInventory {
  readonly kmsKeys: number;
  readonly alarms: number;
  readonly dashboards: number;
  readonly customMetrics: number;
  /** Buffered only: requests an idle event source mapping makes, and KMS requests of the SSE-KMS queue. */
  readonly idleSqsRequests: number;
  readonly idleKmsRequests: number;
}

export interface CostLine {
  readonly component: string;
  readonly usd: number;
}

const MILLION = 1e6;
const GB = 1e9;

function gbSeconds(invocations: number, ms: number, memoryMb: number): number {
  // Lambda bills duration in 1 ms increments.
  return invocations * (Math.ceil(ms) / 1000) * (memoryMb / 1024);
}

/** Cost of one million shadow updates, by component. */
export function perMillionUpdates(i: PathInputs, p: PriceTable): CostLine[] {
  const gbPrice = i.architecture === "arm64" ? p.lambdaGbSecondArm.usd : p.lambdaGbSecondX86.usd;
  const invocations = i.path === "direct" ? MILLION : MILLION / i.batchSize;
  const ms = i.path === "direct" ? i.directInvocationMs : i.batchInvocationMs;
  // The documents rule: one metric action, one sqs or lambda action for the history, one lambda action per extra processor.
  const actions = MILLION * (1 + 1 + i.extraProcessorsMemoryMb.length);
  const extraGbSeconds = i.extraProcessorsMemoryMb.reduce((sum, mb) => sum + gbSeconds(MILLION, i.directInvocationMs, mb), 0);
  const logBytes =
    (invocations + MILLION * i.extraProcessorsMemoryMb.length) * (LOG_BYTES.platformPerInvocation + LOG_BYTES.emfPerInvocation) + MILLION * LOG_BYTES.infoPerRecord;
  const lines: CostLine[] = [
    { component: "IoT rules triggered and actions", usd: MILLION * i.rulesPerUpdate * p.iotRuleTriggered.usd + actions * p.iotActionExecuted.usd },
    // The rule's cloudwatch_metric action is one PutMetricData call per update.
    { component: "CloudWatch PutMetricData (rule metric action)", usd: MILLION * p.cloudwatchPutMetricDataRequest.usd },
    { component: "Lambda requests", usd: (invocations + MILLION * i.extraProcessorsMemoryMb.length) * p.lambdaRequest.usd },
    { component: "Lambda GB-seconds", usd: (gbSeconds(invocations, ms, i.memoryMb) + extraGbSeconds) * gbPrice },
    // SendMessage per update; per batch one ReceiveMessage and one DeleteMessageBatch.
    { component: "SQS requests", usd: i.path === "buffered" ? (MILLION + 2 * invocations) * p.sqsRequest.usd : 0 },
    { component: "DynamoDB writes (on-demand)", usd: MILLION * Math.ceil(i.itemBytes / 1024) * p.dynamodbWriteRequestUnit.usd },
    { component: "CloudWatch Logs ingestion", usd: (logBytes / GB) * p.cloudwatchLogsIngestGb.usd },
  ];
  return lines;
}

/** Storage a million stored updates add, per month they are kept (table + PITR). */
export function storagePerMillionMonth(itemBytes: number, p: PriceTable): number {
  const gb = (MILLION * (itemBytes + DYNAMODB_ITEM_OVERHEAD_BYTES)) / GB;
  return gb * (p.dynamodbStorageGbMonth.usd + p.dynamodbPitrGbMonth.usd);
}

/** What an environment costs a month before any update. */
export function fixedMonthly(inv: FixedInventory, p: PriceTable): CostLine[] {
  return [
    { component: "KMS keys", usd: inv.kmsKeys * p.kmsKeyMonth.usd },
    { component: "CloudWatch alarms", usd: inv.alarms * p.cloudwatchAlarmMonth.usd },
    { component: "CloudWatch dashboards", usd: inv.dashboards * p.cloudwatchDashboardMonth.usd },
    { component: "CloudWatch custom metrics", usd: inv.customMetrics * p.cloudwatchCustomMetricMonth.usd },
    { component: "SQS polling while idle", usd: inv.idleSqsRequests * p.sqsRequest.usd },
    { component: "KMS requests (SQS data keys)", usd: inv.idleKmsRequests * p.kmsRequest.usd },
  ];
}

export const total = (lines: readonly CostLine[]): number => lines.reduce((s, l) => s + l.usd, 0);

/**
 * The fleet size (devices) from which buffered costs less a month than direct: 0 when it always does,
 * undefined when it never does (its cost per update is not lower, so a larger fleet only widens the gap).
 */
export function breakEvenDevices(
  direct: { fixedUsd: number; perMillionUsd: number },
  buffered: { fixedUsd: number; perMillionUsd: number },
  updatesPerDeviceMonth: number,
): number | undefined {
  const savingPerDevice = ((direct.perMillionUsd - buffered.perMillionUsd) * updatesPerDeviceMonth) / MILLION;
  const extraFixed = buffered.fixedUsd - direct.fixedUsd;
  if (savingPerDevice <= 0) return undefined;
  return Math.max(0, Math.ceil(extraFixed / savingPerDevice));
}

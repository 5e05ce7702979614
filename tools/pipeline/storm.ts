/**
 * A reconnect storm through both ingestion paths, with the built processor bundle
 * (dist/functions/shadow-history, what Lambda runs) writing to a local DynamoDB:
 *
 * - buffered: every update is sent to an in-process SQS queue (visibility timeout, receive count,
 *   redrive to a dead-letter queue after maxReceiveCount) drained by the event source mapping
 *   emulation (batches, batching window, ReportBatchItemFailures, maximum concurrency);
 * - direct: every update is an asynchronous invoke (throttling at the concurrency cap with backoff,
 *   two retries, maximum event age, then the dead-letter queue).
 *
 * Time is simulated (tools/pipeline/event-loop.ts): each invocation takes `serviceTimeMs` (by default
 * its measured duration, one invocation at a time, as if each had its own execution environment), and
 * retry delays, backoff and visibility timeouts take no real time. A few poison events (breaking the
 * event contract) ride along. Afterwards the table is read back: every valid update must be stored
 * exactly once (0 lost, 0 doubled) or, for the direct path, be in the dead-letter queue.
 */
import { join } from "node:path";
import { DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { CLASSIC_SHADOW, PARTITION_KEY, SORT_KEY, shadowVersionKey } from "../../modules/history-store/schema";
import { AsyncInvokeQueue } from "./async-invoke-queue";
import { DiscreteEventLoop } from "./event-loop";
import { SqsEventSourceMapping } from "./event-source-mapping";
import { AsyncLambda, loadBundleHandler } from "./lambda-runtime";
import { LocalDynamo, startLocalDynamo } from "./local-dynamo";
import { MetricsSink } from "./metrics";
import { OutputCapture } from "./output-capture";
import type { ProcessorFunction } from "./processor";
import { LocalSqsQueue } from "./sqs-queue";

export interface StormSettings {
  /** Valid updates (spread evenly over the things, versions 1..n per thing). */
  readonly events: number;
  readonly things: number;
  /** Malformed events added to the storm (they break the event contract and must end in a dead-letter queue). */
  readonly poison: number;
  /** The storm arrives evenly within this many seconds. */
  readonly arrivalSeconds: number;
  /** Buffered: the mapping's maximum concurrency; direct: the function's reserved concurrency. */
  readonly concurrency: number;
  readonly batchSize: number;
  readonly maximumBatchingWindowSeconds: number;
  readonly maxReceiveCount: number;
  readonly visibilityTimeoutSeconds: number;
  readonly timeoutSeconds: number;
  readonly maximumRetryAttempts: number;
  readonly maximumEventAgeSeconds: number;
}

export interface StormOptions extends Partial<StormSettings> {
  /** Simulated duration of one invocation; fixed values make a run reproducible. @default the measured duration */
  readonly serviceTimeMs?: { readonly direct?: (measuredMs: number) => number; readonly buffered?: (measuredMs: number, records: number) => number };
  /** Which paths to run. @default both */
  readonly paths?: readonly StormPath[];
  /** Built function bundles. @default <repo>/dist/functions */
  readonly functionsDistDir?: string;
}

export type StormPath = "buffered" | "direct";

/** 50,000 updates of 5,000 things at a concurrency cap of 10, prod's buffer settings (environments/prod.ts). */
export const STORM_DEFAULTS: StormSettings = {
  events: 50_000,
  things: 5_000,
  poison: 5,
  arrivalSeconds: 60,
  concurrency: 10,
  batchSize: 25,
  maximumBatchingWindowSeconds: 1,
  maxReceiveCount: 5,
  visibilityTimeoutSeconds: 181,
  timeoutSeconds: 30,
  maximumRetryAttempts: 2,
  maximumEventAgeSeconds: 3600,
};

export interface StormPathResult {
  readonly path: StormPath;
  readonly validEvents: number;
  readonly poisonEvents: number;
  /** Distinct valid updates found in the table. */
  readonly stored: number;
  /** Valid updates neither stored nor in the dead-letter queue. */
  readonly lost: number;
  /** Table items beyond one per update, or matching no update. */
  readonly doubled: number;
  readonly deadLettered: { readonly poison: number; readonly valid: number; readonly byReason: Readonly<Record<string, number>> };
  /** Simulated ms from the first arrival until the last valid update was stored. */
  readonly drainMs: number;
  /** Simulated ms until the last event (poison included) reached a dead-letter queue; 0 when none did. */
  readonly deadLetteredByMs: number;
  /** Stored updates per simulated second of drain time. */
  readonly eventsPerSecond: number;
  /** Arrival to stored, simulated ms. */
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly invocations: number;
  /** Sum of simulated invocation durations (what Lambda bills, before memory). */
  readonly billedMs: number;
  readonly throttles?: number;
  /** Records the processor reported in batchItemFailures, from its EMF (BatchItemFailures). */
  readonly batchItemFailuresMetric?: number;
  readonly realMs: number;
  readonly errors: readonly string[];
}

export interface StormResult {
  readonly settings: StormSettings;
  readonly buffered?: StormPathResult;
  readonly direct?: StormPathResult;
}

interface StormEvent {
  readonly key?: string;
  readonly event: Record<string, unknown>;
}

/** The storm's events in arrival order: version v of every thing, then v + 1, ...; poison spread evenly. */
export function stormEvents(s: Pick<StormSettings, "events" | "things" | "poison">, thingPrefix: string): StormEvent[] {
  const out: StormEvent[] = [];
  for (let i = 0; i < s.events; i++) {
    const thing = `${thingPrefix}-${String(i % s.things).padStart(5, "0")}`;
    const version = Math.floor(i / s.things) + 1;
    out.push({
      key: `${thing}|${shadowVersionKey(CLASSIC_SHADOW, version)}`,
      event: {
        thingName: thing,
        previous: version === 1 ? null : { state: { reported: { seq: version - 1 } }, version: version - 1 },
        current: { state: { reported: { seq: version, temperature: 20 + (i % 7) } }, metadata: {}, version },
        timestamp: 1_767_225_600 + version,
        clientToken: `${thing}-${version}`,
      },
    });
  }
  for (let p = 0; p < s.poison; p++) {
    // A version that is not a number: the processor rejects it (InvalidEvent) on every attempt.
    const poison = { key: undefined, event: { thingName: `${thingPrefix}-poison-${p}`, previous: null, current: { state: {}, version: "seven" }, timestamp: 1_767_225_600 } };
    out.splice(Math.floor(((p + 1) * out.length) / (s.poison + 1)), 0, poison);
  }
  return out;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function stormFunction(functionsDistDir: string, settings: StormSettings): ProcessorFunction {
  const bundleDir = join(functionsDistDir, "shadow-history");
  return {
    logicalId: "storm_processor",
    functionName: "storm-shadow-history",
    bundleDir,
    bundleFile: join(bundleDir, "index.js"),
    exportName: "handler",
    environment: {},
    maximumRetryAttempts: settings.maximumRetryAttempts,
    timeoutSeconds: settings.timeoutSeconds,
    memoryMb: 512,
  };
}

async function tableKeys(dynamo: LocalDynamo, tableName: string): Promise<Map<string, number>> {
  const doc = DynamoDBDocumentClient.from(dynamo.client);
  const counts = new Map<string, number>();
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(new ScanCommand({ TableName: tableName, ProjectionExpression: "#pk, #sk", ExpressionAttributeNames: { "#pk": PARTITION_KEY, "#sk": SORT_KEY }, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) {
      const key = `${item[PARTITION_KEY]}|${item[SORT_KEY]}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return counts;
}

/** Runs the storm through the chosen paths, each on its own things in one table; never throws for lost events (read the result). */
export async function runStorm(options: StormOptions = {}): Promise<StormResult> {
  const settings: StormSettings = { ...STORM_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([k, v]) => k in STORM_DEFAULTS && v !== undefined)) };
  for (const [k, v] of Object.entries(settings)) if (!Number.isInteger(v) || v < 0) throw new Error(`runStorm ${k} must be a whole number, got ${v}`);
  if (settings.events < 1 || settings.things < 1) throw new Error("runStorm needs at least one event and one thing");
  const paths = options.paths ?? ["buffered", "direct"];
  const dynamo = await startLocalDynamo();
  const tableName = "storm-shadow-history";
  const metrics = new MetricsSink();
  const capture = new OutputCapture(metrics);
  // The SDK resolves endpoint and (dummy) credentials while a call is under way, not only while the handler starts it.
  const restoreEnv = dynamo.useAsSdkDefault();
  try {
    await dynamo.createHistoryTable(tableName);
    const fn = stormFunction(options.functionsDistDir ?? join(__dirname, "..", "..", "dist", "functions"), settings);
    // Errors only: 50,000 info lines would measure the log writer. EMF metrics are still written (and counted).
    const env = { TABLE_NAME: tableName, POWERTOOLS_LOG_LEVEL: "ERROR", POWERTOOLS_METRICS_NAMESPACE: "IotShadow/storm", POWERTOOLS_SERVICE_NAME: "shadow-history", ...dynamo.sdkEnvironment() };
    const lambda = new AsyncLambda(fn, loadBundleHandler(fn, env), { region: "eu-west-1", accountId: "000000000000", environment: env });
    const result: { buffered?: StormPathResult; direct?: StormPathResult } = {};
    for (const path of paths) {
      const events = stormEvents(settings, `storm-${path}`);
      const before = metrics.total("BatchItemFailures", "processor");
      capture.hold();
      let run: Omit<StormPathResult, "stored" | "lost" | "doubled" | "batchItemFailuresMetric">;
      try {
        run = path === "buffered" ? await buffered(lambda, events, settings, options.serviceTimeMs?.buffered) : await direct(lambda, events, settings, options.serviceTimeMs?.direct);
      } finally {
        capture.release();
      }
      const counts = await tableKeys(dynamo, tableName);
      const expected = new Set(events.flatMap((e) => (e.key ? [e.key] : [])));
      let stored = 0;
      let doubled = 0;
      for (const [key, n] of counts) {
        if (!key.startsWith(`storm-${path}-`)) continue;
        if (expected.has(key)) stored++;
        doubled += expected.has(key) ? n - 1 : n;
      }
      const lost = expected.size - stored - run.deadLettered.valid;
      result[path] = { ...run, stored, lost, doubled, ...(path === "buffered" ? { batchItemFailuresMetric: metrics.total("BatchItemFailures", "processor") - before } : {}) };
    }
    return { settings, ...result };
  } finally {
    capture.release();
    restoreEnv();
    await dynamo.stop();
  }
}

type PathRun = Omit<StormPathResult, "stored" | "lost" | "doubled" | "batchItemFailuresMetric">;

const isPoison = (body: unknown) => typeof (body as { current?: { version?: unknown } }).current?.version !== "number";

async function buffered(lambda: AsyncLambda, events: readonly StormEvent[], s: StormSettings, serviceTimeMs?: (m: number, n: number) => number): Promise<PathRun> {
  const started = performance.now();
  const loop = new DiscreteEventLoop(0);
  const dlq = new LocalSqsQueue({ name: "storm-ingest-dlq", visibilityTimeoutSeconds: 30, now: () => loop.now() });
  const queue = new LocalSqsQueue({ name: "storm-ingest", visibilityTimeoutSeconds: s.visibilityTimeoutSeconds, redrive: { deadLetterQueue: dlq, maxReceiveCount: s.maxReceiveCount }, now: () => loop.now() });
  const mapping = new SqsEventSourceMapping(queue, (e) => lambda.attempt(e), loop, {
    queueArn: "arn:aws:sqs:eu-west-1:000000000000:storm-ingest",
    region: "eu-west-1",
    batchSize: s.batchSize,
    maximumBatchingWindowSeconds: s.maximumBatchingWindowSeconds,
    maximumConcurrency: s.concurrency,
    reportBatchItemFailures: true,
    timeoutSeconds: s.timeoutSeconds,
    serviceTimeMs,
  });
  // The documents rule's sqs action: one SendMessage per update, at its arrival time.
  events.forEach((e, i) => loop.at((i * s.arrivalSeconds * 1000) / events.length, () => void queue.send(JSON.stringify(e.event))));
  let deadLetteredByMs = 0;
  dlq.onMessage(() => (deadLetteredByMs = loop.now()));
  await loop.run();
  const poison = dlq.deadLettered.filter((m) => isPoison(JSON.parse(m.body))).length;
  const drainMs = mapping.delivered.reduce((m, d) => Math.max(m, d.deletedAtMs), 0);
  return {
    path: "buffered",
    ...throughput(events, mapping.stats.recordsDelivered, drainMs, mapping.delivered.map((d) => d.deletedAtMs - d.sentAtMs)),
    deadLettered: { poison, valid: dlq.deadLettered.length - poison, byReason: { "max-receive-count": dlq.deadLettered.length } },
    drainMs,
    deadLetteredByMs,
    invocations: mapping.stats.invocations,
    billedMs: mapping.stats.billedMs,
    realMs: performance.now() - started,
    errors: mapping.errors,
  };
}

/** The figures both paths report the same way: event counts, stored events per second of drain time, latency percentiles. */
function throughput(events: readonly StormEvent[], stored: number, drainMs: number, latenciesMs: readonly number[]): Pick<PathRun, "validEvents" | "poisonEvents" | "eventsPerSecond" | "latencyMs"> {
  const latencies = [...latenciesMs].sort((a, b) => a - b);
  return {
    validEvents: events.filter((e) => e.key).length,
    poisonEvents: events.filter((e) => !e.key).length,
    eventsPerSecond: stored / Math.max(drainMs / 1000, 1e-9),
    latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies[latencies.length - 1] ?? 0 },
  };
}

async function direct(lambda: AsyncLambda, events: readonly StormEvent[], s: StormSettings, serviceTimeMs?: (m: number) => number): Promise<PathRun> {
  const started = performance.now();
  const loop = new DiscreteEventLoop(0);
  const asyncQueue = new AsyncInvokeQueue((e) => lambda.attempt(e), loop, {
    concurrency: s.concurrency,
    maximumRetryAttempts: s.maximumRetryAttempts,
    maximumEventAgeSeconds: s.maximumEventAgeSeconds,
    serviceTimeMs,
  });
  events.forEach((e, i) => asyncQueue.submit(e.event, (i * s.arrivalSeconds * 1000) / events.length));
  await loop.run();
  const drainMs = asyncQueue.succeededAtMs;
  const deadLetteredByMs = asyncQueue.deadLetters.reduce((m, d) => Math.max(m, d.atMs), 0);
  const poison = asyncQueue.deadLetters.filter((d) => isPoison(d.event)).length;
  const byReason: Record<string, number> = {};
  for (const d of asyncQueue.deadLetters) byReason[d.reason] = (byReason[d.reason] ?? 0) + 1;
  return {
    path: "direct",
    ...throughput(events, asyncQueue.stats.succeeded, drainMs, asyncQueue.latenciesMs),
    deadLettered: { poison, valid: asyncQueue.deadLetters.length - poison, byReason },
    drainMs,
    deadLetteredByMs,
    invocations: asyncQueue.stats.invocations,
    billedMs: asyncQueue.stats.billedMs,
    throttles: asyncQueue.stats.throttles,
    realMs: performance.now() - started,
    errors: asyncQueue.deadLetters.slice(0, 5).map((d) => `${d.reason}: ${d.error ?? "(throttled)"}`),
  };
}

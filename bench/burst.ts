/**
 * Burst load through the BUILT processor bundle (dist/functions/shadow-history,
 * what Lambda runs) against a local DynamoDB server, with bounded concurrency.
 * The events carry redeliveries (exact duplicates) and arrive out of version
 * order; afterwards the table must hold exactly the distinct
 * (thing, shadow, version) updates, each with its own content.
 *
 *   npx tsx bench/burst.ts            # 5,000 events, 100 things, concurrency 16; prints JSON
 *   BURST_EVENTS=20000 npx tsx bench/burst.ts
 *
 * Latency is measured around each `handler(event)` call. The local server
 * (dynalite) runs in the same Node process, so the figures include its work and
 * compare runs on this machine; they are not DynamoDB service latencies.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { CLASSIC_SHADOW, PARTITION_KEY, SORT_KEY, shadowVersionKey } from "../modules/history-store/schema";
import { startLocalDynamo } from "../tools/pipeline/local-dynamo";

const ROOT = resolve(__dirname, "..");
export const PROCESSOR_BUNDLE = join(ROOT, "dist/functions/shadow-history/index.js");
const METAFILE = join(ROOT, "dist/functions/shadow-history.meta.json");

export interface ProcessorResult {
  readonly outcome: "stored" | "duplicate";
  readonly thingName: string;
  readonly shadowName: string;
  readonly version: number;
}

/** The part of the bundle's exports the reliability tests and this benchmark use. */
export interface ProcessorBundle {
  handler(event: unknown): Promise<ProcessorResult>;
  InvalidShadowEventError: new (...args: never[]) => Error & { readonly field: string };
}

/** Throws with the command to run when the bundle is missing or older than one of its sources. */
export function assertBundleFresh(): void {
  if (!existsSync(PROCESSOR_BUNDLE) || !existsSync(METAFILE)) throw new Error(`${PROCESSOR_BUNDLE} is missing: run \`npm run build\` first`);
  const builtAt = statSync(PROCESSOR_BUNDLE).mtimeMs;
  const inputs = Object.keys(JSON.parse(readFileSync(METAFILE, "utf8")).inputs as Record<string, unknown>).filter((p) => !p.includes("node_modules"));
  const stale = inputs.filter((p) => statSync(resolve(ROOT, p)).mtimeMs > builtAt);
  if (stale.length > 0) throw new Error(`the bundle is older than ${stale.join(", ")}: run \`npm run build\``);
}

/**
 * Loads the bundle. Its DynamoDB client reads AWS_ENDPOINT_URL_DYNAMODB and
 * TABLE_NAME from the environment, so set those first. Under jest each test
 * file gets its own copy.
 */
export function loadProcessorBundle(): ProcessorBundle {
  assertBundleFresh();
  return require(PROCESSOR_BUNDLE) as ProcessorBundle;
}

/** Where to send the burst when the caller already runs a server and a loaded bundle (tests). */
export interface BurstTarget {
  readonly handler: (event: unknown) => Promise<ProcessorResult>;
  readonly client: DynamoDBClient;
  readonly tableName: string;
}

export interface BurstOptions {
  /** @default 5000 (env BURST_EVENTS) */
  readonly events?: number;
  /** @default 100 */
  readonly things?: number;
  /** Handler calls in flight at once. @default 16 */
  readonly concurrency?: number;
  /** Share of events that are redeliveries of another event. @default 0.1 */
  readonly duplicateRatio?: number;
  /** @default 20251123 */
  readonly seed?: number;
  /** Prefix of the generated thing names. @default "burst" */
  readonly thingPrefix?: string;
  /** @default a fresh local server, table and bundle */
  readonly target?: BurstTarget;
  /** Swallow the handler's log and metric lines during the run. @default true */
  readonly quiet?: boolean;
}

export interface BurstResult {
  readonly events: number;
  readonly things: number;
  readonly concurrency: number;
  readonly distinctUpdates: number;
  readonly duplicatesSent: number;
  /** Events that arrived after a higher version of the same shadow. */
  readonly outOfOrder: number;
  readonly durationMs: number;
  readonly eventsPerSecond: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly max: number; readonly mean: number };
  readonly outcomes: { readonly stored: number; readonly duplicate: number; readonly failed: number };
  readonly tableItems: number;
  /** Distinct updates with no item. */
  readonly missing: number;
  /** Items that match no sent update. */
  readonly unexpected: number;
  /** Items whose content is not the content of their version. */
  readonly mismatched: number;
  readonly firstErrors: readonly string[];
  /** Every distinct update stored once with its own content, nothing else, no handler failure. */
  readonly correct: boolean;
}

interface BurstEvent {
  readonly thingName: string;
  readonly shadowName?: string;
  readonly previous: { readonly state: { readonly reported: { readonly seq: number } }; readonly version: number } | null;
  readonly current: { readonly state: { readonly reported: { readonly seq: number; readonly temperature: number }; readonly desired?: { readonly setpoint: number } }; readonly metadata: object; readonly version: number };
  readonly timestamp: number;
  readonly clientToken: string;
}

/** Small deterministic PRNG (mulberry32), so a burst is reproducible from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The events of one burst: distinct updates spread over (thing, shadow) pairs, plus redeliveries, shuffled. */
export function burstEvents(options: Required<Pick<BurstOptions, "events" | "things" | "duplicateRatio" | "seed" | "thingPrefix">>): { events: BurstEvent[]; distinct: BurstEvent[] } {
  const random = prng(options.seed);
  const duplicates = Math.floor(options.events * options.duplicateRatio);
  const distinctCount = options.events - duplicates;
  const shadows = [undefined, "config"] as const;
  const pairs = options.things * shadows.length;
  const distinct: BurstEvent[] = Array.from({ length: distinctCount }, (_, i) => {
    const pair = i % pairs;
    const version = Math.floor(i / pairs) + 1;
    const thingName = `${options.thingPrefix}-thing-${String(Math.floor(pair / shadows.length)).padStart(3, "0")}`;
    const shadowName = shadows[pair % shadows.length];
    const temperature = Math.round((15 + random() * 10) * 10) / 10;
    return {
      thingName,
      ...(shadowName ? { shadowName } : {}),
      previous: version === 1 ? null : { state: { reported: { seq: version - 1 } }, version: version - 1 },
      current: {
        state: { reported: { seq: version, temperature }, ...(version % 3 === 0 ? { desired: { setpoint: 21 } } : {}) },
        metadata: {},
        version,
      },
      // Several versions share one second: the key must not be time-based.
      timestamp: 1_700_000_000 + Math.floor(version / 3),
      clientToken: `${thingName}-${version}`,
    };
  });
  const events = [...distinct, ...Array.from({ length: duplicates }, () => distinct[Math.floor(random() * distinct.length)])];
  for (let i = events.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [events[i], events[j]] = [events[j], events[i]];
  }
  return { events, distinct };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const round = (n: number) => Math.round(n * 1000) / 1000;

async function itemsOf(doc: DynamoDBDocumentClient, tableName: string, thingName: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: "#pk = :t",
        ExpressionAttributeNames: { "#pk": PARTITION_KEY },
        ExpressionAttributeValues: { ":t": thingName },
        ExclusiveStartKey: start,
      }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Runs `fn` over `items` with at most `concurrency` calls in flight. */
async function boundedPool<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

/** Replaces stdout/stderr writes with no-ops; returns the restore function. */
function silence(): () => void {
  const out = process.stdout.write;
  const err = process.stderr.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  return () => {
    process.stdout.write = out;
    process.stderr.write = err;
  };
}

async function withLocalTarget<T>(run: (target: BurstTarget) => Promise<T>): Promise<T> {
  const dynamo = await startLocalDynamo();
  const restoreEnv = dynamo.useAsSdkDefault();
  const previousTable = process.env.TABLE_NAME;
  try {
    const tableName = "shadow-history-burst";
    await dynamo.createHistoryTable(tableName);
    process.env.TABLE_NAME = tableName;
    const bundle = loadProcessorBundle();
    return await run({ handler: (e) => bundle.handler(e), client: dynamo.client, tableName });
  } finally {
    if (previousTable === undefined) delete process.env.TABLE_NAME;
    else process.env.TABLE_NAME = previousTable;
    restoreEnv();
    await dynamo.stop();
  }
}

export async function runBurst(options: BurstOptions = {}): Promise<BurstResult> {
  const settings = {
    events: options.events ?? Number(process.env.BURST_EVENTS ?? 5000),
    things: options.things ?? 100,
    concurrency: options.concurrency ?? 16,
    duplicateRatio: options.duplicateRatio ?? 0.1,
    seed: options.seed ?? 20251123,
    thingPrefix: options.thingPrefix ?? "burst",
  };
  if (!Number.isInteger(settings.events) || settings.events < 1) throw new Error(`events must be a positive whole number, got ${settings.events}`);
  if (!Number.isInteger(settings.concurrency) || settings.concurrency < 1) throw new Error(`concurrency must be a positive whole number, got ${settings.concurrency}`);
  if (!(settings.duplicateRatio >= 0 && settings.duplicateRatio < 1)) throw new Error(`duplicateRatio must be in [0, 1), got ${settings.duplicateRatio}`);
  if (options.target) return burst(options.target, settings, options.quiet ?? true);
  return withLocalTarget((target) => burst(target, settings, options.quiet ?? true));
}

async function burst(target: BurstTarget, s: Required<Pick<BurstOptions, "events" | "things" | "concurrency" | "duplicateRatio" | "seed" | "thingPrefix">>, quiet: boolean): Promise<BurstResult> {
  const { events, distinct } = burstEvents(s);
  const highest = new Map<string, number>();
  let outOfOrder = 0;
  for (const e of events) {
    const key = `${e.thingName}|${e.shadowName ?? CLASSIC_SHADOW}`;
    if (e.current.version < (highest.get(key) ?? 0)) outOfOrder++;
    highest.set(key, Math.max(highest.get(key) ?? 0, e.current.version));
  }

  const latencies: number[] = [];
  const outcomes = { stored: 0, duplicate: 0, failed: 0 };
  const firstErrors: string[] = [];
  const restore = quiet ? silence() : () => undefined;
  const started = performance.now();
  try {
    await boundedPool(events, s.concurrency, async (event) => {
      const t0 = performance.now();
      try {
        const { outcome } = await target.handler(event);
        outcomes[outcome]++;
      } catch (error) {
        outcomes.failed++;
        if (firstErrors.length < 5) firstErrors.push(String(error));
      } finally {
        latencies.push(performance.now() - t0);
      }
    });
  } finally {
    restore();
  }
  const durationMs = performance.now() - started;

  const expected = new Map(distinct.map((e) => [`${e.thingName}|${shadowVersionKey(e.shadowName ?? CLASSIC_SHADOW, e.current.version)}`, e]));
  const doc = DynamoDBDocumentClient.from(target.client);
  const thingNames = [...new Set(distinct.map((e) => e.thingName))];
  const items = (await Promise.all(thingNames.map((t) => itemsOf(doc, target.tableName, t)))).flat();
  let unexpected = 0;
  let mismatched = 0;
  const seen = new Set<string>();
  for (const item of items) {
    const key = `${item[PARTITION_KEY]}|${item[SORT_KEY]}`;
    const sent = expected.get(key);
    if (!sent || seen.has(key)) {
      unexpected++;
      continue;
    }
    seen.add(key);
    const reported = item.reported as { seq?: unknown; temperature?: unknown } | undefined;
    if (item.version !== sent.current.version || reported?.seq !== sent.current.state.reported.seq || reported?.temperature !== sent.current.state.reported.temperature) mismatched++;
  }
  const missing = expected.size - seen.size;
  const sorted = [...latencies].sort((a, b) => a - b);
  const correct =
    missing === 0 && unexpected === 0 && mismatched === 0 && outcomes.failed === 0 && outcomes.stored === distinct.length && outcomes.duplicate === events.length - distinct.length;

  return {
    events: events.length,
    things: thingNames.length,
    concurrency: s.concurrency,
    distinctUpdates: distinct.length,
    duplicatesSent: events.length - distinct.length,
    outOfOrder,
    durationMs: round(durationMs),
    eventsPerSecond: round(events.length / (durationMs / 1000)),
    latencyMs: {
      p50: round(percentile(sorted, 50)),
      p99: round(percentile(sorted, 99)),
      max: round(sorted[sorted.length - 1] ?? 0),
      mean: round(sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length)),
    },
    outcomes,
    tableItems: items.length,
    missing,
    unexpected,
    mismatched,
    firstErrors,
    correct,
  };
}

if (require.main === module) {
  runBurst()
    .then((result) => {
      console.log(JSON.stringify(result, null, 2));
      if (!result.correct) process.exitCode = 1;
    })
    .catch((error: unknown) => {
      console.error(`burst: ${(error as Error).stack ?? String(error)}`);
      process.exitCode = 2;
    });
}

/**
 * Processor throughput, in its own process (the bundle's EMF metrics go to this
 * process's stdout, as in Lambda). The SDK environment (AWS_ENDPOINT_URL_DYNAMODB,
 * TABLE_NAME, ...) is set by the parent before the bundle is loaded.
 * argv: <rawTable> <runs> <events per run> <concurrency>...
 * BENCH_PATHS=handler or =raw runs one path only (for profiling).
 * BENCH_RUN_ID prefixes thing names, so several children can share the tables.
 * Prints one JSON line last: ThroughputResult.
 */
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { join } from "node:path";
import { createHistoryDocumentClient } from "../functions/shadow-history/client";
import { PARTITION_KEY } from "../modules/history-store/schema";
import { documentItems, thermostatEvents } from "./shadow-events";

export interface PathSamples {
  readonly eventsPerSec: number[];
  /** CPU time of this (client) process per event, microseconds. */
  readonly cpuUsPerEvent: number[];
}

export interface ThroughputResult {
  readonly eventsPerRun: number;
  readonly byConcurrency: readonly { readonly concurrency: number; readonly handler: PathSamples; readonly raw: PathSamples }[];
}

interface Bundle {
  handler(event: unknown): Promise<{ outcome: string }>;
}

const [rawTable, runsArg, eventsArg, ...concurrencyArgs] = process.argv.slice(2);
const runs = Number(runsArg);
const eventsPerRun = Number(eventsArg);
const paths: readonly ("h" | "r")[] = process.env.BENCH_PATHS === "handler" ? ["h"] : process.env.BENCH_PATHS === "raw" ? ["r"] : ["h", "r"];
const runId = process.env.BENCH_RUN_ID ?? "run";
const bundle = require(join(__dirname, "..", "dist", "functions", "shadow-history", "index.js")) as Bundle;

// The handler's own client (settings and marshalling), so only the handler's own work differs.
const raw = createHistoryDocumentClient();

async function pool(count: number, concurrency: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await work(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

async function measure(count: number, body: () => Promise<void>): Promise<{ eventsPerSec: number; cpuUsPerEvent: number }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await body();
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { eventsPerSec: (count / ms) * 1000, cpuUsPerEvent: (used.user + used.system) / count };
}

function handlerRun(label: string, concurrency: number) {
  const events = thermostatEvents(`${runId}-${label}`, eventsPerRun);
  return measure(eventsPerRun, () =>
    pool(events.length, concurrency, async (i) => {
      const { outcome } = await bundle.handler(events[i]);
      if (outcome !== "stored") throw new Error(`event ${i} of ${label} was ${outcome}, expected stored`);
    }),
  );
}

function rawRun(label: string, concurrency: number) {
  // Items built and encoded before the clock starts: the baseline is the writes alone.
  const items = documentItems(thermostatEvents(`${runId}-${label}`, eventsPerRun), Date.now());
  return measure(eventsPerRun, () =>
    pool(items.length, concurrency, async (i) => {
      await raw.send(new PutCommand({ TableName: rawTable, Item: items[i], ConditionExpression: "attribute_not_exists(#pk)", ExpressionAttributeNames: { "#pk": PARTITION_KEY } }));
    }),
  );
}

async function main(): Promise<void> {
  const byConcurrency = [];
  for (const concurrency of concurrencyArgs.map(Number)) {
    // Warm both paths (connections, JIT) before measuring.
    if (paths.includes("h")) await handlerRun(`warm-h${concurrency}`, concurrency);
    if (paths.includes("r")) await rawRun(`warm-r${concurrency}`, concurrency);
    const handler: PathSamples = { eventsPerSec: [], cpuUsPerEvent: [] };
    const rawPath: PathSamples = { eventsPerSec: [], cpuUsPerEvent: [] };
    for (let r = 0; r < runs; r++) {
      // Alternate which path goes first so table growth and drift hit both alike.
      const order = r % 2 === 0 ? paths : [...paths].reverse();
      for (const path of order) {
        const sample = path === "h" ? await handlerRun(`c${concurrency}-r${r}-h`, concurrency) : await rawRun(`c${concurrency}-r${r}-r`, concurrency);
        const into = path === "h" ? handler : rawPath;
        into.eventsPerSec.push(sample.eventsPerSec);
        into.cpuUsPerEvent.push(sample.cpuUsPerEvent);
      }
    }
    byConcurrency.push({ concurrency, handler, raw: rawPath });
  }
  const result: ThroughputResult = { eventsPerRun, byConcurrency };
  console.log(JSON.stringify(result));
  // The bundle's client keeps sockets open; nothing else is left to do.
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

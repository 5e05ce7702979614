/**
 * Processor benchmarks against a local DynamoDB-compatible server (dynalite on 127.0.0.1):
 * throughput of the built bundle's handler vs raw PutCommand calls with the same
 * items (the handler's own write path since it encodes items itself), module init
 * time vs loading the AWS SDK alone, and bundle size.
 */
import { ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PARTITION_KEY } from "../modules/history-store/schema";
import { BundleSize, bundleSize } from "./bundle-size";
import { PROCESSOR_RULES, ProfileShare, profileChild } from "./profile";
import { ROOT, interleave, run, runJson } from "./proc";
import type { ThroughputResult } from "./processor-child";
import { historyItems, thermostatEvents } from "./shadow-events";
import { Ratio, Summary, ratio, summarize } from "./stats";

const BUNDLE = join(ROOT, "dist", "functions", "shadow-history", "index.js");
const TABLES = { handler: "bench-handler", raw: "bench-raw", init: "bench-init" } as const;

export interface PathSummary {
  readonly eventsPerSec: Summary;
  readonly cpuUsPerEvent: Summary;
}

export interface InitSummary {
  /** require() of the entry, ms. */
  readonly importMs: Summary;
  /** First call (handler, or one PutCommand for the SDK baseline), ms. */
  readonly firstCallMs: Summary;
  readonly totalMs: Summary;
  readonly rssMb: Summary;
}

export interface ThroughputPoint {
  readonly concurrency: number;
  readonly handler: PathSummary;
  readonly raw: PathSummary;
  /** Handler events/s over raw PutCommand/s. */
  readonly ratio: Ratio;
}

export interface ProcessorResults {
  readonly runs: number;
  readonly eventsPerRun: number;
  readonly throughput: readonly ThroughputPoint[];
  /** What the handler writes to stdout (EMF metrics, logs) per event: CloudWatch Logs ingestion volume. */
  readonly stdoutBytesPerEvent: number;
  readonly init: { readonly bundle: InitSummary; readonly sdk: InitSummary; readonly ratio: Ratio };
  readonly bundle: BundleSize;
  /** One untimed --cpu-prof run per path at the highest concurrency (warm-up + one run of events). */
  readonly profiles: { readonly concurrency: number; readonly events: number; readonly handler: readonly ProfileShare[]; readonly raw: readonly ProfileShare[] };
}

interface Server {
  readonly endpoint: string;
  stop(): Promise<void>;
}

async function startServer(): Promise<Server> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "bench/dynalite-server.ts", ...Object.values(TABLES)], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "inherit"],
    env: { ...process.env, NODE_NO_WARNINGS: "1" },
  });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let buffered = "";
    child.once("exit", (code) => reject(new Error(`dynalite server exited ${code} before it was ready`)));
    child.stdout!.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const line = buffered.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve((JSON.parse(line) as { endpoint: string }).endpoint);
    });
  });
  return {
    endpoint,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.stdin!.end();
      }),
  };
}

function sdkEnvironment(endpoint: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_DYNAMODB: endpoint,
    AWS_REGION: "eu-west-1",
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    POWERTOOLS_LOG_LEVEL: "WARN",
    POWERTOOLS_METRICS_NAMESPACE: "IotShadow/bench",
  };
}

function childArgs(runs: number, eventsPerRun: number, concurrency: readonly number[]): string[] {
  return ["bench/processor-child.ts", TABLES.raw, String(runs), String(eventsPerRun), ...concurrency.map(String)];
}

/**
 * The child's stdout (one EMF document per handler call, as Lambda's log pipe gets) goes to a
 * file: a pipe read by this process would make each write wait for this process to be scheduled.
 */
function throughput(endpoint: string, runs: number, eventsPerRun: number, concurrency: readonly number[]): Pick<ProcessorResults, "throughput" | "stdoutBytesPerEvent"> {
  const dir = mkdtempSync(join(tmpdir(), "bench-processor-"));
  try {
    const stdoutFile = join(dir, "stdout");
    const env = { ...sdkEnvironment(endpoint), TABLE_NAME: TABLES.handler, BENCH_RUN_ID: "tp" };
    run(process.execPath, ["--import", "tsx", ...childArgs(runs, eventsPerRun, concurrency)], { env, stdoutFile });
    const out = readFileSync(stdoutFile, "utf8").trimEnd();
    const last = out.slice(out.lastIndexOf("\n") + 1);
    const result = JSON.parse(last) as ThroughputResult;
    // Each concurrency level runs one warm-up batch plus `runs` batches through the handler.
    const handlerEvents = concurrency.length * (runs + 1) * eventsPerRun;
    const path = (p: ThroughputResult["byConcurrency"][number]["handler"]): PathSummary => ({ eventsPerSec: summarize(p.eventsPerSec), cpuUsPerEvent: summarize(p.cpuUsPerEvent) });
    return {
      stdoutBytesPerEvent: (out.length - last.length) / handlerEvents,
      throughput: result.byConcurrency.map((c) => {
        const handler = path(c.handler);
        const raw = path(c.raw);
        return { concurrency: c.concurrency, handler, raw, ratio: ratio(handler.eventsPerSec, raw.eventsPerSec) };
      }),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function profiles(endpoint: string, eventsPerRun: number, concurrency: number): ProcessorResults["profiles"] {
  const dir = mkdtempSync(join(tmpdir(), "bench-processor-prof-"));
  try {
    const env = { ...sdkEnvironment(endpoint), TABLE_NAME: TABLES.handler };
    const profile = (path: "handler" | "raw") =>
      profileChild(childArgs(1, eventsPerRun, [concurrency]), PROCESSOR_RULES, { env: { ...env, BENCH_PATHS: path, BENCH_RUN_ID: `prof${path}` }, stdoutFile: join(dir, path) });
    return { concurrency, events: 2 * eventsPerRun, handler: profile("handler"), raw: profile("raw") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface InitSample {
  readonly importMs: number;
  readonly firstCallMs: number;
  readonly rssMb: number;
}

/** A fresh plain-node process (as Lambda starts one): require, then one call, timed inside. */
function initScript(kind: "bundle" | "sdk", run: number): string {
  const [event] = thermostatEvents(`init-${kind}-${run}`, 1);
  const report = "console.log(JSON.stringify({ importMs: t1 - t0, firstCallMs: performance.now() - t1, rssMb: process.resourceUsage().maxRSS / 1024 }))";
  if (kind === "bundle") {
    return `const t0 = performance.now(); const b = require(${JSON.stringify(BUNDLE)}); const t1 = performance.now();
      b.handler(${JSON.stringify(event)}).then(() => { ${report}; process.exit(0); });`;
  }
  // The SDK packages the handler uses (client-dynamodb + lib-dynamodb) and one PutCommand of the same item.
  const [item] = historyItems([event], Date.now());
  const put = { TableName: TABLES.init, Item: item, ConditionExpression: "attribute_not_exists(#pk)", ExpressionAttributeNames: { "#pk": PARTITION_KEY } };
  return `const t0 = performance.now();
    const { DynamoDBClient } = require("@aws-sdk/client-dynamodb");
    const { DynamoDBDocumentClient, PutCommand } = require("@aws-sdk/lib-dynamodb");
    const t1 = performance.now();
    const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
    doc.send(new PutCommand(${JSON.stringify(put)})).then(() => { ${report}; process.exit(0); });`;
}

function initTimes(endpoint: string, runs: number): ProcessorResults["init"] {
  const env = { ...sdkEnvironment(endpoint), TABLE_NAME: TABLES.init };
  let i = 0;
  const once = (kind: "bundle" | "sdk") => runJson<InitSample>(process.execPath, ["-e", initScript(kind, i++)], { env }).result;
  const samples = interleave(runs, { bundle: () => once("bundle"), sdk: () => once("sdk") });
  const summary = (s: readonly InitSample[]): InitSummary => ({
    importMs: summarize(s.map((x) => x.importMs)),
    firstCallMs: summarize(s.map((x) => x.firstCallMs)),
    totalMs: summarize(s.map((x) => x.importMs + x.firstCallMs)),
    rssMb: summarize(s.map((x) => x.rssMb)),
  });
  const bundle = summary(samples.bundle);
  const sdk = summary(samples.sdk);
  return { bundle, sdk, ratio: ratio(bundle.totalMs, sdk.totalMs) };
}

export interface ProcessorOptions {
  readonly runs: number;
  readonly eventsPerRun: number;
  readonly concurrency: readonly number[];
  readonly log: (line: string) => void;
}

export async function benchProcessor(options: ProcessorOptions): Promise<ProcessorResults> {
  const { runs, log } = options;
  log("processor: bundle size");
  const bundle = await bundleSize();
  const server = await startServer();
  try {
    log(`processor: throughput, ${runs} runs x ${options.eventsPerRun} events at concurrency ${options.concurrency.join(" and ")} (handler and raw alternate)`);
    const tp = throughput(server.endpoint, runs, options.eventsPerRun, options.concurrency);
    log(`processor: module init, ${runs} fresh processes each (interleaved)`);
    const init = initTimes(server.endpoint, runs);
    const concurrency = Math.max(...options.concurrency);
    log(`processor: one untimed --cpu-prof run per path at concurrency ${concurrency}`);
    const prof = profiles(server.endpoint, options.eventsPerRun, concurrency);
    return { runs, eventsPerRun: options.eventsPerRun, ...tp, init, bundle, profiles: prof };
  } finally {
    await server.stop();
  }
}

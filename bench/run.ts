/**
 * `npm run bench`: synth, scaling, processor and CI benchmarks; prints a table
 * and writes BENCHMARKS.md. Knobs (environment):
 *   BENCH_RUNS=5           repetitions per figure (at least 5 for a recorded run)
 *   BENCH_LARGE_RUNS=5     repetitions for the largest fleet
 *   BENCH_DEVICES=10,100,1000,10000
 *   BENCH_EVENTS=1500      processor events per run and path
 *   BENCH_SKIP_CI=1        skip the clean-clone CI run
 *   BENCH_SKIP_ENGINE=1    skip the real-engine toolchain figures
 *   BENCH_E2E_DEVICES=10,100,1000  fleet sizes applied against the local AWS
 *   BENCH_E2E_SHARDS=4     the largest of them again in this many device shards (0 skips it)
 *   BENCH_SKIP_E2E=1       skip the apply/re-plan figures against the local AWS
 *   BENCH_SKIP_STORM=1     skip the reconnect storm (bench/storm.ts, about 5 minutes)
 *   BENCH_SHARD_DEVICES=100000  devices of the sharded synth (bench/shards.ts)
 *   BENCH_SHARD_SAMPLE=n   synthesize n evenly spaced shards of it and extrapolate (default: all)
 *   BENCH_SKIP_SHARDS=1    skip the sharded synth
 *   BENCH_OUTPUT=path      write the report elsewhere (default BENCHMARKS.md)
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { benchCi } from "./ci";
import { benchE2eScale, e2eScaleSettings } from "./e2e-scale";
import { benchEngine } from "./engine";
import { benchProcessor } from "./processor";
import { ROOT, run } from "./proc";
import { renderConsole, renderMarkdown } from "./report";
import { BenchResults, BurstSummary, loadNow, machineFacts } from "./results";
import type { StormBench } from "./storm";
import { benchShardedSynth } from "./shards";
import { benchSynth } from "./synth";
import { UsageError, runScript } from "../tools/cli";

const USAGE = `usage: npm run bench
  synth, scaling, processor and CI benchmarks; writes BENCHMARKS.md. Knobs are environment
  variables: BENCH_RUNS, BENCH_LARGE_RUNS, BENCH_DEVICES, BENCH_EVENTS, BENCH_SKIP_CI=1,
  BENCH_SKIP_ENGINE=1, BENCH_E2E_DEVICES, BENCH_E2E_SHARDS, BENCH_SKIP_E2E=1, BENCH_SKIP_STORM=1,
  BENCH_SHARD_DEVICES, BENCH_SHARD_SAMPLE, BENCH_SKIP_SHARDS=1, BENCH_OUTPUT (bench/run.ts says what each does)`;

function numberEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === "" ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive whole number, got "${raw}"`);
  return value;
}

const log = (line: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

interface BurstRun {
  readonly events: number;
  readonly concurrency: number;
  readonly eventsPerSecond: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number };
  readonly correct: boolean;
}

/**
 * Hook for bench/burst.ts (written separately): included when the file exists and
 * exports runBurst. Each run is its own process (its CLI entry calls runBurst()),
 * because a loaded bundle keeps the endpoint of the server it first saw.
 */
function burst(runs: number): BurstSummary | undefined {
  const file = join(__dirname, "burst.ts");
  if (!existsSync(file) || !/export (async )?function runBurst\b/.test(readFileSync(file, "utf8"))) return undefined;
  log(`burst: bench/burst.ts (runBurst with its defaults), ${runs} runs, each in a fresh process`);
  const results = Array.from({ length: runs }, () => {
    const out = run(process.execPath, ["--import", "tsx", "bench/burst.ts"], { check: false });
    const json = out.stdout.slice(out.stdout.indexOf("{"));
    if (!json) throw new Error(`bench/burst.ts printed no result (exit ${out.status}):\n${out.stderr.slice(-1000)}`);
    return JSON.parse(json) as BurstRun;
  });
  return {
    runs,
    eventsPerSecond: results.map((b) => b.eventsPerSecond),
    p50Ms: results.map((b) => b.latencyMs.p50),
    p99Ms: results.map((b) => b.latencyMs.p99),
    correct: results.every((b) => b.correct),
    settings: `${results[0].events} events, concurrency ${results[0].concurrency} (runBurst defaults)`,
  };
}

/** The reconnect storm in its own process (it loads the bundle against its own local DynamoDB). */
function storm(): StormBench {
  log("storm: bench/storm.ts (50,000 updates, both paths) in a fresh process");
  const out = run(process.execPath, ["--import", "tsx", "bench/storm.ts"], { check: false });
  const json = out.stdout.slice(out.stdout.indexOf("{"));
  if (!json) throw new Error(`bench/storm.ts printed no result (exit ${out.status}):\n${out.stderr.slice(-1000)}`);
  return JSON.parse(json) as StormBench;
}

async function main(argv: readonly string[]): Promise<void> {
  if (argv.length > 0) throw new UsageError(`unknown argument ${argv.join(" ")} (the knobs are environment variables)`);
  const started = performance.now();
  const runs = numberEnv("BENCH_RUNS", 5);
  if (runs < 5) log(`BENCH_RUNS=${runs}: fewer than 5 runs, fine for a trial but not for a recorded result`);
  const deviceCounts = (process.env.BENCH_DEVICES ?? "10,100,1000,10000").split(",").map(Number);
  const load: Record<string, number> = {};
  const facts = machineFacts();
  const date = new Date().toISOString();

  load.synth = loadNow();
  const synth = benchSynth({ runs, largeRuns: numberEnv("BENCH_LARGE_RUNS", runs), deviceCounts, log });
  load.processor = loadNow();
  const processor = await benchProcessor({ runs, eventsPerRun: numberEnv("BENCH_EVENTS", 1500), concurrency: [1, 16], log });
  load.burst = loadNow();
  const burstSummary = burst(runs);
  load.shards = loadNow();
  const shards =
    process.env.BENCH_SKIP_SHARDS === "1"
      ? { skipped: "BENCH_SKIP_SHARDS=1" }
      : benchShardedSynth(numberEnv("BENCH_SHARD_DEVICES", 100_000), process.env.BENCH_SHARD_SAMPLE ? numberEnv("BENCH_SHARD_SAMPLE", 1) : undefined, log);
  load.storm = loadNow();
  const stormResult = process.env.BENCH_SKIP_STORM === "1" ? { skipped: "BENCH_SKIP_STORM=1" } : storm();
  load.ci = loadNow();
  const ci = process.env.BENCH_SKIP_CI === "1" ? { skipped: "BENCH_SKIP_CI=1" } : benchCi(log);
  load.engine = loadNow();
  const engine = process.env.BENCH_SKIP_ENGINE === "1" ? { skipped: "BENCH_SKIP_ENGINE=1" } : benchEngine(log);
  load.e2eScale = loadNow();
  const e2eScale =
    process.env.BENCH_SKIP_E2E === "1" || process.env.BENCH_SKIP_ENGINE === "1"
      ? { skipped: "BENCH_SKIP_E2E=1 or BENCH_SKIP_ENGINE=1" }
      : await (() => {
          const { devices, shards: e2eShards } = e2eScaleSettings();
          // The last and most fragile section (a real engine against a local AWS): its failure is reported in its section, not a lost run.
          return benchE2eScale(devices, e2eShards, log).catch((e: unknown) => ({ skipped: `it failed: ${e instanceof Error ? e.message.split("\n").slice(0, 8).join(" / ") : String(e)}` }));
        })();
  load.end = loadNow();

  const results: BenchResults = {
    meta: { command: "npm run bench", date, ...facts, load, durationMs: performance.now() - started, runs },
    synth,
    processor,
    ci,
    burst: burstSummary,
    storm: stormResult,
    shards,
    engine,
    e2eScale,
  };
  const output = process.env.BENCH_OUTPUT ?? join(ROOT, "BENCHMARKS.md");
  writeFileSync(output, renderMarkdown(results));
  console.log(renderConsole(results));
  console.log(`\nwrote ${output}`);
}

runScript({ name: "bench", usage: USAGE }, main);

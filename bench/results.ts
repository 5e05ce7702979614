/** Everything one `npm run bench` measured, as bench/report.ts renders it. */
import type { E2eScaleBench } from "./e2e-scale";
import type { EngineBench } from "./engine";
import { execFileSync } from "node:child_process";
import { cpus, loadavg, totalmem } from "node:os";
import type { CiResults } from "./ci";
import { ROOT } from "./proc";
import type { ProcessorResults } from "./processor";
import type { ShardedSynthBench } from "./shards";
import type { StormBench } from "./storm";
import type { SynthResults } from "./synth";

export interface RunMeta {
  readonly command: string;
  readonly date: string;
  readonly commit: string;
  readonly dirty: boolean;
  readonly node: string;
  readonly cores: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  /** 1-minute load average when each section started (other work on the machine shows here). */
  readonly load: Readonly<Record<string, number>>;
  readonly durationMs: number;
  readonly runs: number;
}

/** Figures of bench/burst.ts (another benchmark), when present; rendered as given. */
export interface BurstSummary {
  readonly runs: number;
  readonly eventsPerSecond: readonly number[];
  readonly p50Ms: readonly number[];
  readonly p99Ms: readonly number[];
  readonly correct: boolean;
  readonly settings: string;
}

export interface BenchResults {
  readonly meta: RunMeta;
  readonly synth: SynthResults;
  readonly processor: ProcessorResults;
  readonly ci: CiResults | { readonly skipped: string };
  readonly burst?: BurstSummary;
  /** bench/storm.ts: the reconnect storm through buffered and direct ingestion. */
  readonly storm?: StormBench | { readonly skipped: string };
  /** bench/shards.ts: synth of a sharded 100,000-device fleet. */
  readonly shards?: ShardedSynthBench;
  readonly engine?: EngineBench;
  readonly e2eScale?: E2eScaleBench;
}

function git(...args: string[]): string {
  return execFileSync("git", args, { cwd: ROOT, encoding: "utf8" }).trim();
}

export function machineFacts(): Pick<RunMeta, "commit" | "dirty" | "node" | "cores" | "cpuModel" | "memoryGiB"> {
  const cpu = cpus();
  return {
    commit: git("rev-parse", "--short", "HEAD"),
    dirty: git("status", "--porcelain").length > 0,
    node: process.version,
    cores: cpu.length,
    cpuModel: cpu[0]?.model.trim() ?? "unknown",
    memoryGiB: totalmem() / 1024 ** 3,
  };
}

export const loadNow = (): number => loadavg()[0];

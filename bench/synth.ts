/**
 * Synth benchmarks: all environments (deep imports vs the package-root baseline),
 * the `cdktf synth` CLI path vs the plain app, and scaling with fleet size.
 * Every synth runs in its own process (bench/synth-child.ts); wall time is taken here.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ProfileShare, profileSynth } from "./profile";
import { interleave, run, runJson } from "./proc";
import { Summary, median, summarize } from "./stats";
import type { SynthChildResult } from "./synth-child";

export interface SynthVariant {
  readonly wallMs: Summary;
  readonly rssMb: Summary;
  /** Median of each phase inside the child, ms. */
  readonly phases: SynthChildResult["phases"];
  readonly stacks: number;
}

export interface CliVariant {
  readonly label: string;
  readonly command: string;
  readonly wallMs: Summary;
}

export interface StackSizes {
  /** cdk.tf.json bytes of the platform stack (the one that grows with devices). */
  readonly platformBytes: number;
  readonly platformResources: number;
  /** All stacks of the synth. */
  readonly totalBytes: number;
  readonly totalResources: number;
}

export interface ScalingPoint extends SynthVariant, StackSizes {
  /** Device count, or "fleet" for fleet provisioning (no per-device resources). */
  readonly devices: number | "fleet";
}

export interface SynthResults {
  readonly runs: number;
  /** floor: node start-up with nothing loaded. */
  readonly envs: { readonly deep: SynthVariant; readonly root: SynthVariant; readonly deepNoSourceMaps: SynthVariant; readonly floor: SynthVariant };
  readonly cli: readonly CliVariant[];
  readonly scaling: { readonly runs: Readonly<Record<string, number>>; readonly points: readonly ScalingPoint[]; readonly largestNoSourceMaps: SynthVariant };
  readonly profiles: { readonly envs: readonly ProfileShare[]; readonly largest: readonly ProfileShare[]; readonly largestDevices: number };
}

export interface Sample {
  readonly wallMs: number;
  readonly child: SynthChildResult;
}

/**
 * The child is precompiled with esbuild, as the shipped app is (scripts/build-app.mjs):
 * both modes then run plain JavaScript and differ only in how the provider is imported.
 */
const CHILD_JS = join("dist", "bench", "synth-child.js");
let childBuilt = false;
function buildChild(): void {
  if (childBuilt) return;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require("esbuild").buildSync({ entryPoints: ["bench/synth-child.ts"], outfile: CHILD_JS, bundle: true, packages: "external", platform: "node", target: "node20", format: "cjs", logLevel: "warning" });
  childBuilt = true;
}

export function synthOnce(mode: "deep" | "root", what: string, options: { keep?: string; sourceMaps?: boolean; env?: Readonly<Record<string, string>> } = {}): Sample {
  buildChild();
  const args = [CHILD_JS, mode, what, ...(options.keep ? [options.keep] : [])];
  const env = { ...(options.sourceMaps === false ? { BENCH_SOURCE_MAPS: "off" } : {}), ...options.env };
  const { wallMs, result } = runJson<SynthChildResult>(process.execPath, args, { env });
  return { wallMs, child: result };
}

function variantOf(samples: readonly Sample[]): SynthVariant {
  const phase = (k: keyof SynthChildResult["phases"]) => median(samples.map((s) => s.child.phases[k]));
  return {
    wallMs: summarize(samples.map((s) => s.wallMs)),
    rssMb: summarize(samples.map((s) => s.child.maxRssMb)),
    phases: { boot: phase("boot"), barrel: phase("barrel"), load: phase("load"), build: phase("build"), synth: phase("synth") },
    stacks: samples[0].child.stacks,
  };
}

function countResources(file: string): number {
  const json = JSON.parse(readFileSync(file, "utf8")) as { resource?: Record<string, Record<string, unknown>> };
  return Object.values(json.resource ?? {}).reduce((n, byName) => n + Object.keys(byName).length, 0);
}

function stackSizes(outdir: string): StackSizes {
  let platformBytes = 0;
  let platformResources = 0;
  let totalBytes = 0;
  let totalResources = 0;
  for (const stack of readdirSync(join(outdir, "stacks"))) {
    const file = join(outdir, "stacks", stack, "cdk.tf.json");
    const bytes = statSync(file).size;
    const resources = countResources(file);
    totalBytes += bytes;
    totalResources += resources;
    if (stack.endsWith("-platform")) {
      platformBytes = bytes;
      platformResources = resources;
    }
  }
  return { platformBytes, platformResources, totalBytes, totalResources };
}

/** Repeats one synth; the first run keeps its output for size accounting (read after the timing). */
function scalingPoint(what: string, runs: number, log: (line: string) => void): ScalingPoint {
  const outdir = mkdtempSync(join(tmpdir(), "bench-scale-"));
  try {
    const samples = Array.from({ length: runs }, (_, i) => synthOnce("deep", what, i === 0 ? { keep: outdir } : {}));
    const point = { devices: what === "fleet" ? ("fleet" as const) : Number(what), ...variantOf(samples), ...stackSizes(outdir) };
    log(`  ${what} devices: median ${(point.wallMs.median / 1000).toFixed(2)} s, ${point.rssMb.median.toFixed(0)} MB, ${point.platformResources} platform resources`);
    return point;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function cliVariants(runs: number): CliVariant[] {
  // Each run writes to its own temp dir, so cdktf.out in the repository is left alone.
  const withOutdir = (f: (dir: string) => { wallMs: number }) => () => {
    const dir = mkdtempSync(join(tmpdir(), "bench-cli-"));
    try {
      return f(dir).wallMs;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const commands = {
    "node dist/app/main.js": (dir: string) => run(process.execPath, ["dist/app/main.js"], { env: { CDKTF_OUTDIR: dir } }),
    "npx tsx main.ts (TypeScript runner, for comparison)": (dir: string) => run("npx", ["tsx", "main.ts"], { env: { CDKTF_OUTDIR: dir } }),
    "node_modules/.bin/cdktf synth": (dir: string) => run("node_modules/.bin/cdktf", ["synth", "--output", dir]),
    "npx cdktf synth": (dir: string) => run("npx", ["cdktf", "synth", "--output", dir]),
  };
  const timed = interleave(runs, Object.fromEntries(Object.entries(commands).map(([k, f]) => [k, withOutdir(f)])) as Record<keyof typeof commands, () => number>);
  return Object.entries(timed).map(([command, samples]) => ({
    label: command.includes("cdktf synth") ? "cdktf CLI" : "plain app",
    command,
    wallMs: summarize(samples),
  }));
}

export interface SynthOptions {
  readonly runs: number;
  /** Repetitions for the largest fleet (it takes longest). */
  readonly largeRuns: number;
  readonly deviceCounts: readonly number[];
  readonly log: (line: string) => void;
}

export function benchSynth(options: SynthOptions): SynthResults {
  const { runs, log } = options;
  log(`synth: all environments, deep vs root vs deep without source maps vs start-up floor, ${runs} runs each (interleaved)`);
  const envSamples = interleave(runs, {
    deep: () => synthOnce("deep", "envs"),
    root: () => synthOnce("root", "envs"),
    deepNoSourceMaps: () => synthOnce("deep", "envs", { sourceMaps: false }),
    floor: () => synthOnce("deep", "floor"),
  });
  const envs = {
    deep: variantOf(envSamples.deep),
    root: variantOf(envSamples.root),
    deepNoSourceMaps: variantOf(envSamples.deepNoSourceMaps),
    floor: variantOf(envSamples.floor),
  };

  log(`synth: CLI path vs plain app, ${runs} runs each (interleaved)`);
  const cli = cliVariants(runs);

  const largest = Math.max(...options.deviceCounts);
  const runsFor = (n: number) => (n === largest ? options.largeRuns : runs);
  log(`scaling: ${options.deviceCounts.join(", ")} devices and fleet provisioning (${runs} runs; ${options.largeRuns} at ${largest})`);
  const points = [...options.deviceCounts.map((n) => scalingPoint(String(n), runsFor(n), log)), scalingPoint("fleet", runs, log)];
  log(`scaling: ${largest} devices without source maps (${options.largeRuns} runs)`);
  const largestNoSourceMaps = variantOf(Array.from({ length: options.largeRuns }, () => synthOnce("deep", String(largest), { sourceMaps: false })));

  log("profiles: one untimed --cpu-prof synth of all environments and of the largest fleet");
  const profiles = { envs: profileSynth("envs"), largest: profileSynth(String(largest)), largestDevices: largest };

  const scalingRuns = Object.fromEntries([...options.deviceCounts.map((n) => [String(n), runsFor(n)]), ["fleet", runs]]);
  return { runs, envs, cli, scaling: { runs: scalingRuns, points, largestNoSourceMaps }, profiles };
}

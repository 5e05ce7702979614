/**
 * Apply and re-plan time of the dev platform stack against the local AWS (moto) as the fleet
 * grows: 10, 100, 1,000 devices by default (BENCH_E2E_DEVICES). Each size gets a fresh local AWS;
 * the data and platform stacks are applied with local state (IOT_STATE=local: the platform reads
 * the data stack's state file across directories) by OpenTofu in the synthesized stack directories, then
 * the platform is planned again (a full refresh of every resource). Reported as ratios to the
 * smallest fleet, with the resource counts.
 *
 * Then the largest fleet again, sharded (BENCH_E2E_SHARDS, default 4; issue 19): the platform and
 * every device shard applied, and each shard re-planned on its own, as a CI job planning one shard
 * would. Its per-shard re-plan time against the unsharded re-plan of the same fleet is what
 * sharding buys a plan. Run alone: `tsx bench/e2e-scale.ts` prints JSON.
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { environments } from "../environments";
import { toolPaths } from "../tools/engine/paths";
import { startLocalAws } from "../tools/local-aws";
import { testCsrFile } from "../tools/test-csr";
import { EngineContext, initStack, planStack, tofu } from "../tools/e2e/engine";
import { expectSuccess } from "../tools/e2e/process";
import { describeChange, preflight } from "../tools/e2e/run";
import { E2eStack, synthesizeForLocalAws } from "../tools/e2e/stacks";
import type { Manifest } from "../tools/engine/manifest";
import { table } from "./format";
import { ROOT } from "./proc";

export interface StackTiming {
  readonly stack: string;
  readonly resources: number;
  readonly applySeconds: number;
  readonly replanSeconds: number;
  /** What the re-plan still wanted to change (empty: converged). Recorded, not thrown, so one diff does not void the run. */
  readonly changes: readonly string[];
}

export interface E2eScaleRow extends StackTiming {
  readonly devices: number;
}

export interface E2eShardedRun {
  readonly devices: number;
  readonly shards: number;
  /** The platform stack, which keeps rules, processor and policies but no device. */
  readonly platform: StackTiming;
  readonly perShard: readonly (StackTiming & { readonly devices: number })[];
}

export interface E2eScaleResult {
  readonly rows: readonly E2eScaleRow[];
  readonly sharded?: E2eShardedRun;
}

/** The dev environment alone, with `n` devices (each with its own CSR), in `shards` device stacks when given. */
function devWith(n: number, shards?: number): Record<string, unknown> {
  const dev = JSON.parse(JSON.stringify(environments.dev)) as { devices: { things: Record<string, unknown>[]; shards?: number } };
  const template = dev.devices.things[0];
  dev.devices.things = Array.from({ length: n }, (_, i) => {
    const name = `Thermostat-B${String(i).padStart(5, "0")}`;
    return { ...template, name, csrPath: testCsrFile(name) };
  });
  if (shards !== undefined) dev.devices.shards = shards;
  return { dev };
}

async function resourceCount(ctx: EngineContext, stack: E2eStack): Promise<number> {
  const list = await tofu(ctx, stack, ["state", "list"]);
  return list.stdout.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("data.")).length;
}

/**
 * `tofu apply` in the synthesized stack directory, the engine alone. The e2e run deploys through
 * `cdktf deploy`; at 1,000 devices that CLI had created no resource after 29 minutes on this
 * machine (the node process busy, tofu idle waiting on it), so the CLI would be the figure, not the apply.
 */
async function apply(ctx: EngineContext, stack: E2eStack): Promise<void> {
  await initStack(ctx, stack);
  expectSuccess(await tofu(ctx, stack, ["apply", "-auto-approve", "-input=false", "-no-color", "-lock-timeout=60s"]), stack.name, "tofu apply");
}

/** Applies one stack and plans it again, recording what that plan would still change. */
async function applyAndReplan(ctx: EngineContext, stack: E2eStack): Promise<StackTiming> {
  let started = performance.now();
  await apply(ctx, stack);
  const applySeconds = (performance.now() - started) / 1000;
  started = performance.now();
  const plan = await planStack(ctx, stack, { name: "replan" });
  const replanSeconds = (performance.now() - started) / 1000;
  return { stack: stack.name, resources: await resourceCount(ctx, stack), applySeconds, replanSeconds, changes: plan.changes.map(describeChange) };
}

/** A fresh local AWS and work directory for one fleet; applies the data stack, then hands over the rest. */
async function withDevFleet<T>(label: string, env: Record<string, unknown>, manifest: Manifest, fn: (ctx: EngineContext, stacks: E2eStack[]) => Promise<T>): Promise<T> {
  const workDir = join(ROOT, ".e2e", `bench-${label}`);
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const aws = await startLocalAws();
  let ok = false;
  try {
    const outDir = join(workDir, "out");
    const stacks = synthesizeForLocalAws({ outDir, endpoint: aws.endpoint, environments: env, manifest, stateMode: "local" });
    const ctx: EngineContext = { repoRoot: ROOT, outDir, endpoint: aws.endpoint, manifest, paths: toolPaths(), timeoutMs: 60 * 60_000 };
    await apply(ctx, stacks.find((s) => s.kind === "data")!);
    const result = await fn(ctx, stacks);
    ok = true;
    return result;
  } finally {
    await aws.stop();
    // A failed run keeps its directory (state, plans) to look at.
    if (ok) rmSync(workDir, { recursive: true, force: true });
  }
}

export async function benchE2eScale(deviceCounts: readonly number[], shards: number | undefined, log: (l: string) => void = () => undefined): Promise<E2eScaleResult> {
  const { manifest } = preflight(toolPaths());
  const rows: E2eScaleRow[] = [];
  for (const devices of deviceCounts) {
    const timing = await withDevFleet(String(devices), devWith(devices), manifest, (ctx, stacks) => applyAndReplan(ctx, stacks.find((s) => s.kind === "platform")!));
    rows.push({ devices, ...timing });
    log(`e2e scale: ${devices} devices, ${timing.resources} resources: apply ${timing.applySeconds.toFixed(1)} s, re-plan ${timing.replanSeconds.toFixed(1)} s${convergedNote(timing)}`);
  }
  if (shards === undefined) return { rows };
  const devices = Math.max(...deviceCounts);
  const sharded = await withDevFleet(`${devices}-sharded`, devWith(devices, shards), manifest, async (ctx, stacks) => {
    const platform = await applyAndReplan(ctx, stacks.find((s) => s.kind === "platform")!);
    const perShard = [];
    for (const shard of stacks.filter((s) => s.kind === "devices")) {
      const timing = await applyAndReplan(ctx, shard);
      const things = Object.keys(shard.tfJson.resource?.aws_iot_thing ?? {}).length;
      perShard.push({ ...timing, devices: things });
      log(`e2e scale: ${shard.name}, ${things} devices, ${timing.resources} resources: apply ${timing.applySeconds.toFixed(1)} s, re-plan ${timing.replanSeconds.toFixed(1)} s${convergedNote(timing)}`);
    }
    return { devices, shards: perShard.length, platform, perShard };
  });
  return { rows, sharded };
}

export type E2eScaleBench = E2eScaleResult | { readonly skipped: string };

const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
const seconds = (s: number) => `${s.toFixed(1)} s`;
const perResource = (t: StackTiming) => `${((t.replanSeconds * 1000) / t.resources).toFixed(1)} ms`;
const converged = (t: StackTiming) => (t.changes.length === 0 ? "yes" : `**no**: ${t.changes.join("; ")}`);
const convergedNote = (t: StackTiming) => (t.changes.length === 0 ? "" : `; re-plan NOT empty: ${t.changes.join("; ")}`);

function shardedPart(s: E2eShardedRun, unsharded: E2eScaleRow | undefined): string[] {
  const replans = s.perShard.map((p) => p.replanSeconds);
  const slowest = Math.max(...replans);
  const sum = replans.reduce((a, b) => a + b, 0);
  const vs = (v: number) => (unsharded ? ratio(v, unsharded.replanSeconds) : "-");
  return [
    `### ${s.devices} devices in ${s.shards} shards`,
    `The same ${s.devices} devices with \`devices.shards: ${s.shards}\` against a fresh moto: the platform stack (no devices) and each device shard applied, then each re-planned on its own, as one CI job per shard does. "vs unsharded" is the ratio to the ${s.devices}-device platform re-plan above, from the same run.`,
    table(
      ["stack", "devices", "resources", "apply", "re-plan", "re-plan vs unsharded", "re-plan per resource", "converged"],
      [
        [s.platform.stack, "0", String(s.platform.resources), seconds(s.platform.applySeconds), seconds(s.platform.replanSeconds), vs(s.platform.replanSeconds), perResource(s.platform), converged(s.platform)],
        ...s.perShard.map((p) => [p.stack, String(p.devices), String(p.resources), seconds(p.applySeconds), seconds(p.replanSeconds), vs(p.replanSeconds), perResource(p), converged(p)]),
      ],
    ),
    `Plan time per shard: slowest ${seconds(slowest)} (${vs(slowest)} of the unsharded re-plan); all shards one after another ${seconds(sum)} (${vs(sum)}).`,
  ];
}

export function e2eScaleSection(r: E2eScaleBench | undefined): string {
  const title = "## Apply and re-plan against the local AWS (bench/e2e-scale.ts)";
  if (!r) return `${title}\n\nNot measured in this run.`;
  if ("skipped" in r) return `${title}\n\nSkipped: ${r.skipped}.`;
  const [base] = r.rows;
  const unsharded = r.sharded ? r.rows.find((row) => row.devices === r.sharded!.devices) : undefined;
  return [
    title,
    "The dev environment alone with N devices, each size against a fresh moto on 127.0.0.1: the data and platform stacks applied with local state by `tofu apply` in the synthesized stack directories (not through `cdktf deploy`: at 1,000 devices that CLI had created no resource after 29 minutes, its node process busy and tofu idle waiting on it; the e2e run deploys its small fleets through it), then the platform stack planned again (a refresh of every resource; the converged column says whether that plan was empty). Measured once per size; ratios are to the smallest fleet of the same run.",
    table(
      ["devices", "platform resources", "apply", "apply ratio", "re-plan", "re-plan ratio", "re-plan per resource", "converged"],
      r.rows.map((row) => [String(row.devices), String(row.resources), seconds(row.applySeconds), ratio(row.applySeconds, base.applySeconds), seconds(row.replanSeconds), ratio(row.replanSeconds, base.replanSeconds), perResource(row), converged(row)]),
    ),
    ...(r.sharded ? shardedPart(r.sharded, unsharded) : []),
  ].join("\n\n");
}

/** BENCH_E2E_DEVICES (default 10,100,1000) and BENCH_E2E_SHARDS (default 4; 0 skips the sharded run). */
export function e2eScaleSettings(env: NodeJS.ProcessEnv = process.env): { devices: number[]; shards: number | undefined } {
  const devices = (env.BENCH_E2E_DEVICES ?? "10,100,1000").split(",").map(Number);
  const shards = Number(env.BENCH_E2E_SHARDS ?? 4);
  if (devices.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`BENCH_E2E_DEVICES must be positive whole numbers, comma-separated, got "${env.BENCH_E2E_DEVICES}"`);
  if (!Number.isInteger(shards) || shards < 0) throw new Error(`BENCH_E2E_SHARDS must be a whole number (0 skips the sharded run), got "${env.BENCH_E2E_SHARDS}"`);
  return { devices, shards: shards === 0 ? undefined : shards };
}

if (require.main === module) {
  const { devices, shards } = e2eScaleSettings();
  benchE2eScale(devices, shards, (l) => console.error(l)).then(
    (result) => console.log(JSON.stringify(result, null, 2)),
    (e) => {
      console.error(e instanceof Error ? e.message : e);
      process.exitCode = 1;
    },
  );
}

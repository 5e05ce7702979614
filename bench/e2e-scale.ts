/**
 * Apply and re-plan time of the dev platform stack against the local AWS (moto) as the fleet
 * grows: 10, 100, 1,000 devices by default (BENCH_E2E_DEVICES). Each size gets a fresh local AWS;
 * the data and platform stacks are applied with local state (IOT_STATE=local: the platform reads
 * the data stack's state file across directories) through the real cdktf CLI and OpenTofu, then
 * the platform is planned again (a full refresh of every resource). Reported as ratios to the
 * smallest fleet, with the resource counts. Run alone: `tsx bench/e2e-scale.ts` prints JSON.
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { environments } from "../environments";
import { toolPaths } from "../tools/engine/paths";
import { startLocalAws } from "../tools/local-aws";
import { testCsrFile } from "../tools/test-csr";
import { EngineContext, deployStack, initStack, planStack, tofu } from "../tools/e2e/engine";
import { preflight } from "../tools/e2e/run";
import { synthesizeForLocalAws } from "../tools/e2e/stacks";
import { table } from "./format";
import { ROOT } from "./proc";

export interface E2eScaleRow {
  readonly devices: number;
  readonly resources: number;
  readonly applySeconds: number;
  readonly replanSeconds: number;
}

/** The dev environment alone, with `n` devices (each with its own CSR). */
function devWith(n: number): Record<string, unknown> {
  const dev = JSON.parse(JSON.stringify(environments.dev)) as { devices: { things: Record<string, unknown>[] } };
  const template = dev.devices.things[0];
  dev.devices.things = Array.from({ length: n }, (_, i) => {
    const name = `Thermostat-B${String(i).padStart(5, "0")}`;
    return { ...template, name, csrPath: testCsrFile(name) };
  });
  return { dev };
}

export async function benchE2eScale(deviceCounts: readonly number[], log: (l: string) => void = () => undefined): Promise<E2eScaleRow[]> {
  const paths = toolPaths();
  const { manifest } = preflight(paths);
  const rows: E2eScaleRow[] = [];
  for (const devices of deviceCounts) {
    const workDir = join(ROOT, ".e2e", `bench-${devices}`);
    rmSync(workDir, { recursive: true, force: true });
    mkdirSync(workDir, { recursive: true });
    const aws = await startLocalAws();
    try {
      const outDir = join(workDir, "out");
      const stacks = synthesizeForLocalAws({ outDir, endpoint: aws.endpoint, environments: devWith(devices), manifest, stateMode: "local" });
      const ctx: EngineContext = { repoRoot: ROOT, outDir, endpoint: aws.endpoint, manifest, paths, timeoutMs: 60 * 60_000 };
      const data = stacks.find((s) => s.kind === "data")!;
      const platform = stacks.find((s) => s.kind === "platform")!;
      await initStack(ctx, data);
      await deployStack(ctx, data);
      let started = performance.now();
      await deployStack(ctx, platform);
      const applySeconds = (performance.now() - started) / 1000;
      started = performance.now();
      const plan = await planStack(ctx, platform, { name: "replan" });
      const replanSeconds = (performance.now() - started) / 1000;
      if (plan.changes.length > 0) throw new Error(`${platform.name} with ${devices} devices does not converge: ${plan.changes.length} changes`);
      const list = await tofu(ctx, platform, ["state", "list"]);
      const resources = list.stdout.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("data.")).length;
      rows.push({ devices, resources, applySeconds, replanSeconds });
      log(`e2e scale: ${devices} devices, ${resources} resources: apply ${applySeconds.toFixed(1)} s, re-plan ${replanSeconds.toFixed(1)} s`);
    } finally {
      await aws.stop();
    }
  }
  return rows;
}

export type E2eScaleBench = readonly E2eScaleRow[] | { readonly skipped: string };

const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;

export function e2eScaleSection(r: E2eScaleBench | undefined): string {
  const title = "## Apply and re-plan against the local AWS (bench/e2e-scale.ts)";
  if (!r) return `${title}\n\nNot measured in this run.`;
  if ("skipped" in r) return `${title}\n\nSkipped: ${r.skipped}.`;
  const [base] = r;
  return [
    title,
    "The dev environment alone with N devices, each size against a fresh moto on 127.0.0.1: the data and platform stacks applied with local state through `cdktf deploy` and OpenTofu, then the platform stack planned again (a refresh of every resource). Measured once per size; ratios are to the smallest fleet of the same run.",
    table(
      ["devices", "platform resources", "apply", "apply ratio", "re-plan", "re-plan ratio", "re-plan per resource"],
      r.map((row) => [String(row.devices), String(row.resources), `${row.applySeconds.toFixed(1)} s`, ratio(row.applySeconds, base.applySeconds), `${row.replanSeconds.toFixed(1)} s`, ratio(row.replanSeconds, base.replanSeconds), `${((row.replanSeconds * 1000) / row.resources).toFixed(1)} ms`]),
    ),
  ].join("\n\n");
}

if (require.main === module) {
  const counts = (process.env.BENCH_E2E_DEVICES ?? "10,100,1000").split(",").map(Number);
  benchE2eScale(counts, (l) => console.error(l)).then(
    (rows) => console.log(JSON.stringify(rows, null, 2)),
    (e) => {
      console.error(e instanceof Error ? e.message : e);
      process.exitCode = 1;
    },
  );
}

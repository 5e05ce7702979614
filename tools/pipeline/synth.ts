/**
 * Synthesizes one environment of the real app (stacks/app.ts) into a
 * cdktf.out-style directory and reads its data and platform stacks back,
 * the same JSON `cdktf deploy` would hand to Terraform. Offline.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "cdktf";
import type { EnvironmentConfig } from "../../lib/config-schema";
import { buildApp } from "../../stacks/app";
import { SynthesizedStack, readSynthesizedStacks } from "../iot-rules";

export interface SynthesizeEnvironmentOptions {
  /** Raw environment configs keyed by label (environments/index.ts). */
  readonly environments: Readonly<Record<string, unknown>>;
  /** The label of the environment to synthesize, e.g. "dev". */
  readonly env: string;
  /** Built function bundles. @default "<repo>/dist/functions" */
  readonly functionsDistDir?: string;
  /** Keep the output here; by default a temporary directory is used and removed. */
  readonly outdir?: string;
}

export interface SynthesizedEnvironment {
  readonly env: string;
  readonly config: EnvironmentConfig;
  /** The stateful stack (history table). */
  readonly data: SynthesizedStack;
  /** The IoT/compute stack (topic rules, processor). */
  readonly platform: SynthesizedStack;
}

export function synthesizeEnvironment(options: SynthesizeEnvironmentOptions): SynthesizedEnvironment {
  const { env, ...rest } = options;
  return synthesizeEnvironments({ ...rest, envs: [env] })[0];
}

export interface SynthesizeEnvironmentsOptions extends Omit<SynthesizeEnvironmentOptions, "env"> {
  /** Labels of the environments to synthesize together, e.g. ["dev", "hvac-dev"] (two product lines of one account). */
  readonly envs: readonly string[];
}

/**
 * Several environments in one app, as `cdktf synth` builds them: the checks
 * that span environments (distinct names, non-overlapping thing-name prefixes
 * in one account) run over them together. Results in `envs` order.
 */
export function synthesizeEnvironments(options: SynthesizeEnvironmentsOptions): SynthesizedEnvironment[] {
  const selected = Object.fromEntries(
    options.envs.map((env) => {
      const raw = options.environments[env];
      if (raw === undefined) throw new Error(`environment "${env}" does not exist; known: ${Object.keys(options.environments).join(", ")}`);
      return [env, raw];
    }),
  );
  const outdir = options.outdir ?? mkdtempSync(join(tmpdir(), "iot-pipeline-synth-"));
  try {
    const app = new App({ outdir });
    const built = buildApp(app, { environments: selected, functionsDistDir: options.functionsDistDir });
    app.synth();
    const byName = new Map(readSynthesizedStacks(outdir).map((s) => [s.name, s]));
    const pick = (name: string) => {
      const stack = byName.get(name);
      if (!stack) throw new Error(`stack ${name} is missing from ${outdir}/manifest.json`);
      return stack;
    };
    return options.envs.map((env, i) => {
      const stacks = built.environments[i];
      return { env, config: stacks.config, data: pick(stacks.data.node.id), platform: pick(stacks.platform.node.id) };
    });
  } finally {
    if (options.outdir === undefined) rmSync(outdir, { recursive: true, force: true });
  }
}

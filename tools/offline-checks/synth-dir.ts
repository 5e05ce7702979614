/** Reads cdktf.out/stacks/<stack>/cdk.tf.json and checks every stack. */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { evaluateStack } from "./engine";
import type { CheckOptions, Finding, StackEvaluation, Waiver } from "./types";
import { WAIVERS } from "./waivers";

export interface SynthDirResult {
  readonly stacks: readonly StackEvaluation[];
  readonly findings: readonly Finding[];
  /** Waivers that matched no finding in any stack: delete them. */
  readonly unusedWaivers: readonly Waiver[];
}

/** `dir` is the cdktf output directory (the one holding stacks/). */
export function checkSynthDir(dir = "cdktf.out", opts: CheckOptions = {}): SynthDirResult {
  const stacksDir = join(dir, "stacks");
  if (!existsSync(stacksDir)) throw new Error(`${stacksDir} does not exist: run "npm run synth" first, or pass the cdktf output directory`);
  const names = readdirSync(stacksDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(stacksDir, d.name, "cdk.tf.json")))
    .map((d) => d.name)
    .sort();
  if (names.length === 0) throw new Error(`no stacks/<name>/cdk.tf.json under ${dir}: run "npm run synth" first`);
  const stacks = names.map((name) => {
    const file = join(stacksDir, name, "cdk.tf.json");
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, "utf8"));
    } catch (e) {
      throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
    }
    return evaluateStack(name, json as object, opts);
  });
  const used = new Set(stacks.flatMap((s) => s.usedWaivers));
  return {
    stacks,
    findings: stacks.flatMap((s) => s.findings),
    unusedWaivers: (opts.waivers ?? WAIVERS).filter((w) => !used.has(w)),
  };
}

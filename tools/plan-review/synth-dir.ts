/** Reads every stack's cdk.tf.json from a cdktf output directory (`cdktf.out`). */
import * as fs from "node:fs";
import * as path from "node:path";
import { SynthStacks, TfJson } from "./synth-diff";

interface Manifest {
  readonly stacks?: Readonly<Record<string, { readonly synthesizedStackPath?: string }>>;
}

/**
 * Stacks listed in `<dir>/manifest.json` (authoritative: a stale folder of a removed stack is
 * ignored); without a manifest, every `<dir>/stacks/<stack>/cdk.tf.json`.
 */
export function readSynthDir(dir: string): SynthStacks {
  const manifestPath = path.join(dir, "manifest.json");
  const stacks: Record<string, TfJson> = {};
  if (fs.existsSync(manifestPath)) {
    const manifest = readJson(manifestPath) as Manifest;
    for (const [name, entry] of Object.entries(manifest.stacks ?? {})) {
      stacks[name] = readJson(path.join(dir, entry.synthesizedStackPath ?? path.join("stacks", name, "cdk.tf.json"))) as TfJson;
    }
    return stacks;
  }
  const stacksDir = path.join(dir, "stacks");
  const names = fs.existsSync(stacksDir) ? fs.readdirSync(stacksDir).filter((n) => fs.existsSync(path.join(stacksDir, n, "cdk.tf.json"))) : [];
  if (names.length === 0) {
    throw new Error(`No synthesized stacks in ${dir}: expected manifest.json or stacks/<stack>/cdk.tf.json. Run "npm run synth" first.`);
  }
  for (const name of names.sort()) stacks[name] = readJson(path.join(stacksDir, name, "cdk.tf.json")) as TfJson;
  return stacks;
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new Error(`Cannot read ${file}: ${(e as Error).message}. Re-run "npm run synth".`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${file} is not valid JSON (${(e as Error).message}). Re-run "npm run synth".`);
  }
}

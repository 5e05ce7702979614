/**
 * `tofu init -backend=false` + `tofu validate -json` for every synthesized stack,
 * each in its own working copy under the tool cache (the repository's cdktf.out
 * and any lock file stay untouched).
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readSynthDir } from "../plan-review/synth-dir";
import { Manifest, engineEnv } from "./manifest";
import { ToolPaths } from "./paths";

export interface Diagnostic {
  readonly severity: "error" | "warning";
  readonly summary: string;
  readonly detail?: string;
  /** `resource.aws_x.y` style address or file position, when the engine gives one. */
  readonly where?: string;
}

export interface StackValidation {
  readonly stack: string;
  readonly diagnostics: readonly Diagnostic[];
  readonly seconds: number;
}

interface EngineDiagnostic {
  severity: string;
  summary: string;
  detail?: string;
  address?: string;
  range?: { filename: string; start: { line: number } };
  snippet?: { context?: string };
}

export function parseValidateJson(stdout: string): Diagnostic[] {
  const parsed = JSON.parse(stdout) as { diagnostics?: EngineDiagnostic[] };
  return (parsed.diagnostics ?? []).map((d) => ({
    severity: d.severity === "error" ? "error" : "warning",
    summary: d.summary,
    detail: d.detail,
    where: d.address ?? d.snippet?.context ?? (d.range ? `${d.range.filename}:${d.range.start.line}` : undefined),
  }));
}

/**
 * The working copy of one stack. When the mirror holds a different provider than the
 * stacks pin (see Manifest.provider.substitution), only this copy's constraint changes.
 */
export function workingCopy(tfJson: Record<string, unknown>, manifest: Manifest): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(tfJson));
  const aws = copy?.terraform?.required_providers?.aws;
  if (aws && manifest.engine.kind === "built" && manifest.provider.version !== manifest.provider.pinned) aws.version = manifest.provider.version;
  return copy;
}

export interface ValidateOptions {
  readonly outDir: string;
  readonly manifest: Manifest;
  readonly paths: ToolPaths;
  readonly only?: readonly string[];
  readonly log?: (line: string) => void;
}

function engineRun(manifest: Manifest, paths: ToolPaths, cwd: string, args: string[]) {
  return spawnSync(manifest.engine.path, args, {
    cwd,
    env: { ...process.env, ...engineEnv(manifest, paths), TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1", TF_INPUT: "0" },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** A working copy of one stack under the tool cache, initialised against the mirror; undefined or an init error. */
export function prepareWorkDir(name: string, tfJson: Record<string, unknown>, sourceDir: string | undefined, opts: Pick<ValidateOptions, "manifest" | "paths">): { dir: string; initError?: string } {
  const dir = join(opts.paths.work, "validate", name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // Assets (Lambda zips) travel with the stack so file paths resolve as they do at plan time.
  if (sourceDir) cpSync(sourceDir, dir, { recursive: true, filter: (src) => !src.endsWith("cdk.tf.json") && !src.includes(".terraform") });
  writeFileSync(join(dir, "cdk.tf.json"), JSON.stringify(workingCopy(tfJson, opts.manifest), null, 2));
  const init = engineRun(opts.manifest, opts.paths, dir, ["init", "-backend=false", "-input=false", "-no-color"]);
  return { dir, initError: init.status === 0 ? undefined : (init.stderr || init.stdout).trim().slice(-2000) };
}

/** `validate -json` in an initialised working copy, optionally with another configuration written first. */
export function runValidate(dir: string, opts: Pick<ValidateOptions, "manifest" | "paths">, tfJson?: Record<string, unknown>): Diagnostic[] {
  if (tfJson) writeFileSync(join(dir, "cdk.tf.json"), JSON.stringify(workingCopy(tfJson, opts.manifest), null, 2));
  const validate = engineRun(opts.manifest, opts.paths, dir, ["validate", "-json", "-no-color"]);
  try {
    return parseValidateJson(validate.stdout);
  } catch {
    return [{ severity: "error", summary: "validate printed no JSON", detail: (validate.stderr || validate.stdout).slice(-2000) }];
  }
}

export function validateStack(stack: string, tfJson: Record<string, unknown>, sourceDir: string | undefined, opts: ValidateOptions): StackValidation {
  const started = Date.now();
  const { dir, initError } = prepareWorkDir(stack, tfJson, sourceDir, opts);
  const diagnostics: Diagnostic[] = initError ? [{ severity: "error", summary: "init failed", detail: initError }] : runValidate(dir, opts);
  return { stack, diagnostics, seconds: (Date.now() - started) / 1000 };
}

export function validateSynthDir(opts: ValidateOptions): StackValidation[] {
  const stacks = readSynthDir(opts.outDir) as Record<string, Record<string, unknown>>;
  const names = Object.keys(stacks).filter((n) => !opts.only?.length || opts.only.includes(n));
  return names.map((name) => {
    const result = validateStack(name, stacks[name], join(opts.outDir, "stacks", name), opts);
    opts.log?.(formatStackLine(result));
    return result;
  });
}

export function formatStackLine(r: StackValidation): string {
  const errors = r.diagnostics.filter((d) => d.severity === "error");
  const warnings = r.diagnostics.filter((d) => d.severity === "warning");
  const head = `${errors.length ? "FAIL" : "ok  "} ${r.stack}: ${errors.length} error(s), ${warnings.length} warning(s) (${r.seconds.toFixed(1)} s)`;
  const body = r.diagnostics.map((d) => `       ${d.severity}: ${d.summary}${d.where ? ` [${d.where}]` : ""}${d.detail ? ` - ${d.detail.split("\n")[0]}` : ""}`);
  return [head, ...body].join("\n");
}

export function summaryLine(results: readonly StackValidation[]): string {
  const count = (s: string) => results.reduce((n, r) => n + r.diagnostics.filter((d) => d.severity === s).length, 0);
  return `validate: ${results.length} stacks, ${count("error")} errors, ${count("warning")} warnings`;
}

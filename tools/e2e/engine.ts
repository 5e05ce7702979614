/**
 * The engine steps of the e2e run: `cdktf deploy|destroy <stack> --skip-synth` (the real CLI,
 * driving OpenTofu through TERRAFORM_BINARY_NAME) and `tofu plan`/`show -json` in the stack's
 * directory for the convergence and change checks.
 */
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Manifest, engineEnv } from "../engine/manifest";
import { ToolPaths } from "../engine/paths";
import { RunResult, expectSuccess, runCommand, stripAnsi } from "./process";
import type { E2eStack, TfJson } from "./stacks";

export interface EngineContext {
  readonly repoRoot: string;
  readonly outDir: string;
  readonly endpoint: string;
  readonly manifest: Manifest;
  readonly paths: ToolPaths;
  /** Per engine command. */
  readonly timeoutMs: number;
}

/**
 * The engine's environment for one stack. HTTP_PROXY: S3 Control's host carries the account id
 * (`<account>.127.0.0.1:<port>`), which no resolver knows; through the proxy setting that one
 * request goes to the local AWS itself, which routes it by path. Go never proxies loopback
 * addresses, so every other call still goes straight to 127.0.0.1. CHECKPOINT_DISABLE: no
 * version check traffic from cdktf or the engine.
 */
export function stackEnv(ctx: EngineContext, stack: Pick<E2eStack, "roleArn">): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ...engineEnv(ctx.manifest, ctx.paths),
    TF_VAR_assume_role_arn: stack.roleArn,
    HTTP_PROXY: ctx.endpoint,
    http_proxy: ctx.endpoint,
    // cdktf would otherwise point the engine at ~/.terraform.d/plugin-cache, outside the tool cache.
    TF_PLUGIN_CACHE_DIR: ctx.paths.pluginCache,
    CHECKPOINT_DISABLE: "1",
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
    CI: "1",
    FORCE_COLOR: "0",
  };
}

function cdktf(ctx: EngineContext, stack: E2eStack, command: "deploy" | "destroy"): Promise<RunResult> {
  const bin = join(ctx.repoRoot, "node_modules", ".bin", "cdktf");
  const args = [command, stack.name, "--skip-synth", "--skip-provider-lock", "--auto-approve", "--ignore-missing-stack-dependencies", "--no-color", "-o", ctx.outDir];
  return runCommand(bin, args, { cwd: ctx.repoRoot, env: stackEnv(ctx, stack), timeoutMs: ctx.timeoutMs });
}

/** A dropped connection to the local server, not a failure of the stack: an apply is idempotent, so it runs once more. */
export const TRANSIENT_LOCAL_ERROR = /use of closed network connection|connection reset by peer/;

export async function deployStack(ctx: EngineContext, stack: E2eStack, log: (line: string) => void = () => undefined): Promise<RunResult> {
  let result = await cdktf(ctx, stack, "deploy");
  if (result.code !== 0 && !result.timedOut && TRANSIENT_LOCAL_ERROR.test(stripAnsi(`${result.stdout}\n${result.stderr}`))) {
    log(`apply    ${stack.name}: a connection to the local AWS dropped; applying once more`);
    result = await cdktf(ctx, stack, "deploy");
  }
  return expectSuccess(result, stack.name, "cdktf deploy");
}

export async function destroyStack(ctx: EngineContext, stack: E2eStack): Promise<RunResult> {
  return expectSuccess(await cdktf(ctx, stack, "destroy"), stack.name, "cdktf destroy");
}

export function tofu(ctx: EngineContext, stack: E2eStack, args: readonly string[]): Promise<RunResult> {
  return runCommand(ctx.manifest.engine.path, [...args], { cwd: stack.dir, env: stackEnv(ctx, stack), timeoutMs: ctx.timeoutMs });
}

export interface PlannedChange {
  readonly address: string;
  readonly type: string;
  readonly actions: readonly string[];
  /** Top-level attributes whose planned value differs from the current one (updates only). */
  readonly changedAttributes: readonly string[];
}

export interface StackPlan {
  readonly json: TfJson;
  /** Every resource change that is not a no-op (reads of data sources excluded). */
  readonly changes: readonly PlannedChange[];
  readonly file: string;
}

function changedAttributes(before: TfJson | null, after: TfJson | null, unknown: TfJson | null): string[] {
  if (!before || !after) return [];
  const keys = new Set([...Object.keys(before), ...Object.keys(after), ...Object.keys(unknown ?? {})]);
  return [...keys].filter((k) => unknown?.[k] === true || JSON.stringify(before[k]) !== JSON.stringify(after[k])).sort();
}

/** The resource changes of a `tofu show -json` plan, no-ops and reads left out. */
export function planChanges(json: TfJson): PlannedChange[] {
  return ((json.resource_changes ?? []) as TfJson[])
    .filter((rc) => rc.mode === "managed")
    .filter((rc) => !(rc.change.actions.length === 1 && ["no-op", "read"].includes(rc.change.actions[0])))
    .map((rc) => ({
      address: rc.address as string,
      type: rc.type as string,
      actions: rc.change.actions as string[],
      changedAttributes: changedAttributes(rc.change.before, rc.change.after, rc.change.after_unknown),
    }));
}

/** `tofu plan -out` (optionally `-destroy`) and its `show -json`; throws on a failed plan. */
export async function planStack(ctx: EngineContext, stack: E2eStack, options: { destroy?: boolean; name?: string } = {}): Promise<StackPlan> {
  const file = join(stack.dir, `${options.name ?? "e2e"}.tfplan`);
  if (existsSync(file)) rmSync(file);
  const args = ["plan", "-input=false", "-no-color", "-lock-timeout=60s", `-out=${file}`, ...(options.destroy ? ["-destroy"] : [])];
  expectSuccess(await tofu(ctx, stack, args), stack.name, options.destroy ? "tofu plan -destroy" : "tofu plan");
  const show = expectSuccess(await tofu(ctx, stack, ["show", "-json", file]), stack.name, "tofu show -json");
  const json = JSON.parse(show.stdout) as TfJson;
  return { json, changes: planChanges(json), file };
}

/** `tofu init` of one stack: run once before stacks deploy in parallel, so their inits find the provider in the plugin cache. */
export async function initStack(ctx: EngineContext, stack: E2eStack): Promise<void> {
  expectSuccess(await tofu(ctx, stack, ["init", "-input=false", "-no-color"]), stack.name, "tofu init");
}

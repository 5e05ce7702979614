/**
 * What the e2e run deploys: the app synthesized in emulator mode (stacks/emulator-mode.ts) into
 * its own output directory, each stack with the role it is applied as and its place in the order.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { App } from "cdktf";
import { ciDeployRoleName, iamRoleArn } from "../../lib/ci-roles";
import { buildApp } from "../../stacks/app";
import { CiAccessStack } from "../../stacks/ci-access-stack";
import { StackKind, StackListEntry, listStacks } from "../../stacks/ci-deployments";
import type { StateMode } from "../../stacks/platform-stack-base";
import type { Manifest } from "../engine/manifest";
import { workingCopy } from "../engine/validate";

export interface E2eStack extends StackListEntry {
  /** `<outDir>/stacks/<name>`: where cdktf runs the engine for it. */
  readonly dir: string;
  /** The role the provider assumes (`assume_role_arn`): the break-glass role for the administrator stacks, else the CI deploy role. */
  readonly roleArn: string;
  /** Some resource has `lifecycle.prevent_destroy`: the stack is never destroyed. */
  readonly preventDestroy: boolean;
  /** Its cdk.tf.json as synthesized (before the provider constraint of the working copy). */
  readonly tfJson: TfJson;
}

export type TfJson = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Deploy phases, in order: the state bucket first (it holds every other state), then the roots of trust, baselines, environments (device shards read the platform's names). */
export const DEPLOY_PHASES: readonly StackKind[] = ["state-bootstrap", "ci-access", "baseline", "data", "platform", "devices"];

export interface SynthesizeOptions {
  readonly outDir: string;
  readonly endpoint: string;
  readonly environments: Readonly<Record<string, unknown>>;
  readonly manifest: Manifest;
  /** "local": every stack but the bootstraps keeps local state in its own directory (stacks/platform-stack-base.ts). @default "s3" */
  readonly stateMode?: StateMode;
}

export function hasPreventDestroy(tfJson: TfJson): boolean {
  return Object.values(tfJson.resource ?? {}).some((byId) => Object.values(byId as TfJson).some((r) => (r as TfJson).lifecycle?.prevent_destroy === true));
}

/**
 * Synthesizes every stack in emulator mode into `outDir` and rewrites each stack's provider
 * constraint as the engine's working copies do (tools/engine/validate.ts `workingCopy`: only
 * when the mirror holds a stand-in for the pinned provider). Returns the stacks in deploy order.
 */
export function synthesizeForLocalAws(options: SynthesizeOptions): E2eStack[] {
  const app = new App({ outdir: options.outDir });
  const built = buildApp(app, { environments: options.environments, stateMode: options.stateMode ?? "s3", awsEndpoint: options.endpoint });
  app.synth();
  const breakGlass = new Map<string, string>();
  for (const e of built.environments) breakGlass.set(e.config.account.id, e.config.state.breakGlassRoleArn);
  const entries = listStacks(built);
  const order = (s: StackListEntry) => DEPLOY_PHASES.indexOf(s.kind) * 1000 + (s.deployOrder ?? 0);
  return [...entries]
    .sort((a, b) => order(a) - order(b))
    .map((entry) => {
      const dir = join(options.outDir, "stacks", entry.name);
      const file = join(dir, "cdk.tf.json");
      const tfJson = JSON.parse(readFileSync(file, "utf8")) as TfJson;
      writeFileSync(file, JSON.stringify(workingCopy(tfJson, options.manifest), null, 2));
      const admin = entry.kind === "state-bootstrap" || entry.kind === "ci-access";
      const roleArn = admin
        ? breakGlass.get(entry.accountId)!
        : iamRoleArn("aws", entry.accountId, ciDeployRoleName(CiAccessStack.roleNamePrefix, entry.deployEnvironment ?? "dev"));
      return { ...entry, dir, roleArn, preventDestroy: hasPreventDestroy(tfJson), tfJson };
    });
}

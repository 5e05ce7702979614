/**
 * What CI plans and applies, per GitHub environment: every stack with remote state
 * (environment stacks of every product line and the account baselines), in apply
 * order. The state bootstraps (local state) and the CI access stacks (the root of
 * trust) are applied by an account administrator, never by CI.
 *
 * `listStacks` describes every stack of the app with what CI does with it, and
 * `stackListDocument` is what `npm run -s stacks -- --json` prints (scripts/ci-stacks.ts):
 * the workflows take their plan matrices and their deploy order from it.
 */
import { TerraformBackend, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { ConfigError, ENVIRONMENT_NAMES, EnvironmentConfig, EnvironmentName } from "../lib/config-schema";
import { Naming } from "../lib/naming";
import { PLAN_ENVIRONMENT_PREFIX } from "../modules/ci-access/defaults";
import type { BuiltApp } from "./app";
import { StateBackendProps, stateObjectKey } from "./platform-stack-base";

export interface CiStack {
  readonly name: string;
  readonly state: StateBackendProps;
  /** `<keyPrefix>/<stack>.tfstate`: the object the CI roles of the environment may read (plan) and write (deploy). */
  readonly stateKey: string;
  /**
   * What the CI roles and the state bucket policy grant for it: `stateKey`, or for a device shard the
   * pattern `<keyPrefix>/<namePrefix>-<environment>-devices-*`, one for every shard of the environment,
   * so the role and bucket policies stay within their size limits at any shard count.
   */
  readonly stateAccessKey: string;
}

/** The state keys and key patterns the CI roles of these stacks are granted, each once. */
export function ciStateAccessKeys(stacks: readonly CiStack[]): string[] {
  return [...new Set(stacks.map((s) => s.stateAccessKey))];
}

export interface CiDeployment {
  /** GitHub environment of the apply job (the environment class); its plan job runs in `plan-<environment>`. */
  readonly environment: EnvironmentName;
  /** The one account the environment deploys to (one deploy role per GitHub environment). */
  readonly accountId: string;
  /**
   * Pull requests plan this environment: its plan role accepts any ref. Only dev: staging and prod
   * plan roles require refs/heads/main, so code under review never gets their read access.
   */
  readonly planInPullRequests: boolean;
  /** Stacks in apply order: account baselines, then data stacks, then platform stacks, then device shards. */
  readonly stacks: readonly CiStack[];
}

export interface CiDeployableStacks {
  /** Baseline stack name and the environments of its account and region. */
  readonly baselines: readonly { readonly name: string; readonly environments: readonly EnvironmentConfig[] }[];
  readonly environments: readonly { readonly config: EnvironmentConfig; readonly data: string; readonly platform: string; readonly devices?: readonly string[] }[];
}

/** The strictest environment class among these (prod > staging > dev). */
export function strictestEnvironment(envs: readonly EnvironmentConfig[]): EnvironmentName {
  return envs.map((e) => e.environment).reduce((a, b) => (ENVIRONMENT_NAMES.indexOf(b) > ENVIRONMENT_NAMES.indexOf(a) ? b : a));
}

/**
 * One deployment per GitHub environment, in dev, staging, prod order. A baseline belongs
 * to the strictest environment of its account. Throws when one GitHub environment would
 * deploy to two accounts: the workflows give each environment one deploy role.
 */
export function ciDeployments(stacks: CiDeployableStacks): CiDeployment[] {
  const out: CiDeployment[] = [];
  for (const environment of ENVIRONMENT_NAMES) {
    const envs = stacks.environments.filter((e) => e.config.environment === environment);
    const baselines = stacks.baselines.filter((b) => strictestEnvironment(b.environments) === environment);
    const entry = (name: string, state: StateBackendProps, accountId: string, labels: readonly string[], accessKey?: string) => {
      const stateKey = stateObjectKey(name, state);
      return { name, state, stateKey, stateAccessKey: accessKey ?? stateKey, accountId, labels };
    };
    const all = [
      ...baselines.map((b) => entry(b.name, b.environments[0].state, b.environments[0].account.id, b.environments.map((e) => e.label))),
      ...envs.map((e) => entry(e.data, e.config.state, e.config.account.id, [e.config.label])),
      ...envs.map((e) => entry(e.platform, e.config.state, e.config.account.id, [e.config.label])),
      // Device shards read the platform stack's state (thing type, groups, policy): applied after it.
      ...envs.flatMap((e) => {
        const pattern = `${e.config.state.keyPrefix}/${new Naming(e.config).deviceShardStackPrefix}*`;
        return (e.devices ?? []).map((name) => entry(name, e.config.state, e.config.account.id, [e.config.label], pattern));
      }),
    ];
    if (all.length === 0) continue;
    const accounts = [...new Set(all.map((s) => s.accountId))];
    if (accounts.length > 1) {
      const byAccount = accounts.map((a) => `${a} (${[...new Set(all.filter((s) => s.accountId === a).flatMap((s) => s.labels))].map((l) => `"${l}"`).join(", ")})`);
      throw new ConfigError(
        `CI: GitHub environment "${environment}" would deploy to accounts ${byAccount.join(" and ")}; ` +
          `the workflows give each GitHub environment one deploy role, so keep every environment of class "${environment}" in one account (account.id)`,
      );
    }
    out.push({
      environment,
      accountId: accounts[0],
      planInPullRequests: environment === "dev",
      stacks: all.map(({ name, state, stateKey, stateAccessKey }) => ({ name, state, stateKey, stateAccessKey })),
    });
  }
  return out;
}

export interface CiRepository {
  readonly githubOwner: string;
  readonly githubRepo: string;
}

/** The one repository every environment names in `ci`, or undefined when none does. */
export function ciRepository(configs: readonly EnvironmentConfig[]): CiRepository | undefined {
  const withCi = configs.filter((c) => c.ci !== undefined);
  if (withCi.length === 0) return undefined;
  const missing = configs.find((c) => c.ci === undefined);
  if (missing) {
    throw new ConfigError(`CI: environment "${missing.label}" has no ci.githubOwner/ci.githubRepo while others do; set ci in every environment or in none`);
  }
  const names = [...new Set(withCi.map((c) => `${c.ci!.githubOwner}/${c.ci!.githubRepo}`))];
  if (names.length > 1) throw new ConfigError(`CI: environments name different repositories in ci (${names.join(", ")}); the workflows of one repository plan and apply them all, so name one`);
  return { githubOwner: withCi[0].ci!.githubOwner, githubRepo: withCi[0].ci!.githubRepo };
}

/** The variable of GitHub environment `plan-<env>` that names its read-only plan role (output `plan_role_arn_<env>` of the ci-access stack). */
export const PLAN_ROLE_VARIABLE = "PLAN_ROLE_ARN";

export type StackKind = "baseline" | "data" | "platform" | "devices" | "state-bootstrap" | "ci-access";

/**
 * The workflows that plan a stack: `pull-request` (.github/workflows/pr.yml, one sticky comment per
 * stack), `deploy` (deploy.yml on main: the saved plan the apply job applies), `drift` (drift.yml, daily).
 */
export type PlannedBy = "pull-request" | "deploy" | "drift";

export interface StackListEntry {
  readonly name: string;
  readonly kind: StackKind;
  /** The `environment` tag of its resources (provider default tags): dev, staging, prod, or `shared` (state bootstraps). */
  readonly environment: string;
  /** The `product-line` tag: thermostat, hvac, ..., or `shared` (account-level stacks). */
  readonly productLine: string;
  /** The one account its provider may use (`allowed_account_ids`). */
  readonly accountId: string;
  readonly region: string;
  /** Its Terraform backend: `s3` (remote state in the account's state bucket) or `local`. */
  readonly backend: string;
  /** Object key of its state in the bucket; null without remote state. */
  readonly stateKey: string | null;
  /** Stacks it depends on (addDependency and cross-stack references): the dependencies of cdktf.out/manifest.json. */
  readonly dependencies: readonly string[];
  /** GitHub environment of its apply job (deploy role); null: CI never applies it. */
  readonly deployEnvironment: EnvironmentName | null;
  /** GitHub environment of its plan jobs, whose variable `planRoleVariable` names the read-only plan role; null: CI never plans it. */
  readonly planEnvironment: string | null;
  readonly planRoleVariable: string | null;
  /** 0-based position in the order deploy.yml applies (environments in `deployOrder`, then the deployment's order); null: not deployed by CI. */
  readonly deployOrder: number | null;
  readonly plannedBy: readonly PlannedBy[];
  /** Why it is planned where it is, or why CI never touches it. */
  readonly why: string;
}

/** One plan job: the stack and the GitHub environment its plan role belongs to (`plan-<environment>`). */
export interface CiPlanJob {
  readonly environment: EnvironmentName;
  readonly stack: string;
}

/** What `npm run -s stacks -- --json` prints; the workflows read it from cdktf.out/ci-stacks.json with jq. */
export interface StackListDocument {
  /** Every stack of the app. */
  readonly stacks: readonly StackListEntry[];
  /** Per GitHub environment, the stacks its plan and apply jobs handle, in apply order (apply-environment.yml). */
  readonly deployments: readonly { readonly environment: EnvironmentName; readonly accountId: string; readonly planInPullRequests: boolean; readonly stacks: readonly string[] }[];
  /** The GitHub environments deploy.yml applies, in this order, one after the other. */
  readonly deployOrder: readonly EnvironmentName[];
  /** The plan matrix of pr.yml: every stack whose plan role a pull request may use. */
  readonly pullRequestPlans: readonly CiPlanJob[];
  /** The plan matrix of drift.yml: every stack CI plans. */
  readonly driftPlans: readonly CiPlanJob[];
}

const NOT_IN_CI: Readonly<Partial<Record<StackKind, string>>> = {
  "state-bootstrap": "local state (it creates the state bucket): an administrator applies it as the break-glass role; CI has no state to plan it against",
  "ci-access": "the root of trust (the CI roles themselves): an administrator applies it as the break-glass role; no CI role may read its state",
};

function whyPlanned(d: CiDeployment): string {
  const planEnv = `${PLAN_ENVIRONMENT_PREFIX}${d.environment}`;
  return d.planInPullRequests
    ? `the plan role of ${planEnv} accepts any ref: pull requests plan it; deploy.yml plans and applies it on main (GitHub environment ${d.environment}); drift.yml plans it daily`
    : `the plan role of ${planEnv} requires refs/heads/main, so code under review never gets its read access: no pull-request plan; deploy.yml plans and applies it on main (GitHub environment ${d.environment}); drift.yml plans it daily`;
}

/**
 * Every stack of the app (in the app's order) with what CI does with it, read from the stacks
 * themselves: provider (account, region, tags), backend, dependencies, and `built.deployments`.
 * Call it after `app.synth()`: cross-stack references add their dependencies during synthesis.
 */
export function listStacks(built: BuiltApp): StackListEntry[] {
  const kinds = new Map<string, StackKind>([
    ...built.baselines.map((s): [string, StackKind] => [s.node.id, "baseline"]),
    ...built.environments.flatMap((e): [string, StackKind][] => [
      [e.data.node.id, "data"],
      [e.platform.node.id, "platform"],
      ...e.devices.map((d): [string, StackKind] => [d.node.id, "devices"]),
    ]),
    ...built.bootstrap.map((s): [string, StackKind] => [s.node.id, "state-bootstrap"]),
    ...built.ciAccess.map((s): [string, StackKind] => [s.node.id, "ci-access"]),
  ]);
  const known = [...built.baselines, ...built.environments.flatMap((e) => [e.data, e.platform, ...e.devices]), ...built.bootstrap, ...built.ciAccess];
  if (known.length === 0) return [];
  const deployed = built.deployments.flatMap((d) => d.stacks.map((s) => ({ deployment: d, name: s.name })));
  const stacks = known[0].node.root.node.children.filter((c): c is TerraformStack => TerraformStack.isStack(c));
  return stacks.map((stack): StackListEntry => {
    const name = stack.node.id;
    const kind = kinds.get(name);
    if (kind === undefined) throw new Error(`listStacks: stack ${name} is not one of the stacks buildApp returns; add it to BuiltApp and decide what CI does with it (stacks/ci-deployments.ts)`);
    const provider = stack.node.children.find((c): c is AwsProvider => c instanceof AwsProvider);
    const backend = stack.node.children.find((c): c is TerraformBackend => TerraformBackend.isBackend(c));
    if (!provider || !backend) throw new Error(`listStacks: stack ${name} has no ${provider ? "backend" : "AWS provider"}`);
    const tags = (Array.isArray(provider.defaultTags) ? provider.defaultTags[0]?.tags : undefined) ?? {};
    const backendConfig: Record<string, { key?: string }> = backend.toTerraform().terraform.backend;
    const [backendKind] = Object.keys(backendConfig);
    const position = deployed.findIndex((s) => s.name === name);
    const d = position >= 0 ? deployed[position].deployment : undefined;
    return {
      name,
      kind,
      environment: tags.environment ?? "",
      productLine: tags["product-line"] ?? "",
      accountId: provider.allowedAccountIds?.[0] ?? "",
      region: provider.region ?? "",
      backend: backendKind,
      stateKey: backendConfig[backendKind].key ?? null,
      dependencies: stack.dependencies.map((s) => s.node.id),
      deployEnvironment: d?.environment ?? null,
      planEnvironment: d ? `${PLAN_ENVIRONMENT_PREFIX}${d.environment}` : null,
      planRoleVariable: d ? PLAN_ROLE_VARIABLE : null,
      deployOrder: d ? position : null,
      plannedBy: d ? (d.planInPullRequests ? ["pull-request", "deploy", "drift"] : ["deploy", "drift"]) : [],
      why: d ? whyPlanned(d) : (NOT_IN_CI[kind] ?? `NOT PLANNED: a ${kind} stack that no CI deployment lists (stacks/ci-deployments.ts)`),
    };
  });
}

/** The document the workflows read (`npm run -s stacks -- --json`). Call after `app.synth()`. */
export function stackListDocument(built: BuiltApp): StackListDocument {
  const stacks = listStacks(built);
  const planJobs = (by: PlannedBy): CiPlanJob[] =>
    stacks
      .filter((s) => s.plannedBy.includes(by) && s.deployEnvironment !== null && s.deployOrder !== null)
      .sort((a, b) => a.deployOrder! - b.deployOrder!)
      .map((s) => ({ environment: s.deployEnvironment!, stack: s.name }));
  return {
    stacks,
    deployments: built.deployments.map((d) => ({ environment: d.environment, accountId: d.accountId, planInPullRequests: d.planInPullRequests, stacks: d.stacks.map((s) => s.name) })),
    deployOrder: built.deployments.map((d) => d.environment),
    pullRequestPlans: planJobs("pull-request"),
    driftPlans: planJobs("drift"),
  };
}

/**
 * What would break the deploy order: a stack CI deploys whose dependency CI deploys later, or
 * never. Empty when every dependency is applied first. scripts/ci-stacks.ts refuses to print a
 * list with any, so the workflows stop in their synth job.
 */
export function deployOrderViolations(stacks: readonly StackListEntry[]): string[] {
  const byName = new Map(stacks.map((s) => [s.name, s]));
  return stacks.flatMap((s) =>
    s.deployOrder === null
      ? []
      : s.dependencies.flatMap((depName) => {
          const dep = byName.get(depName);
          if (dep === undefined || dep.deployOrder === null) return [`${s.name} depends on ${depName}, which CI never deploys`];
          if (dep.deployOrder > s.deployOrder!) return [`${s.name} (deploy position ${s.deployOrder}) would be applied before ${depName} (position ${dep.deployOrder}), which it depends on`];
          return [];
        }),
  );
}

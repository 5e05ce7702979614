/**
 * What CI plans and applies, per GitHub environment: every stack with remote state
 * (environment stacks of every product line and the account baselines), in apply
 * order. The state bootstraps (local state) and the CI access stacks (the root of
 * trust) are applied by an account administrator, never by CI.
 */
import { ENVIRONMENT_NAMES, EnvironmentConfig, EnvironmentName } from "../lib/config-schema";
import { StateBackendProps, stateObjectKey } from "./platform-stack-base";

export interface CiStack {
  readonly name: string;
  readonly state: StateBackendProps;
  /** `<keyPrefix>/<stack>.tfstate`: the object the CI roles of the environment may read (plan) and write (deploy). */
  readonly stateKey: string;
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
  /** Stacks in apply order: account baselines, then data stacks, then platform stacks. */
  readonly stacks: readonly CiStack[];
}

export interface CiDeployableStacks {
  /** Baseline stack name and the environments of its account and region. */
  readonly baselines: readonly { readonly name: string; readonly environments: readonly EnvironmentConfig[] }[];
  readonly environments: readonly { readonly config: EnvironmentConfig; readonly data: string; readonly platform: string }[];
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
    const entry = (name: string, state: StateBackendProps, accountId: string) => ({ name, state, stateKey: stateObjectKey(name, state), accountId });
    const all = [
      ...baselines.map((b) => entry(b.name, b.environments[0].state, b.environments[0].account.id)),
      ...envs.map((e) => entry(e.data, e.config.state, e.config.account.id)),
      ...envs.map((e) => entry(e.platform, e.config.state, e.config.account.id)),
    ];
    if (all.length === 0) continue;
    const accounts = [...new Set(all.map((s) => s.accountId))];
    if (accounts.length > 1) {
      throw new Error(
        `CI: GitHub environment "${environment}" would deploy to accounts ${accounts.join(" and ")}; ` +
          "the workflows give each GitHub environment one deploy role, so keep one account per environment class",
      );
    }
    out.push({ environment, accountId: accounts[0], planInPullRequests: environment === "dev", stacks: all.map(({ name, state, stateKey }) => ({ name, state, stateKey })) });
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
    throw new Error(`CI: environment ${missing.productLine}/${missing.environment} has no ci.githubOwner/ci.githubRepo while others do; set ci in every environment or in none`);
  }
  const names = [...new Set(withCi.map((c) => `${c.ci!.githubOwner}/${c.ci!.githubRepo}`))];
  if (names.length > 1) throw new Error(`CI: environments name different repositories in ci (${names.join(", ")}); the workflows of one repository plan and apply them all, so name one`);
  return { githubOwner: withCi[0].ci!.githubOwner, githubRepo: withCi[0].ci!.githubRepo };
}

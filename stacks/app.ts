/**
 * Builds every stack of every environment into an app. Composition only:
 * importing this file synthesizes nothing; main.ts calls app.synth().
 */
import { App } from "cdktf";
import { EnvironmentConfig, assertDistinctEnvironments, resolveEnvironment } from "../lib/config-schema";
import { BaselineStack, PLATFORM_PREFIX } from "./baseline-stack";
import { DataStack } from "./data-stack";
import { PlatformStack } from "./platform-stack";
import { StateMode } from "./platform-stack-base";
import { StateBootstrapStack } from "./state-bootstrap-stack";

export interface EnvironmentStacks {
  readonly config: EnvironmentConfig;
  readonly data: DataStack;
  readonly platform: PlatformStack;
}

export interface BuildAppProps {
  /** Raw environment files keyed by label (used in error messages). */
  readonly environments: Readonly<Record<string, unknown>>;
  /** @default "s3" */
  readonly stateMode?: StateMode;
  /** Directory holding the built function bundles. @default "<repo>/dist/functions" */
  readonly functionsDistDir?: string;
  /** Directory that CSR paths in config are relative to. @default the repository root */
  readonly repoRoot?: string;
}

export interface BuiltApp {
  readonly environments: readonly EnvironmentStacks[];
  readonly bootstrap: readonly StateBootstrapStack[];
  readonly baselines: readonly BaselineStack[];
}

export function buildApp(app: App, props: BuildAppProps): BuiltApp {
  const configs = Object.entries(props.environments).map(([label, raw]) => resolveEnvironment(raw, label));
  assertDistinctEnvironments(configs);

  const environments = configs.map((config) => {
    const data = new DataStack(app, { config, stateMode: props.stateMode });
    const platform = new PlatformStack(app, {
      config,
      stateMode: props.stateMode,
      history: data.historyOutputs,
      functionsDistDir: props.functionsDistDir,
      repoRoot: props.repoRoot,
    });
    platform.addDependency(data);
    return { config, data, platform };
  });

  return {
    environments,
    bootstrap: bootstrapStacks(app, configs),
    baselines: baselineStacks(app, configs, props.stateMode),
  };
}

/** One owner of the account-wide IoT singletons per (account, region), across product lines. */
function baselineStacks(app: App, configs: readonly EnvironmentConfig[], stateMode: StateMode | undefined): BaselineStack[] {
  const byAccountRegion = new Map<string, EnvironmentConfig[]>();
  for (const c of configs) {
    const key = `${c.account.id}/${c.account.region}`;
    byAccountRegion.set(key, [...(byAccountRegion.get(key) ?? []), c]);
  }
  return [...byAccountRegion.values()].map((envs) => new BaselineStack(app, { environments: envs, stateMode }));
}

/** One state bucket bootstrap per (account, bucket): environments sharing an account share it. */
function bootstrapStacks(app: App, configs: readonly EnvironmentConfig[]): StateBootstrapStack[] {
  const byBucket = new Map<string, EnvironmentConfig>();
  for (const c of configs) if (!byBucket.has(c.state.bucket)) byBucket.set(c.state.bucket, c);
  return [...byBucket.values()].map((c) => {
    const aliasFromArn = c.state.kmsKeyArn?.match(/:(alias\/.+)$/)?.[1];
    return new StateBootstrapStack(app, `${PLATFORM_PREFIX}-state-${c.account.id}-${c.state.region}`, {
      accountId: c.account.id,
      region: c.state.region,
      bucketName: c.state.bucket,
      kmsAliasName: aliasFromArn ?? `alias/${PLATFORM_PREFIX}-terraform-state`,
      assumeRoleArn: c.account.assumeRoleArn,
    });
  });
}

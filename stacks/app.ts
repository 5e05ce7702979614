/**
 * Builds every stack of every environment into an app. Composition only:
 * importing this file synthesizes nothing; main.ts calls app.synth().
 */
import { App } from "cdktf";
import { ConfigError, EnvironmentConfig, assertAccountIsolation, assertDistinctEnvironments, resolveEnvironment } from "../lib/config-schema";
import { stateKeyArns } from "../lib/state-access";
import { BaselineStack, PLATFORM_PREFIX } from "./baseline-stack";
import { CiAccessStack } from "./ci-access-stack";
import { CiDeployment, ciDeployments, ciRepository, ciStateAccessKeys } from "./ci-deployments";
import { DataStack } from "./data-stack";
import { DeviceShardStack } from "./device-shard-stack";
import { assignShards } from "../modules/device-identity/shards";
import { applyEmulatorMode, parseEmulatorEndpoint } from "./emulator-mode";
import { PlatformStack, REPO_ROOT } from "./platform-stack";
import { StateBackendProps, StateMode, stateObjectKey } from "./platform-stack-base";
import { StateBootstrapStack } from "./state-bootstrap-stack";

export interface EnvironmentStacks {
  readonly config: EnvironmentConfig;
  readonly data: DataStack;
  readonly platform: PlatformStack;
  /** Device shard stacks (`devices.shards`), by shard number; none when unsharded. */
  readonly devices: readonly DeviceShardStack[];
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
  /**
   * Emulator synth mode (`IOT_AWS_ENDPOINT`): providers and S3 backends point at this local endpoint,
   * http(s)://127.0.0.1:<port> or localhost:<port>; resources, data sources and outputs are unchanged
   * (stacks/emulator-mode.ts). @default undefined (real AWS)
   */
  readonly awsEndpoint?: string;
  /**
   * Build only these device shards of every sharded environment (a benchmark synthesizes one shard per
   * process); the stack list, CI deployments and state policies then name only these. @default every shard
   */
  readonly onlyDeviceShards?: readonly number[];
}

export interface BuiltApp {
  readonly environments: readonly EnvironmentStacks[];
  readonly bootstrap: readonly StateBootstrapStack[];
  readonly baselines: readonly BaselineStack[];
  /** What CI plans and applies per GitHub environment, in order (scripts/ci-stacks.ts prints it for the workflows). */
  readonly deployments: readonly CiDeployment[];
  /** One CI access stack per account (OIDC provider, plan/deploy roles, deployer); none without `ci` in config. */
  readonly ciAccess: readonly CiAccessStack[];
}

export function buildApp(app: App, props: BuildAppProps): BuiltApp {
  // A bad endpoint fails before any stack is built.
  const awsEndpoint = props.awsEndpoint === undefined ? undefined : parseEmulatorEndpoint(props.awsEndpoint);
  const labelled = Object.entries(props.environments).map(([label, raw]) => [label, resolveEnvironment(raw, label)] as const);
  const configs = labelled.map(([, config]) => config);
  assertDistinctEnvironments(configs);
  assertAccountIsolation(Object.fromEntries(labelled));

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
    const shards = config.devices.shards === undefined ? [] : assignShards(config.devices.things.map((t) => t.name), config.devices.shards);
    const devices = shards.flatMap((thingNames, index) =>
      props.onlyDeviceShards && !props.onlyDeviceShards.includes(index)
        ? []
        : [new DeviceShardStack(app, { config, stateMode: props.stateMode, index, thingNames, wiring: platform.identity.thingWiring, repoRoot: props.repoRoot ?? REPO_ROOT })],
    );
    return { config, data, platform, devices };
  });

  const accountRegions = groupBy(configs, (c) => `${c.account.id}/${c.account.region}`);
  const baselines = accountRegions.map((envs) => new BaselineStack(app, { environments: envs, stateMode: props.stateMode }));
  const deployments = ciDeployments({
    baselines: baselines.map((b, i) => ({ name: b.node.id, environments: accountRegions[i] })),
    environments: environments.map((e) => ({ config: e.config, data: e.data.node.id, platform: e.platform.node.id, devices: e.devices.map((d) => d.node.id) })),
  });
  const repository = ciRepository(configs);
  const accounts = groupBy(configs, (c) => c.account.id);
  const ciAccess = repository
    ? accounts.map(
        (envs) => new CiAccessStack(app, { environments: envs, deployments: deployments.filter((d) => d.accountId === envs[0].account.id), repository, stateMode: props.stateMode }),
      )
    : [];
  // Every stack keeping its state in a bucket (the bootstraps keep theirs locally).
  const remoteState: RemoteStateStack[] = [
    ...environments.flatMap((e) => [e.data, e.platform, ...e.devices].map((s) => ({ name: s.node.id, state: e.config.state }))),
    ...baselines.map((b, i) => ({ name: b.node.id, state: accountRegions[i][0].state })),
    ...(repository ? accounts.map((envs) => ({ name: CiAccessStack.stackName(envs[0].account.id), state: envs[0].state })) : []),
  ];

  const bootstrap = bootstrapStacks(app, configs, repository ? deployments : [], remoteState);
  if (awsEndpoint !== undefined) applyEmulatorMode(app, awsEndpoint);
  return { environments, bootstrap, baselines, deployments, ciAccess };
}

/** Groups in first-seen order. Baselines: one owner of the account-wide IoT singletons per (account, region), across product lines. */
function groupBy(configs: readonly EnvironmentConfig[], key: (c: EnvironmentConfig) => string): EnvironmentConfig[][] {
  const groups = new Map<string, EnvironmentConfig[]>();
  for (const c of configs) groups.set(key(c), [...(groups.get(key(c)) ?? []), c]);
  return [...groups.values()];
}

interface RemoteStateStack {
  readonly name: string;
  readonly state: StateBackendProps;
}

/**
 * One state bucket bootstrap per (account, bucket): environments sharing an account share it.
 * Its policy lets in the break-glass role and, per CI deployment keeping state there, the plan and
 * deploy roles of the CI access stack, each to that deployment's state keys only.
 */
function bootstrapStacks(
  app: App,
  configs: readonly EnvironmentConfig[],
  deployments: readonly CiDeployment[],
  remoteState: readonly RemoteStateStack[],
): StateBootstrapStack[] {
  const byBucket = new Map<string, EnvironmentConfig>();
  for (const c of configs) {
    const first = byBucket.get(c.state.bucket);
    if (!first) byBucket.set(c.state.bucket, c);
    else if (first.state.breakGlassRoleArn !== c.state.breakGlassRoleArn) {
      throw new ConfigError(
        `Environments "${first.label}" and "${c.label}" keep state in bucket ${c.state.bucket} but name different ` +
          `state.breakGlassRoleArn (${first.state.breakGlassRoleArn}, ${c.state.breakGlassRoleArn}); a bucket has one break-glass role, name the same one in both`,
      );
    }
  }
  return [...byBucket.values()].map((c) => {
    const bucket = c.state.bucket;
    const aliasFromArn = c.state.kmsKeyArn?.match(/:(alias\/.+)$/)?.[1];
    const ciRoles = deployments.flatMap((d) => {
      const keys = ciStateAccessKeys(d.stacks.filter((s) => s.state.bucket === bucket));
      if (keys.length === 0) return [];
      const arns = CiAccessStack.roleArns(d.accountId, d.environment);
      return [{ environment: d.environment, planRoleArn: arns.plan, deployRoleArn: arns.deploy, objectArns: stateKeyArns("aws", bucket, keys) }];
    });
    return new StateBootstrapStack(app, `${PLATFORM_PREFIX}-state-${c.account.id}-${c.state.region}`, {
      accountId: c.account.id,
      region: c.state.region,
      bucketName: bucket,
      kmsAliasName: aliasFromArn ?? `alias/${PLATFORM_PREFIX}-terraform-state`,
      // Applied by an administrator as the break-glass role (the caller's own credentials by default; a precondition checks it).
      breakGlassRoleArn: c.state.breakGlassRoleArn,
      ciRoles,
      stateObjectKeys: remoteState.filter((s) => s.state.bucket === bucket).map((s) => stateObjectKey(s.name, s.state)),
    });
  });
}

/**
 * Account- and region-wide IoT settings: two stacks declaring one of them overwrite each
 * other on every apply, and destroying one does nothing. One owner per account and region.
 */

/** Every singleton resource type in AWS provider 6.x (aws_iot_logging_options is the v2 API; there is no v1 resource). */
export const SINGLETON_RESOURCE_TYPES = [
  "aws_iot_indexing_configuration",
  "aws_iot_logging_options",
  "aws_iot_event_configurations",
] as const;

export type SingletonResourceType = (typeof SINGLETON_RESOURCE_TYPES)[number];

/** The parts of a synthesized cdk.tf.json this check reads. */
export interface SingletonStackJson {
  readonly provider?: { readonly aws?: ReadonlyArray<{ readonly alias?: string; readonly region?: string; readonly allowed_account_ids?: readonly string[] }> };
  readonly resource?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

export interface SingletonConflict {
  readonly type: SingletonResourceType;
  /** "<account>/<region>" as returned by accountRegionOf. */
  readonly accountRegion: string;
  /** Stacks declaring it (sorted, unique). */
  readonly stacks: readonly string[];
  /** Every declaration as "<stack>: <type>.<name>" (two in one stack are a conflict too). */
  readonly declarations: readonly string[];
}

/**
 * "<account>/<region>" from the stack's default (unaliased) aws provider:
 * `allowed_account_ids[0]` and `region`. Throws when the stack does not pin both.
 */
export function accountRegionFromProvider(stackName: string, tfJson: SingletonStackJson): string {
  const providers = tfJson.provider?.aws ?? [];
  const main = providers.find((p) => p.alias === undefined) ?? providers[0];
  const account = main?.allowed_account_ids?.[0];
  const region = main?.region;
  if (!account || !region) {
    throw new Error(`stack "${stackName}": its aws provider must set region and allowed_account_ids so singleton ownership can be checked`);
  }
  return `${account}/${region}`;
}

/** Singletons declared more than once per account and region, across all given stacks. Empty when ownership is clean. */
export function findSingletonOwners(
  stacks: Readonly<Record<string, SingletonStackJson>>,
  accountRegionOf: (stackName: string, tfJson: SingletonStackJson) => string = accountRegionFromProvider,
): SingletonConflict[] {
  const byKey = new Map<string, { type: SingletonResourceType; accountRegion: string; declarations: { stack: string; address: string }[] }>();
  for (const stackName of Object.keys(stacks).sort()) {
    const tfJson = stacks[stackName];
    for (const type of SINGLETON_RESOURCE_TYPES) {
      const names = Object.keys(tfJson.resource?.[type] ?? {});
      if (names.length === 0) continue;
      const accountRegion = accountRegionOf(stackName, tfJson);
      const key = `${type}|${accountRegion}`;
      const entry = byKey.get(key) ?? { type, accountRegion, declarations: [] };
      for (const name of names) entry.declarations.push({ stack: stackName, address: `${type}.${name}` });
      byKey.set(key, entry);
    }
  }
  return [...byKey.values()]
    .filter((e) => e.declarations.length > 1)
    .map((e) => ({
      type: e.type,
      accountRegion: e.accountRegion,
      stacks: [...new Set(e.declarations.map((d) => d.stack))],
      declarations: e.declarations.map((d) => `${d.stack}: ${d.address}`),
    }));
}

export function formatSingletonConflicts(conflicts: readonly SingletonConflict[]): string {
  return [
    "Account-wide IoT settings declared more than once per account and region (they would overwrite each other):",
    ...conflicts.map((c) => `  ${c.type} in ${c.accountRegion}: ${c.declarations.join(", ")}`),
    "Declare them only in the account baseline stack (modules/account-baseline); environment stacks must not.",
  ].join("\n");
}

/**
 * Moving devices' Terraform state between stacks without replacing anything: from the platform
 * stack into device shards (turning `devices.shards` on), or between shards (raising it).
 *
 * `moved` blocks work within one state only, and `import` cannot bring a certificate over: the AWS
 * provider has no importer for `aws_iot_certificate` (nor `aws_iot_policy_attachment`), and a
 * certificate's `csr` is ForceNew and never read back, so an imported one would plan a replacement.
 * So the resources' state entries are moved as they are, from pulled state files to pulled state
 * files (`terraform state pull` / `push`), keeping every attribute; the addresses are the same in
 * both stacks (stacks/device-shard-stack.ts keeps the construct path).
 */

/** The parts of a synthesized cdk.tf.json read here. */
export interface SynthesizedStack {
  readonly resource?: Readonly<Record<string, Readonly<Record<string, { readonly "//"?: { readonly metadata?: { readonly path?: string } } }>>>>;
}

export interface StateMove {
  /** `<type>.<name>`, the same in both stacks. */
  readonly address: string;
  readonly thing: string;
  readonly from: string;
  readonly to: string;
}

/** Where each device resource of the synthesized shard stacks was before: the platform stack, or its shard under `fromShards`. */
export interface MoveSource {
  /** Stack id prefix of the shards, e.g. "iot-prod-devices-" (Naming.deviceShardStackPrefix). */
  readonly shardStackPrefix: string;
  readonly platformStack: string;
  /** The shard count before (raising shards); undefined: unsharded before (every device in the platform stack). */
  readonly fromShards?: number;
  /** `shardOf` (modules/device-identity/shards.ts). */
  readonly shardOf: (thingName: string, shards: number) => number;
}

/** `<stack>/device_identity/things/<thing>/<id>` -> the thing name. */
function thingOf(metadataPath: string | undefined): string | undefined {
  const m = metadataPath === undefined ? null : /\/things\/([^/]+)\/[^/]+$/.exec(metadataPath);
  return m?.[1];
}

/** Every state move that makes the synthesized shard stacks own what the old layout holds; nothing for devices already in place. */
export function planStateMoves(stacks: Readonly<Record<string, SynthesizedStack>>, source: MoveSource): StateMove[] {
  const moves: StateMove[] = [];
  const shardStacks = Object.keys(stacks).filter((n) => n.startsWith(source.shardStackPrefix) && /^\d+$/.test(n.slice(source.shardStackPrefix.length)));
  for (const to of shardStacks.sort((a, b) => Number(a.slice(source.shardStackPrefix.length)) - Number(b.slice(source.shardStackPrefix.length)))) {
    for (const [type, byName] of Object.entries(stacks[to].resource ?? {})) {
      for (const [name, config] of Object.entries(byName)) {
        const thing = thingOf(config["//"]?.metadata?.path);
        if (thing === undefined) throw new Error(`${to}: ${type}.${name} is not a device resource (no device_identity/things/<thing> path); a device shard holds device resources only`);
        const from = source.fromShards === undefined ? source.platformStack : `${source.shardStackPrefix}${source.shardOf(thing, source.fromShards)}`;
        if (from !== to) moves.push({ address: `${type}.${name}`, thing, from, to });
      }
    }
  }
  return moves;
}

/** Terraform state, format version 4: what is read and written here. */
export interface TerraformState {
  readonly version: number;
  readonly terraform_version?: string;
  readonly serial: number;
  readonly lineage: string;
  readonly outputs?: Record<string, unknown>;
  readonly resources: readonly StateResource[];
  readonly [key: string]: unknown;
}

export interface StateResource {
  readonly mode: string;
  readonly type: string;
  readonly name: string;
  readonly module?: string;
  readonly [key: string]: unknown;
}

const addressOf = (r: StateResource) => `${r.type}.${r.name}`;

/**
 * The states after the moves: each moved resource entry leaves its source and joins its target
 * unchanged, each changed state's serial goes up by one (so `terraform state push` accepts it),
 * and a target without state yet gets a new lineage. Throws when a source lacks a resource or a
 * target already has it, before anything is changed.
 */
export function applyStateMoves(
  states: Readonly<Record<string, TerraformState | undefined>>,
  moves: readonly StateMove[],
  newLineage: () => string,
): Record<string, TerraformState> {
  const out = new Map<string, { state: TerraformState; resources: StateResource[]; changed: boolean }>();
  const entry = (stack: string, template?: TerraformState) => {
    let e = out.get(stack);
    if (!e) {
      const state = states[stack] ?? { version: 4, terraform_version: template?.terraform_version, serial: 0, lineage: newLineage(), outputs: {}, resources: [] };
      if (state.version !== 4) throw new Error(`${stack}: state format version ${state.version}; only version 4 is handled`);
      e = { state, resources: [...state.resources], changed: false };
      out.set(stack, e);
    }
    return e;
  };
  for (const m of moves) {
    const source = states[m.from];
    if (!source) throw new Error(`${m.from}: no state pulled; it holds ${m.address} (${m.thing})`);
    const from = entry(m.from);
    const i = from.resources.findIndex((r) => r.mode === "managed" && r.module === undefined && addressOf(r) === m.address);
    if (i < 0) throw new Error(`${m.from}: state has no ${m.address} (${m.thing}); was it moved already? Pull the states again`);
    const to = entry(m.to, source);
    if (to.resources.some((r) => r.mode === "managed" && r.module === undefined && addressOf(r) === m.address)) throw new Error(`${m.to}: state already has ${m.address} (${m.thing})`);
    to.resources.push(from.resources[i]);
    from.resources.splice(i, 1);
    from.changed = to.changed = true;
  }
  return Object.fromEntries(
    [...out.entries()].filter(([, e]) => e.changed).map(([stack, e]) => [stack, { ...e.state, serial: e.state.serial + 1, resources: e.resources }]),
  );
}

/** The shell steps around `applyStateMoves`, for the runbook `npm run -s shard-plan` prints. */
export function stateMoveSteps(
  moves: readonly StateMove[],
  options: { readonly outDir: string; readonly stateDir: string; readonly label: string; readonly fromShards?: number; readonly engine?: string },
): string[] {
  const tf = options.engine ?? "terraform";
  const stacks = [...new Set(moves.flatMap((m) => [m.from, m.to]))];
  const sources = [...new Set(moves.map((m) => m.from))];
  const dir = (s: string) => `${options.outDir}/stacks/${s}`;
  return [
    `# 0. Nobody applies ${stacks.join(", ")} meanwhile (pause deploy.yml). Synthesize the new layout: npm run synth`,
    `mkdir -p ${options.stateDir}`,
    "# 1. Pull the state of every stack involved (a shard that never ran has none yet: its file stays absent).",
    ...stacks.map((s) => `${tf} -chdir=${dir(s)} init -input=false >/dev/null && ( ${tf} -chdir=${dir(s)} state pull > ${options.stateDir}/${s}.tfstate && [ -s ${options.stateDir}/${s}.tfstate ] || rm -f ${options.stateDir}/${s}.tfstate )`),
    `# 2. Move the ${moves.length} resource entries between the pulled files (keeps the originals as *.tfstate.before).`,
    `npm run -s shard-plan -- ${options.label}${options.fromShards === undefined ? "" : ` --from-shards ${options.fromShards}`} --apply ${options.stateDir}`,
    "# 3. Push the targets first (then a failed push leaves resources in two states, never in none), then the sources.",
    ...stacks.filter((s) => !sources.includes(s)).map((s) => `${tf} -chdir=${dir(s)} state push ${options.stateDir}/${s}.tfstate`),
    ...sources.map((s) => `${tf} -chdir=${dir(s)} state push ${options.stateDir}/${s}.tfstate`),
    "# 4. Plan every stack: each must show no change (no destroy, no create).",
    ...stacks.map((s) => `${tf} -chdir=${dir(s)} plan -input=false -detailed-exitcode`),
    "# 5. Record the new addresses: npm run synth && npm run locks -- update",
  ];
}

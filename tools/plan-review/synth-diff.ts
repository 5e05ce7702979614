/**
 * Compares the synthesized Terraform JSON of two revisions, stack by stack, so reviewers
 * see which addresses appear, disappear or change even without AWS credentials.
 */
import { statefulReason } from "./stateful";

/** One stack's `cdk.tf.json`, parsed. */
export type TfJson = Readonly<Record<string, unknown>>;
/** Stack name -> synthesized JSON. */
export type SynthStacks = Readonly<Record<string, TfJson>>;

export interface StackDiff {
  readonly stack: string;
  readonly status: "added" | "removed" | "changed" | "unchanged";
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly string[];
  /** Differ only in an asset hash (asset path, `source_code_hash`): the bundle's bytes differ, the configuration does not. Not "changed". */
  readonly assetOnly: readonly string[];
}

export interface SynthDiffWarning {
  readonly stack: string;
  readonly address: string;
  readonly change: "removed" | "changed";
  readonly why: string;
  /** Same-type addresses added in the same stack: a removed one next to them is likely a renamed construct. */
  readonly possibleRenames: readonly string[];
}

export interface SynthDiff {
  readonly stacksAdded: readonly string[];
  readonly stacksRemoved: readonly string[];
  /** Every stack of either side, sorted by name. */
  readonly stacks: readonly StackDiff[];
  readonly warnings: readonly SynthDiffWarning[];
}

const BACKEND_WHY = "the state location changed: terraform init would start from empty state or migrate it, and a plan would create everything again";

/** Diff two sets of synthesized stacks. Metadata (`//` keys) is ignored; asset hashes (in asset paths and `source_code_hash`) count as asset-only. */
export function diffSynth(base: SynthStacks, head: SynthStacks): SynthDiff {
  const names = [...new Set([...Object.keys(base), ...Object.keys(head)])].sort(compare);
  const stacks: StackDiff[] = [];
  const warnings: SynthDiffWarning[] = [];
  for (const stack of names) {
    const before = base[stack] ? blocksOf(base[stack], `base stack "${stack}"`) : new Map<string, unknown>();
    const after = head[stack] ? blocksOf(head[stack], `head stack "${stack}"`) : new Map<string, unknown>();
    const added = [...after.keys()].filter((a) => !before.has(a)).sort(compare);
    const removed = [...before.keys()].filter((a) => !after.has(a)).sort(compare);
    const changed: string[] = [];
    const assetOnly: string[] = [];
    for (const address of [...before.keys()].filter((a) => after.has(a)).sort(compare)) {
      const b = withoutMetadata(before.get(address));
      const h = withoutMetadata(after.get(address));
      if (canonical(b, true) !== canonical(h, true)) changed.push(address);
      else if (canonical(b, false) !== canonical(h, false)) assetOnly.push(address);
    }
    const status = !base[stack] ? "added" : !head[stack] ? "removed" : added.length + removed.length + changed.length > 0 ? "changed" : "unchanged";
    stacks.push({ stack, status, added, removed, changed, assetOnly });
    // A removed stack is no longer applied at all; its resources are not destroyed by this change.
    if (status === "changed") warnings.push(...stackWarnings(stack, added, removed, changed));
  }
  return {
    stacksAdded: stacks.filter((s) => s.status === "added").map((s) => s.stack),
    stacksRemoved: stacks.filter((s) => s.status === "removed").map((s) => s.stack),
    stacks,
    warnings,
  };
}

function stackWarnings(stack: string, added: readonly string[], removed: readonly string[], changed: readonly string[]): SynthDiffWarning[] {
  const out: SynthDiffWarning[] = [];
  const consider = (address: string, change: "removed" | "changed") => {
    if (address === "terraform.backend") {
      out.push({ stack, address, change, why: BACKEND_WHY, possibleRenames: [] });
      return;
    }
    const type = resourceType(address);
    const why = type === undefined ? undefined : statefulReason(type);
    if (why === undefined) return;
    const possibleRenames = change === "removed" ? added.filter((a) => resourceType(a) === type) : [];
    out.push({ stack, address, change, why, possibleRenames });
  };
  removed.forEach((a) => consider(a, "removed"));
  changed.forEach((a) => consider(a, "changed"));
  return out;
}

/** "aws_dynamodb_table.history" -> "aws_dynamodb_table"; undefined for data sources, outputs and settings. */
function resourceType(address: string): string | undefined {
  const [first] = address.split(".");
  return /^aws_[a-z0-9_]+$/.test(first) ? first : undefined;
}

/**
 * Every addressable block of a stack: `type.name` for resources, `data.type.name`,
 * and `<block>.<key>` for the rest (`output.x`, `provider.aws`, `terraform.backend`, ...).
 */
function blocksOf(tf: TfJson, label: string): Map<string, unknown> {
  if (tf === null || typeof tf !== "object" || Array.isArray(tf)) throw new Error(`${label}: expected a cdk.tf.json object, got ${typeof tf}`);
  const blocks = new Map<string, unknown>();
  for (const [block, value] of Object.entries(tf)) {
    if (block === "//" || !isObject(value)) continue;
    if (block === "resource" || block === "data") {
      for (const [type, byName] of Object.entries(value)) {
        if (!isObject(byName)) continue;
        for (const [name, config] of Object.entries(byName)) blocks.set(`${block === "data" ? "data." : ""}${type}.${name}`, config);
      }
    } else {
      for (const [key, config] of Object.entries(value)) blocks.set(`${block}.${key}`, config);
    }
  }
  return blocks;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** cdktf writes construct paths and unique IDs under `//`; they are not Terraform configuration. */
function withoutMetadata(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutMetadata);
  if (!isObject(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => k !== "//").map(([k, v]) => [k, withoutMetadata(v)]));
}

/**
 * cdktf asset paths: assets/<construct>_<id>/<hash>[/file]. The hash is ours when the asset is given one
 * (the bundle zip's sha256: 64 lowercase hex characters), cdktf's own otherwise (md5, 32 uppercase).
 */
const ASSET_HASH = /(assets\/[^/"\s]+\/)(?:[0-9a-f]{64}|[0-9A-F]{32})(?![0-9A-Za-z])/g;
/** Attributes that hold nothing but the hash of an asset's bytes (Lambda's base64 sha256 of the zip). */
const ASSET_HASH_KEYS: ReadonlySet<string> = new Set(["source_code_hash"]);

/** Stable JSON with sorted keys; optionally with asset hashes blanked. */
function canonical(value: unknown, ignoreAssetHashes: boolean): string {
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return ignoreAssetHashes ? v.replace(ASSET_HASH, (_m, dir: string) => `${dir}<asset-hash>`) : v;
    if (Array.isArray(v)) return v.map(walk);
    if (!isObject(v)) return v;
    return Object.fromEntries(
      Object.keys(v)
        .sort(compare)
        .map((k) => [k, ignoreAssetHashes && ASSET_HASH_KEYS.has(k) ? "<asset-hash>" : walk(v[k])]),
    );
  };
  return JSON.stringify(walk(value));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

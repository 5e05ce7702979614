/**
 * Finds a Terraform address (`aws_lambda_function.processor_function_D7E0E582`,
 * `data.aws_region.region_...`) in synthesized stacks and reads its construct path from the
 * `//` metadata cdktf writes next to every resource and data source.
 */
import type { SynthStacks } from "../plan-review";

export interface AddressHit {
  readonly stack: string;
  readonly address: string;
  /** From `//.metadata.path`, e.g. "iot-dev-platform/processor/function"; "" when cdktf wrote none (added at synth). */
  readonly constructPath: string;
}

/**
 * The address as it appears in cdk.tf.json: whitespace and a plan's instance key
 * (`["Thermostat-01"]`, `[0]`) and `module.<name>.` prefixes dropped (cdktf stacks here declare no
 * Terraform modules, so a plan of a stack wrapping them still names the same resource).
 */
export function normalizeAddress(input: string): string {
  return input
    .trim()
    .replace(/^(module\.[^.]+\.)+/, "")
    .replace(/\[[^\]]*\]$/, "");
}

function metadataPath(block: unknown): string | undefined {
  const meta = (block as { "//"?: { metadata?: { path?: unknown } } })?.["//"]?.metadata;
  return typeof meta?.path === "string" ? meta.path : undefined;
}

/** Every resource and data source of each stack, with its construct path. */
export function listAddresses(stacks: SynthStacks): AddressHit[] {
  const hits: AddressHit[] = [];
  for (const [stack, tf] of Object.entries(stacks)) {
    for (const [block, prefix] of [["resource", ""], ["data", "data."]] as const) {
      const types = (tf[block] ?? {}) as Record<string, Record<string, unknown>>;
      for (const [type, byName] of Object.entries(types)) {
        for (const [name, body] of Object.entries(byName)) {
          hits.push({ stack, address: `${prefix}${type}.${name}`, constructPath: metadataPath(body) ?? "" });
        }
      }
    }
  }
  return hits;
}

/**
 * The entries an address names: the exact address, or, for a construct path (has a "/"), the
 * resources at that path with or without the stack prefix ("processor/function").
 */
export function findAddress(entries: readonly AddressHit[], query: string): AddressHit[] {
  const address = normalizeAddress(query);
  if (address.includes("/")) return entries.filter((e) => e.constructPath !== "" && (e.constructPath === address || e.constructPath.endsWith(`/${address}`)));
  return entries.filter((e) => e.address === address);
}

/** cdktf's 8-hex-digit suffix, a hash of the construct path: a moved construct keeps the rest. */
const HASH_SUFFIX = /_[0-9A-F]{8}$/;

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/**
 * Up to `limit` distinct addresses close to `query`, closest first: the same address but for the
 * hash suffix, addresses containing it (or its name part), then small edit distances.
 */
export function closeMatches(entries: readonly AddressHit[], query: string, limit = 5): string[] {
  const address = normalizeAddress(query);
  const stem = address.replace(HASH_SUFFIX, "").toLowerCase();
  const name = stem.slice(stem.lastIndexOf(".") + 1);
  const scored = new Map<string, number>();
  for (const candidate of new Set(entries.map((e) => e.address))) {
    const other = candidate.replace(HASH_SUFFIX, "").toLowerCase();
    let score: number;
    if (other === stem) score = 0;
    else if (candidate.toLowerCase().includes(stem) || (name.length >= 4 && other.includes(name))) score = 1 + other.length / 1000;
    else {
      const distance = editDistance(stem, other);
      if (distance > Math.max(2, Math.floor(stem.length / 4))) continue;
      score = 2 + distance;
    }
    scored.set(candidate, score);
  }
  return [...scored.entries()]
    .sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))
    .slice(0, limit)
    .map(([candidate]) => candidate);
}

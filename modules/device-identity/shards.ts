/**
 * Which device shard (device stack) a thing belongs to, and the rules for a shard count.
 * Pure: no cdktf, no provider.
 *
 * Assignment is jump consistent hashing (Lamping and Veach, 2014) of the first 64 bits of
 * sha256(thing name). It depends on the name and the shard count only, so adding or removing a
 * device changes that device's shard and no other, and list order never matters. Growing the count
 * from n to n + 1 moves about 1/(n + 1) of the devices, all into the new shard, and none between
 * existing shards (a plain `hash mod n` would move most of them).
 */
import { createHash } from "node:crypto";
import type { ValidationIssue } from "../../lib/issues";

/** Default of `shardSize`: the most things one device stack should hold (about 5,000 resources, a plan of a few minutes). */
export const DEFAULT_SHARD_SIZE = 1000;
/** Upper bound on the shard count: each shard is a stack, a CI plan job and a state object with its own lock lifecycle rule (S3 allows 1,000 per bucket). */
export const MAX_SHARDS = 256;
/** Spare room the suggested shard count leaves in every shard, for hash unevenness and growth. */
export const SHARD_HEADROOM = 0.25;

const MASK_64 = (1n << 64n) - 1n;

/** The shard (0 .. shards - 1) of a thing name. */
export function shardOf(thingName: string, shards: number): number {
  if (!Number.isInteger(shards) || shards < 1) throw new Error(`shardOf: shards must be a whole number of at least 1, got ${shards}`);
  let key = BigInt(`0x${createHash("sha256").update(thingName, "utf8").digest("hex").slice(0, 16)}`);
  let bucket = -1;
  let next = 0;
  while (next < shards) {
    bucket = next;
    key = (key * 2862933555777941757n + 1n) & MASK_64;
    next = Math.floor((bucket + 1) * (2 ** 31 / (Number(key >> 33n) + 1)));
  }
  return bucket;
}

/** Thing names per shard, each list sorted by name (so a shard's synthesized JSON does not depend on list order). */
export function assignShards(thingNames: readonly string[], shards: number): string[][] {
  const out: string[][] = Array.from({ length: shards }, () => []);
  for (const name of thingNames) out[shardOf(name, shards)].push(name);
  return out.map((names) => names.sort());
}

/** The shard count to suggest for `count` things: every shard at most (1 - headroom) full on average. */
export function suggestedShards(count: number, shardSize: number): number {
  return Math.min(MAX_SHARDS, Math.max(1, Math.ceil(count / (shardSize * (1 - SHARD_HEADROOM)))));
}

export interface ShardSettings {
  readonly thingNames: readonly string[];
  /** Number of device stacks; undefined: unsharded (every device in the construct's own stack). */
  readonly shards?: number;
  readonly shardSize: number;
}

/**
 * Broken shard rules, paths relative to the settings (`["shards"]`): more than `shardSize` things
 * without `shards`, or a shard that would hold more than `shardSize`. The fix names a count with
 * SHARD_HEADROOM to spare; `shards` is meant to be set once, since changing it moves devices.
 */
export function shardIssues(settings: ShardSettings): ValidationIssue[] {
  const { thingNames, shards, shardSize } = settings;
  const count = thingNames.length;
  const suggestion = suggestedShards(count, shardSize);
  if (shards === undefined) {
    if (count <= shardSize) return [];
    return [
      {
        path: ["shards"],
        message:
          `${count} things are more than shardSize (${shardSize}) in one stack; set shards: ${suggestion} to put them in ${suggestion} device stacks ` +
          `(set it once: changing it later moves devices between stacks, README "Device shards")`,
      },
    ];
  }
  const loads = assignShards(thingNames, shards).map((names) => names.length);
  const fullest = Math.max(...loads);
  if (fullest <= shardSize) return [];
  const index = loads.indexOf(fullest);
  return [
    {
      path: ["shards"],
      message:
        `shard ${index} would hold ${fullest} things, more than shardSize (${shardSize}); raise shards to ${Math.max(suggestion, shards + 1)} ` +
        `(moves about 1/${Math.max(suggestion, shards + 1)} of the devices into the new shards: README "Device shards", growing) or raise shardSize`,
    },
  ];
}

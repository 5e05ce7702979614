/**
 * Synth of a sharded fleet (issue 19): BENCH_SHARD_DEVICES devices (default 100,000) in the dev
 * environment with devices.shards at its suggested count (`suggestedShards`, 134 at 100,000). Each
 * device shard is synthesized in its own process (bench/synth-child.ts `shard:<i>`: the app with
 * every other stack, and only that shard), as a CI job synthesizing one shard would; one more child
 * builds the app with no shard (the base every child pays). The fleet's config (one CSR per device)
 * is generated once and read from a file by each child; reading it, like generating it, is kept out
 * of the timed figures. BENCH_SHARD_SAMPLE=n synthesizes n evenly spaced shards instead of all and
 * extrapolates the total (said so in the result). Run alone: `npx tsx bench/shards.ts` prints JSON.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generatedFleet } from "./fleet";
import { synthOnce } from "./synth";
import { assignShards, suggestedShards } from "../modules/device-identity/shards";
import { DEFAULT_SHARD_SIZE } from "../modules/device-identity/shards";

export interface ShardedSynthResult {
  readonly devices: number;
  readonly shards: number;
  /** Shards synthesized (all, or BENCH_SHARD_SAMPLE of them). */
  readonly measured: number;
  /** Devices of the fullest shard. */
  readonly fullestShard: number;
  /** The app without any shard: ms (child-side, fixture reading excluded) and peak RSS. */
  readonly base: { readonly ms: number; readonly maxRssMb: number };
  /** Per measured shard: its index, devices, child-side ms and peak RSS of its process. */
  readonly perShard: readonly { readonly index: number; readonly devices: number; readonly ms: number; readonly maxRssMb: number }[];
  /** Sum of the per-shard synth times (extrapolated from the sample when not all were measured), ms. */
  readonly totalMs: number;
  readonly extrapolated: boolean;
  /** The highest peak RSS of any one process. */
  readonly peakRssMb: number;
}

export function benchShardedSynth(devices: number, sample: number | undefined, log: (line: string) => void): ShardedSynthResult {
  const shards = suggestedShards(devices, DEFAULT_SHARD_SIZE);
  const fleet = generatedFleet(devices);
  const env = { ...fleet, devices: { ...fleet.devices, shards } };
  const loads = assignShards((env.devices.things ?? []).map((t) => t.name), shards).map((s) => s.length);
  const dir = mkdtempSync(join(tmpdir(), "bench-shards-"));
  try {
    const file = join(dir, "fleet.json");
    writeFileSync(file, JSON.stringify({ dev: env }));
    const opts = { env: { BENCH_FLEET_FILE: file } };
    const base = synthOnce("deep", "shard:none", opts).child;
    log(`shards: ${devices} devices in ${shards} shards; base (no shard) ${(base.ms / 1000).toFixed(2)} s, ${base.maxRssMb.toFixed(0)} MB`);
    const count = sample === undefined ? shards : Math.min(sample, shards);
    const indices = Array.from({ length: count }, (_, i) => Math.floor((i * shards) / count));
    const perShard = indices.map((index) => {
      const { child } = synthOnce("deep", `shard:${index}`, opts);
      log(`  shard ${index} (${loads[index]} devices): ${(child.ms / 1000).toFixed(2)} s, ${child.maxRssMb.toFixed(0)} MB`);
      return { index, devices: loads[index], ms: child.ms, maxRssMb: child.maxRssMb };
    });
    const measuredMs = perShard.reduce((a, s) => a + s.ms, 0);
    return {
      devices,
      shards,
      measured: count,
      fullestShard: Math.max(...loads),
      base: { ms: base.ms, maxRssMb: base.maxRssMb },
      perShard,
      totalMs: (measuredMs * shards) / count,
      extrapolated: count < shards,
      peakRssMb: Math.max(base.maxRssMb, ...perShard.map((s) => s.maxRssMb)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const devices = Number(process.env.BENCH_SHARD_DEVICES ?? 100_000);
  const sample = process.env.BENCH_SHARD_SAMPLE === undefined ? undefined : Number(process.env.BENCH_SHARD_SAMPLE);
  console.log(JSON.stringify(benchShardedSynth(devices, sample, (l) => console.error(l)), null, 2));
}

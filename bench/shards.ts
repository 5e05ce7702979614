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
import { int, mb, ms, table } from "./format";
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

export type ShardedSynthBench = ShardedSynthResult | { readonly skipped: string };

export function shardsSection(r: ShardedSynthBench | undefined): string {
  const title = "## Sharded synth (bench/shards.ts)";
  if (!r) return `${title}\n\nNot measured in this run.`;
  if ("skipped" in r) return `${title}\n\nSkipped: ${r.skipped}.`;
  const times = r.perShard.map((s) => s.ms).sort((a, b) => a - b);
  const rss = r.perShard.map((s) => s.maxRssMb);
  const sample = r.extrapolated ? `${r.measured} of the ${r.shards} shards, evenly spaced (BENCH_SHARD_SAMPLE), synthesized; the total is their mean times ${r.shards}` : `every one of the ${r.shards} shards synthesized`;
  return [
    title,
    `${int(r.devices)} devices in dev with \`devices.shards: ${r.shards}\` (the count synth suggests for that fleet; the fullest shard holds ${int(r.fullestShard)} devices). Each shard is synthesized in its own process, with every other stack and only that shard, as one CI job per shard does; ${sample}. Times are inside the child (reading the generated fleet file excluded), memory is each process's peak RSS. Measured once.`,
    table(
      ["figure", "value"],
      [
        ["app without any shard (every shard pays it)", `${ms(r.base.ms)}, ${mb(r.base.maxRssMb)}`],
        ["one shard: fastest / median / slowest", `${ms(times[0])} / ${ms(times[Math.floor(times.length / 2)])} / ${ms(times[times.length - 1])}`],
        ["one shard: peak RSS, highest", mb(Math.max(...rss))],
        [`all ${r.shards} shards, one after another${r.extrapolated ? " (extrapolated)" : ""}`, ms(r.totalMs)],
        ["peak RSS of any one process", mb(r.peakRssMb)],
      ],
    ),
  ].join("\n\n");
}

if (require.main === module) {
  const devices = Number(process.env.BENCH_SHARD_DEVICES ?? 100_000);
  const sample = process.env.BENCH_SHARD_SAMPLE === undefined ? undefined : Number(process.env.BENCH_SHARD_SAMPLE);
  console.log(JSON.stringify(benchShardedSynth(devices, sample, (l) => console.error(l)), null, 2));
}

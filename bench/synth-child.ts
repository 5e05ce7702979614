/**
 * One synth measured in its own process, so module loading and peak RSS are isolated.
 * argv: <mode: deep|root> <what: number of devices | "envs" | "fleet"> [outdir]
 *   envs   every environment of the project's app
 *   N      dev with N generated devices (bench/fleet.ts)
 *   fleet  dev with fleet provisioning and no per-device resources
 *   floor  nothing: node start-up alone, the part no import style can save
 *   shard:<i>  the environments of the JSON file BENCH_FLEET_FILE (written once by bench/shards.ts),
 *          building only device shard i of each sharded one (buildApp onlyDeviceShards); "shard:none"
 *          builds none (the other stacks alone)
 *   outdir keep the synthesized output there (for size accounting); else a temp dir, removed
 * BENCH_SOURCE_MAPS=off measures the app with Node's source-map support turned off.
 * Prints one JSON line: SynthChildResult.
 * "root" is the bench-only baseline: it loads the provider's package-root barrel
 * (what `import { ... } from "@cdktf/provider-aws"` costs) before doing the same work.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface SynthChildResult {
  /** Process start to synth done, as seen inside the child. */
  readonly ms: number;
  /** Where it went: node boot, barrel (root only), project modules, construct tree, synth. */
  readonly phases: { readonly boot: number; readonly barrel: number; readonly load: number; readonly build: number; readonly synth: number };
  readonly maxRssMb: number;
  readonly stacks: number;
}

// Bench-only what-if: with source maps on, every stack trace cdktf captures for a token costs more.
if (process.env.BENCH_SOURCE_MAPS === "off") process.setSourceMapsEnabled(false);
// performance.now() counts from process start, so this is node boot time.
const boot = performance.now();
const [mode, what, keep] = process.argv.slice(2);
if (mode !== "deep" && mode !== "root") throw new Error(`mode must be deep or root, got "${mode}"`);
if (what === "floor") {
  const floor: SynthChildResult = { ms: boot, phases: { boot, barrel: 0, load: 0, build: 0, synth: 0 }, maxRssMb: process.resourceUsage().maxRSS / 1024, stacks: 0 };
  console.log(JSON.stringify(floor));
  process.exit(0);
}
if (mode === "root") require("@cdktf/provider-aws");
const barrelDone = performance.now();

// Loaded after the (optional) barrel so both modes pay for the same project code.
const { App } = require("cdktf") as typeof import("cdktf");
const { buildApp } = require("../stacks/app") as typeof import("../stacks/app");
const { environments } = require("../environments") as typeof import("../environments");
const { generatedFleet, fleetProvisioned } = require("./fleet") as typeof import("./fleet");
const loaded = performance.now();

function selectEnvironments(): Readonly<Record<string, unknown>> {
  if (what === "envs") return environments;
  if (what.startsWith("shard:")) return JSON.parse(require("node:fs").readFileSync(process.env.BENCH_FLEET_FILE!, "utf8"));
  if (what === "fleet") return { dev: fleetProvisioned() };
  const devices = Number(what);
  if (!Number.isInteger(devices) || devices < 0) throw new Error(`devices must be "envs", "fleet" or a whole number, got "${what}"`);
  // The scaling series measures one unsharded stack on purpose (what sharding avoids), so the stack may hold them all.
  const fleet = generatedFleet(devices);
  return { dev: { ...fleet, devices: { ...fleet.devices, shardSize: Math.max(devices, 1) } } };
}

// Generating the config (one signed CSR per generated device) is fixture work, not synth: kept out of every figure.
const selected = selectEnvironments();
const generating = performance.now() - loaded;

const outdir = keep ?? mkdtempSync(join(tmpdir(), "bench-synth-"));
try {
  const app = new App({ outdir });
  const shard = what.startsWith("shard:") ? what.slice("shard:".length) : undefined;
  buildApp(app, { environments: selected, stateMode: "s3", ...(shard === undefined ? {} : { onlyDeviceShards: shard === "none" ? [] : [Number(shard)] }) });
  const built = performance.now();
  app.synth();
  const done = performance.now();
  const result: SynthChildResult = {
    ms: done - generating,
    phases: { boot, barrel: barrelDone - boot, load: loaded - barrelDone, build: built - loaded - generating, synth: done - built },
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    stacks: readdirSync(join(outdir, "stacks")).length,
  };
  console.log(JSON.stringify(result));
} finally {
  if (!keep) rmSync(outdir, { recursive: true, force: true });
}

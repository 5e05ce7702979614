/**
 * Device shard state moves (`npm run -s shard-plan -- <environment> ...`): what turning
 * `devices.shards` on (or raising it) moves between stacks, the runbook to do it without
 * replacing any certificate, and `--apply <dir>`, which rewrites pulled state files.
 *   npm run -s shard-plan -- prod                      # runbook: moves from iot-prod-platform into the shards
 *   npm run -s shard-plan -- prod --from-shards 4      # runbook: raising shards from 4 to the configured count
 *   npm run -s shard-plan -- prod --apply .shard-move  # step 2 of the runbook
 * Reads the synthesized stacks (npm run synth first): cdktf.out, or --out <dir>.
 */
import { randomUUID } from "node:crypto";
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { environments } from "../environments";
import { resolveEnvironment } from "../lib/config-schema";
import { Naming } from "../lib/naming";
import { shardOf } from "../modules/device-identity/shards";
import { readSynthesizedStacks } from "../tools/address-lock";
import { UsageError, parseFlags, runScript } from "../tools/cli";
import { SynthesizedStack, TerraformState, applyStateMoves, planStateMoves, stateMoveSteps } from "../tools/device-shards";

const REPO_ROOT = resolve(__dirname, "..");
const USAGE = `usage: npm run -s shard-plan -- <environment> [--from-shards <n>] [--apply <state dir>] [--out <cdktf.out>]
  <environment>    label of an environment file (environments/index.ts) with devices.shards set
  --from-shards n  the devices are in n shards now (raising devices.shards); default: in the platform stack
  --apply dir      rewrite the pulled <dir>/<stack>.tfstate files (originals kept as .tfstate.before)
  --out dir        the synthesized app (default cdktf.out; run npm run synth first)
Without --apply: prints what moves where and the runbook (README "Device shards").`;

function main(argv: readonly string[]): number {
  const { values, positionals } = parseFlags(argv, { "from-shards": { type: "string" }, apply: { type: "string" }, out: { type: "string" } }, { allowPositionals: true });
  if (positionals.length !== 1) throw new UsageError("name one environment");
  const [label] = positionals;
  const raw = environments[label];
  if (raw === undefined) throw new UsageError(`no environment "${label}"; one of ${Object.keys(environments).join(", ")}`);
  const config = resolveEnvironment(raw, label);
  if (config.devices.shards === undefined) throw new Error(`environment "${label}" has no devices.shards: set it (environments/${label}.ts), synthesize, then run this again`);
  const fromShards = values["from-shards"] === undefined ? undefined : Number(values["from-shards"]);
  if (fromShards !== undefined && !(Number.isInteger(fromShards) && fromShards >= 1)) throw new UsageError(`--from-shards must be a whole number of at least 1, got "${values["from-shards"]}"`);
  const outDir = resolve(values.out ?? join(REPO_ROOT, "cdktf.out"));
  const naming = new Naming(config);
  const stacks = readSynthesizedStacks(outDir) as Record<string, SynthesizedStack>;
  const moves = planStateMoves(stacks, { shardStackPrefix: naming.deviceShardStackPrefix, platformStack: naming.stack("platform"), fromShards, shardOf });

  if (values.apply !== undefined) {
    const dir = resolve(values.apply);
    const involved = [...new Set(moves.flatMap((m) => [m.from, m.to]))];
    const file = (s: string) => join(dir, `${s}.tfstate`);
    const states = Object.fromEntries(involved.map((s) => [s, existsSync(file(s)) ? (JSON.parse(readFileSync(file(s), "utf8")) as TerraformState) : undefined]));
    const next = applyStateMoves(states, moves, randomUUID);
    for (const [stack, state] of Object.entries(next)) {
      if (existsSync(file(stack))) copyFileSync(file(stack), `${file(stack)}.before`);
      writeFileSync(file(stack), JSON.stringify(state, null, 2) + "\n");
      console.log(`${file(stack)}: serial ${state.serial}, ${state.resources.length} resources`);
    }
    console.log(`moved ${moves.length} resource entries; push the targets first, then the sources (step 3)`);
    return 0;
  }
  const byPair = new Map<string, Set<string>>();
  for (const m of moves) byPair.set(`${m.from} -> ${m.to}`, (byPair.get(`${m.from} -> ${m.to}`) ?? new Set()).add(m.thing));
  console.log(moves.length === 0 ? "Nothing to move: every device's state is where the synthesized stacks expect it." : `${moves.length} resource entries of ${new Set(moves.map((m) => m.thing)).size} devices move:`);
  for (const [pair, things] of byPair) console.log(`  ${pair}: ${things.size} devices`);
  if (moves.length > 0) console.log(["", ...stateMoveSteps(moves, { outDir: "cdktf.out", stateDir: ".shard-move", label, fromShards })].join("\n"));
  return 0;
}

runScript({ name: "shard-plan", usage: USAGE }, main);

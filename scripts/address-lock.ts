/**
 * Address lock CLI (`npm run locks -- check|update ...`).
 *   npx tsx scripts/address-lock.ts check  [cdktf.out] [--locks address-locks]
 *   npx tsx scripts/address-lock.ts update [cdktf.out] [--locks address-locks] [--prune]
 * Synthesize first (npm run synth). `check` exits 1 when a locked stateful address
 * disappeared; `update` rewrites the locks from the synthesized stacks (review the diff).
 * No arguments or `--help`: the usage, exit 0.
 */
import * as path from "path";
import { checkLocks, formatLockReport, readSynthesizedStacks, updateLocks } from "../tools/address-lock";
import { UsageError, runScript } from "../tools/cli";

const REPO_ROOT = path.resolve(__dirname, "..");
const USAGE = `usage: npx tsx scripts/address-lock.ts check|update [cdktf.out dir] [--locks <dir>] [--prune]
       npm run locks -- check|update [cdktf.out dir] [--locks <dir>] [--prune]
  check    exit 1 when a locked stateful address disappeared from the synthesized stacks
  update   rewrite address-locks/<stack>.json from the synthesized stacks (review the diff)
  --locks  the lock directory (default address-locks)
  --prune  with update: delete the locks of stacks that no longer exist`;

interface Args {
  readonly command: "check" | "update";
  readonly outDir: string;
  readonly locksDir: string;
  readonly prune: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const [command, ...rest] = argv;
  if (command !== "check" && command !== "update") {
    throw new UsageError(command.startsWith("-") ? `unknown option ${command}` : `unknown command ${JSON.stringify(command)}; pass check or update`);
  }
  let outDir = path.join(REPO_ROOT, "cdktf.out");
  let locksDir = path.join(REPO_ROOT, "address-locks");
  let prune = false;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === "--prune") prune = true;
    else if (arg === "--locks" && rest[i + 1]) locksDir = path.resolve(rest[++i]);
    else if (!arg.startsWith("--")) outDir = path.resolve(arg);
    else throw new UsageError(`unknown option ${arg}`);
  }
  if (prune && command !== "update") throw new UsageError("--prune only applies to update");
  return { command, outDir, locksDir, prune };
}

function main(argv: readonly string[]): number {
  if (argv.length === 0) {
    console.log(USAGE);
    return 0;
  }
  const args = parseArgs(argv);
  const stacks = readSynthesizedStacks(args.outDir);
  if (args.command === "check") {
    const report = checkLocks(stacks, args.locksDir);
    (report.ok ? console.log : console.error)(formatLockReport(report, args.locksDir));
    return report.ok ? 0 : 1;
  }
  const result = updateLocks(stacks, args.locksDir, { prune: args.prune });
  for (const u of result.updated) {
    const rel = path.relative(process.cwd(), u.file);
    console.log(`${rel}: ${u.added.length} added, ${u.dropped.length} dropped`);
    for (const a of u.dropped) console.log(`  - ${a}   (DROPPED: make sure this resource is meant to be destroyed or was moved)`);
  }
  for (const s of result.pruned) console.log(`deleted lock of removed stack ${s}`);
  for (const s of result.orphaned) console.log(`kept lock of missing stack ${s} (pass --prune to delete it deliberately)`);
  return 0;
}

runScript({ name: "locks", usage: USAGE, failureExitCode: 2 }, main);

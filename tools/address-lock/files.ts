/** Lock files on disk (`address-locks/<stack>.json`) and synthesized stacks from a cdktf.out directory. */
import * as fs from "fs";
import * as path from "path";
import { LOCK_UPDATE_COMMAND, LockCheck, LockFile, SynthesizedStack, checkLock, createLock, formatLockFailure, lockViolated } from "./lock";

const STACK_NAME = /^[A-Za-z0-9_.-]+$/;

export function lockPath(locksDir: string, stackName: string): string {
  if (!STACK_NAME.test(stackName)) throw new Error(`stack name "${stackName}" cannot name a lock file; allowed: letters, digits, '_', '.', '-'`);
  return path.join(locksDir, `${stackName}.json`);
}

/** The lock of one stack, or undefined when it has none yet. Throws on a malformed file. */
export function readLock(locksDir: string, stackName: string): LockFile | undefined {
  const file = lockPath(locksDir, stackName);
  if (!fs.existsSync(file)) return undefined;
  const malformed = (why: string) =>
    new Error(`${file}: not a lock file for stack "${stackName}" (${why}); regenerate it with: ${LOCK_UPDATE_COMMAND}`);
  let lock: Partial<LockFile>;
  try {
    lock = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<LockFile>;
  } catch (err) {
    throw malformed(err instanceof Error ? err.message : "invalid JSON");
  }
  if (typeof lock !== "object" || lock === null || lock.stack !== stackName) throw malformed(`expected "stack": "${stackName}"`);
  if (!Array.isArray(lock.addresses) || !lock.addresses.every((a) => typeof a === "string")) throw malformed('"addresses" must be an array of strings');
  const identities = lock.identities;
  if (identities !== undefined && (typeof identities !== "object" || identities === null || !Object.values(identities).every((v) => typeof v === "string"))) {
    throw malformed('"identities" must map addresses to strings');
  }
  return { stack: stackName, addresses: lock.addresses, identities, note: typeof lock.note === "string" ? lock.note : "" };
}

export function writeLock(locksDir: string, lock: LockFile): string {
  fs.mkdirSync(locksDir, { recursive: true });
  const file = lockPath(locksDir, lock.stack);
  const identities = lock.identities ? Object.fromEntries(Object.entries(lock.identities).sort(([a], [b]) => a.localeCompare(b))) : undefined;
  fs.writeFileSync(file, JSON.stringify({ stack: lock.stack, addresses: [...lock.addresses].sort(), identities, note: lock.note }, null, 2) + "\n");
  return file;
}

/** Stack names that have a lock file in `locksDir`. */
export function lockedStackNames(locksDir: string): string[] {
  if (!fs.existsSync(locksDir)) return [];
  return fs.readdirSync(locksDir).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -".json".length)).sort();
}

/** Every stack's cdk.tf.json from a cdktf output directory (as written by `cdktf synth` / `app.synth()`). */
export function readSynthesizedStacks(outDir: string): Record<string, SynthesizedStack> {
  const manifestFile = path.join(outDir, "manifest.json");
  if (!fs.existsSync(manifestFile)) {
    throw new Error(`${manifestFile} not found: synthesize first (npm run synth), or pass the cdktf output directory`);
  }
  const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as { stacks?: Record<string, { synthesizedStackPath?: string }> };
  const stacks: Record<string, SynthesizedStack> = {};
  for (const [name, entry] of Object.entries(manifest.stacks ?? {})) {
    const rel = entry.synthesizedStackPath ?? path.join("stacks", name, "cdk.tf.json");
    stacks[name] = JSON.parse(fs.readFileSync(path.join(outDir, rel), "utf8")) as SynthesizedStack;
  }
  return stacks;
}

export interface LockReport {
  readonly checks: readonly LockCheck[];
  /** Stacks without a lock file: nothing locked yet, so not a violation. */
  readonly unlocked: readonly string[];
  /** Lock files whose stack no longer synthesizes: a renamed or removed stack. Violation. */
  readonly orphaned: readonly string[];
  readonly ok: boolean;
}

export function checkLocks(stacks: Readonly<Record<string, SynthesizedStack>>, locksDir: string): LockReport {
  const checks: LockCheck[] = [];
  const unlocked: string[] = [];
  for (const name of Object.keys(stacks).sort()) {
    const lock = readLock(locksDir, name);
    if (lock) checks.push(checkLock(name, stacks[name], lock));
    else unlocked.push(name);
  }
  const orphaned = lockedStackNames(locksDir).filter((name) => !(name in stacks));
  return { checks, unlocked, orphaned, ok: orphaned.length === 0 && !checks.some(lockViolated) };
}

export function formatLockReport(report: LockReport, locksDir: string): string {
  const parts: string[] = [];
  for (const check of report.checks) if (lockViolated(check)) parts.push(formatLockFailure(check));
  if (report.orphaned.length > 0) {
    parts.push(
      [
        `Lock files without a stack: ${report.orphaned.map((s) => path.join(locksDir, `${s}.json`)).join(", ")}.`,
        "A renamed stack gets a new state key, so Terraform would create every resource again next to the old ones.",
        "Rename the stack back, or migrate its state object to the new key before applying. If the stack was removed",
        `on purpose (and destroyed), delete its lock deliberately: ${LOCK_UPDATE_COMMAND} --prune`,
      ].join("\n"),
    );
  }
  const notes: string[] = [];
  for (const check of report.checks) {
    for (const m of check.moved) notes.push(`  ${check.stack}: ${m.locked} kept by a moved block -> ${m.now}`);
    if (check.added.length > 0) notes.push(`  ${check.stack}: ${check.added.length} new stateful address(es) not locked yet`);
  }
  for (const s of report.unlocked) notes.push(`  ${s}: no lock file yet`);
  if (notes.length > 0) parts.push([`Notes (not violations; run \`${LOCK_UPDATE_COMMAND}\` to record):`, ...notes].join("\n"));
  if (report.ok) parts.unshift(`Address locks satisfied for ${report.checks.length} stack(s).`);
  return parts.join("\n\n");
}

export interface UpdateResult {
  readonly stack: string;
  readonly file: string;
  readonly dropped: readonly string[];
  readonly added: readonly string[];
}

/** Rewrites the lock of every stack; deletes orphaned lock files only with `prune`. */
export function updateLocks(
  stacks: Readonly<Record<string, SynthesizedStack>>,
  locksDir: string,
  options: { readonly prune?: boolean } = {},
): { readonly updated: readonly UpdateResult[]; readonly pruned: readonly string[]; readonly orphaned: readonly string[] } {
  const updated: UpdateResult[] = [];
  for (const name of Object.keys(stacks).sort()) {
    const previous = new Set(readLock(locksDir, name)?.addresses ?? []);
    const lock = createLock(name, stacks[name]);
    const now = new Set(lock.addresses);
    updated.push({
      stack: name,
      file: writeLock(locksDir, lock),
      dropped: [...previous].filter((a) => !now.has(a)).sort(),
      added: lock.addresses.filter((a) => !previous.has(a)),
    });
  }
  const orphaned = lockedStackNames(locksDir).filter((name) => !(name in stacks));
  const pruned: string[] = [];
  if (options.prune) {
    for (const name of orphaned) {
      fs.unlinkSync(lockPath(locksDir, name));
      pruned.push(name);
    }
  }
  return { updated, pruned, orphaned: options.prune ? [] : orphaned };
}

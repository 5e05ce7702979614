/**
 * Synthesizes a git revision in a temporary worktree. node_modules is symlinked from the
 * current checkout (a worktree has none), so the revision must build with today's lockfile.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readSynthDir } from "./synth-dir";
import { SynthStacks } from "./synth-diff";

export interface SynthRevisionOptions {
  /** Repository root whose node_modules the worktree borrows. */
  readonly repoRoot: string;
  /** Commit, branch or tag. */
  readonly revision: string;
  /** Command run inside the worktree. @default ["npm", "run", "synth"] */
  readonly synthCommand?: readonly string[];
}

export function synthRevision(opts: SynthRevisionOptions): SynthStacks {
  // A revision starting with "-" would be read by git as an option.
  if (!/^[A-Za-z0-9_./~^@{}-]+$/.test(opts.revision) || opts.revision.startsWith("-")) {
    throw new Error(`Invalid git revision ${JSON.stringify(opts.revision)}: pass a commit, branch or tag name`);
  }
  const commit = run("git", ["rev-parse", "--verify", "--quiet", `${opts.revision}^{commit}`], opts.repoRoot, "pipe").trim();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "synth-diff-"));
  const worktree = path.join(dir, "tree");
  run("git", ["worktree", "add", "--detach", worktree, commit], opts.repoRoot, "inherit");
  try {
    fs.symlinkSync(path.join(opts.repoRoot, "node_modules"), path.join(worktree, "node_modules"), "dir");
    const [cmd, ...args] = opts.synthCommand ?? ["npm", "run", "synth"];
    run(cmd, args, worktree, "inherit");
    return readSynthDir(path.join(worktree, "cdktf.out"));
  } finally {
    spawnSync("git", ["worktree", "remove", "--force", worktree], { cwd: opts.repoRoot, stdio: "ignore" });
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Synthesizes the current working tree in place and reads its cdktf.out. */
export function synthWorkingTree(opts: { readonly repoRoot: string; readonly synthCommand?: readonly string[] }): SynthStacks {
  const [cmd, ...args] = opts.synthCommand ?? ["npm", "run", "synth"];
  run(cmd, args, opts.repoRoot, "inherit");
  return readSynthDir(path.join(opts.repoRoot, "cdktf.out"));
}

/** Runs a command without a shell; "inherit" sends its output to our stderr so stdout stays Markdown. */
function run(cmd: string, args: readonly string[], cwd: string, output: "pipe" | "inherit"): string {
  const result = spawnSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", output === "pipe" ? "pipe" : 2, 2] });
  if (result.error) throw new Error(`${cmd} ${args.join(" ")} could not start: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed with exit code ${String(result.status)} in ${cwd}`);
  return result.stdout ?? "";
}

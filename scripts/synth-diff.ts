/**
 * Lists added, removed and changed Terraform addresses per stack between two revisions.
 *
 *   tsx scripts/synth-diff.ts <base-rev> [<head-rev> | --working-tree]    synthesizes revisions in temporary worktrees
 *   tsx scripts/synth-diff.ts --base-dir <cdktf.out> --head-dir <cdktf.out>
 *   (mix freely: e.g. <base-rev> --head-dir cdktf.out compares a revision with an existing synth)
 * Options: --format markdown|json (default markdown).
 */
import * as path from "node:path";
import { UsageError, optional, parseCliArgs, runCli } from "../tools/plan-review/cli";
import { SynthStacks, diffSynth, readSynthDir, renderSynthDiff, synthRevision, synthWorkingTree } from "../tools/plan-review";

const USAGE = `usage: tsx scripts/synth-diff.ts <base-rev> [<head-rev> | --working-tree] [--format markdown|json]
       tsx scripts/synth-diff.ts --base-dir <cdktf.out> --head-dir <cdktf.out> [--format markdown|json]`;

const repoRoot = path.resolve(__dirname, "..");

runCli(USAGE, () => {
  const { values, positionals } = parseCliArgs({
    "base-dir": { type: "string" },
    "head-dir": { type: "string" },
    "working-tree": { type: "boolean" },
    format: { type: "string", default: "markdown" },
  });
  const format = values.format;
  if (format !== "markdown" && format !== "json") throw new UsageError(`--format must be markdown or json, got ${JSON.stringify(format)}`);
  const baseDir = optional(values["base-dir"]);
  const headDir = optional(values["head-dir"]);
  const revs = [...positionals];

  const baseRev = baseDir === undefined ? revs.shift() : undefined;
  if (baseDir === undefined && baseRev === undefined) throw new UsageError("pass <base-rev> or --base-dir");
  const headRev = headDir === undefined && !values["working-tree"] ? revs.shift() : undefined;
  if (revs.length > 0) throw new UsageError(`unexpected argument(s): ${revs.join(" ")}`);
  if (headDir !== undefined && values["working-tree"]) throw new UsageError("--head-dir and --working-tree both name the head; pass one");

  const base: SynthStacks = baseDir !== undefined ? readSynthDir(baseDir) : synthRevision({ repoRoot, revision: baseRev as string });
  // Head: a directory, a revision, or (default) the working tree synthesized now.
  const head: SynthStacks =
    headDir !== undefined
      ? readSynthDir(headDir)
      : headRev !== undefined
        ? synthRevision({ repoRoot, revision: headRev })
        : synthWorkingTree({ repoRoot });

  const diff = diffSynth(base, head);
  if (format === "json") return `${JSON.stringify(diff, null, 2)}\n`;
  return renderSynthDiff(diff, {
    baseLabel: baseRev ?? baseDir,
    headLabel: headRev ?? headDir ?? "working tree",
  });
});


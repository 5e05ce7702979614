/**
 * The synth diff of one source tree checked out at two different paths finds nothing (issue 21).
 *
 * The pull-request synth diff builds the base in a temporary worktree whose node_modules is a
 * symlink to the checkout's, while the head is built in the checkout itself: the two builds
 * reach the same node_modules by different paths. Here two copies of the working tree (not
 * HEAD: uncommitted changes count) sit at different depths under a temporary directory, both
 * reaching this repository's node_modules through a symlink, so a path that leaks into a bundle
 * (a source map inside the zip, a path relative to node_modules' real location) changes the zip.
 *
 * Slower than the other tests: two builds and synths, about 15 s on 2 cores.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SynthStacks, diffSynth, readSynthDir } from "../tools/plan-review";

const ROOT = path.resolve(__dirname, "..");
jest.setTimeout(240_000);

function run(cmd: string, args: readonly string[], cwd: string): string {
  // No local-state or emulator mode from the caller's shell: both copies synthesize the default app.
  const env = { ...process.env, CHECKPOINT_DISABLE: "1", IOT_STATE: undefined, IOT_AWS_ENDPOINT: undefined };
  const r = spawnSync(cmd, args, { cwd, env, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed in ${cwd} (${String(r.status ?? r.error)}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** The working tree's files (tracked and untracked, not ignored), with node_modules as a symlink to ours. */
function copyWorkingTree(to: string): string {
  const files = run("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], ROOT).split("\0").filter(Boolean);
  for (const file of files) {
    const from = path.join(ROOT, file);
    // Deleted in the working tree; or node_modules as a symlink, which the ignore rule "node_modules/" does not match.
    if (!fs.existsSync(from) || file === "node_modules") continue;
    fs.mkdirSync(path.dirname(path.join(to, file)), { recursive: true });
    fs.cpSync(from, path.join(to, file), { verbatimSymlinks: true });
  }
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(to, "node_modules"), "dir");
  return to;
}

/**
 * What `npm run synth` runs, without the library's `tsc` build (dist/package), which synth does
 * not read: the function bundles, the precompiled app, then the app.
 */
function synth(tree: string): SynthStacks {
  run(process.execPath, ["scripts/build-functions.mjs"], tree);
  run(process.execPath, ["scripts/build-app.mjs"], tree);
  run(process.execPath, ["dist/app/main.js"], tree);
  return readSynthDir(path.join(tree, "cdktf.out"));
}

/** `stack: address` of every Lambda function whose zip is the given bundle's. */
function functionsOf(stacks: SynthStacks, bundle: string): string[] {
  return Object.entries(stacks).flatMap(([stack, tf]) =>
    Object.entries(((tf.resource as Record<string, Record<string, { filename?: string }>> | undefined)?.aws_lambda_function ?? {}))
      .filter(([, fn]) => fn.filename?.endsWith(`/${bundle}.zip`))
      .map(([name]) => `${stack}: aws_lambda_function.${name}`),
  );
}

describe("synth diff of the same tree at two paths", () => {
  let tmp: string;
  let a: string;
  let b: string;
  let base: SynthStacks;

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "synth-diff-checkouts-"));
    a = copyWorkingTree(path.join(tmp, "a"));
    b = copyWorkingTree(path.join(tmp, "worktrees", "pr-21", "b"));
    base = synth(a);
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("finds no difference at all, not even an asset hash", () => {
    const head = synth(b);
    const diff = diffSynth(base, head);
    expect(diff.stacks.length).toBeGreaterThan(0);
    expect(diff.stacks.filter((s) => s.status !== "unchanged" || s.assetOnly.length > 0)).toEqual([]);
    expect(diff.warnings).toEqual([]);
    // The command reviewers run says so, too.
    const cli = run(path.join(ROOT, "node_modules", ".bin", "tsx"), [path.join(b, "scripts", "synth-diff.ts"), "--base-dir", path.join(a, "cdktf.out"), "--head-dir", path.join(b, "cdktf.out")], b);
    expect(cli).toContain("**No differences** in the synthesized Terraform of any stack.");
  });

  it("builds byte-identical bundles and source maps (the map is not deployed, but names no checkout either)", () => {
    const built = (tree: string) =>
      Object.fromEntries(
        fs
          .readdirSync(path.join(tree, "dist", "functions"))
          .filter((f) => f.endsWith(".js.map"))
          .flatMap((map) => [map, `${map.slice(0, -".js.map".length)}/index.js`])
          .map((f) => [f, createHash("sha256").update(fs.readFileSync(path.join(tree, "dist", "functions", f))).digest("hex")]),
      );
    const inA = built(a);
    expect(Object.keys(inA).length).toBeGreaterThan(0);
    expect(built(b)).toEqual(inA);
  });

  it("reports a changed function source as asset-only changes of exactly the functions that deploy it", () => {
    const handler = path.join(b, "functions", "shadow-history", "handler.ts");
    fs.appendFileSync(handler, '\nexport const REBUILT_FOR_TEST = "synth-diff-checkouts";\n');
    const head = synth(b);
    const diff = diffSynth(base, head);
    const expected = functionsOf(base, "shadow-history").sort();
    expect(expected.length).toBeGreaterThan(0);
    expect(diff.stacks.flatMap((s) => s.assetOnly.map((address) => `${s.stack}: ${address}`)).sort()).toEqual(expected);
    expect(diff.stacks.filter((s) => s.status !== "unchanged")).toEqual([]);
  });
});

/**
 * Every CLI of the repository follows tools/cli: `--help` prints a usage line and exits 0, an
 * unknown flag prints the error and the usage and exits 2 (before doing any work). The list is
 * derived, not kept: every scripts/*.ts and scripts/*.mjs, and every file a package.json script
 * runs with tsx or node (bench/run.ts), except the cdktf app itself (cdktf.json "app").
 * Each runs in its own process (the scripts act on import): about 1 s each, two at a time.
 */
import { spawn } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(__dirname, "..");
const packageScripts: Record<string, string> = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts;
const cdktfApp: string = JSON.parse(readFileSync(join(ROOT, "cdktf.json"), "utf8")).app;

/** Files a command line runs with `tsx <file>` or `node <file>`. */
function filesRun(command: string): string[] {
  return [...command.matchAll(/(?:^|&&|\s)(?:tsx|node)\s+([\w./-]+\.(?:ts|mjs|js))/g)].map((m) => m[1]);
}

const appFiles = new Set(filesRun(cdktfApp).filter((f) => !f.startsWith("scripts/")));
const fromPackage = Object.values(packageScripts).flatMap(filesRun).filter((f) => !appFiles.has(f));
const fromScriptsDir = readdirSync(join(ROOT, "scripts"))
  .filter((f) => /\.(ts|mjs)$/.test(f))
  .map((f) => `scripts/${f}`);
const CLIS = [...new Set([...fromPackage, ...fromScriptsDir])].sort();

/** The npm scripts that run `file`: its usage should say how it is run. */
const npmNames = (file: string) => Object.entries(packageScripts).filter(([, command]) => filesRun(command).includes(file)).map(([name]) => name);

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(file: string, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", file, ...args], { cwd: ROOT, env: { ...process.env, CHECKPOINT_DISABLE: "1" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/** Runs every (file, args) pair, two at a time (the machine has two cores). */
async function runAll(args: string[]): Promise<Map<string, Run>> {
  const results = new Map<string, Run>();
  const queue = [...CLIS];
  const worker = async () => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) results.set(file, await run(file, args));
  };
  await Promise.all([worker(), worker()]);
  return results;
}

let help: Map<string, Run>;
let bogus: Map<string, Run>;
beforeAll(async () => {
  help = await runAll(["--help"]);
  bogus = await runAll(["--no-such-flag"]);
}, 180_000);

describe("every CLI in package.json and scripts/", () => {
  it("is found: the package.json scripts that run a repository file, and every file in scripts/", () => {
    expect(CLIS).toEqual(expect.arrayContaining(["scripts/check.ts", "scripts/history.ts", "scripts/address-lock.ts", "scripts/where.ts", "bench/run.ts", "scripts/build-functions.mjs"]));
    expect(CLIS).not.toContain("dist/app/main.js");
  });

  it.each(CLIS)("%s --help prints its usage and exits 0", (file) => {
    const r = help.get(file)!;
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
    expect(r.stdout).toMatch(/^usage: /im);
    // How to run it: the npm script when there is one, else the file.
    const names = npmNames(file);
    if (names.length > 0) expect(names.some((n) => r.stdout.includes(`npm run ${n}`) || r.stdout.includes(`npm run -s ${n}`))).toBe(true);
    else expect(r.stdout).toContain(file);
  });

  it.each(CLIS)("%s --no-such-flag names the flag, prints the usage and exits 2", (file) => {
    const r = bogus.get(file)!;
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--no-such-flag");
    expect(r.stderr).toMatch(/^usage: /im);
  });
});

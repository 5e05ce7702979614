/**
 * CI wall time: `.ci/run` once on a clean clone of HEAD, split into install,
 * build, type check and jest by a preload that records every node process
 * (bench/ci-timer.cjs), then jest's slowest test files from a `jest --json` run.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, relative } from "node:path";
import { ROOT, run } from "./proc";

const TIMER = join(__dirname, "ci-timer.cjs");

export interface CiStep {
  readonly name: string;
  readonly ms: number;
}

export interface CiRun {
  readonly command: string;
  readonly ok: boolean;
  readonly totalMs: number;
  readonly steps: readonly CiStep[];
  /** The first error lines when it failed. */
  readonly failure?: string;
}

export interface SlowTest {
  readonly name: string;
  readonly ms: number;
  readonly tests?: number;
}

export interface CiResults {
  readonly commit: string;
  readonly ciRun: CiRun;
  /** When `.ci/run` fails at install: the same steps with `npm install` instead of `npm ci`, so the split is still measured. */
  readonly fallback?: CiRun;
  readonly jest?: { readonly wallMs: number; readonly files: number; readonly tests: number; readonly slowestFiles: readonly SlowTest[]; readonly slowestTests: readonly SlowTest[] };
}

interface ProcessRecord {
  readonly pid: number;
  readonly ppid: number;
  readonly argv: readonly string[];
  readonly start: number;
  readonly end: number;
}

const tool = (r: ProcessRecord) => basename(r.argv[0] ?? "").replace(/-cli\.js$/, "");
const isNpm = (r: ProcessRecord, ...args: string[]) => tool(r) === "npm" && args.every((a, i) => r.argv[i + 1] === a);

/** install / build / type check / jest / the rest, from the preload's records. */
export function splitSteps(records: readonly ProcessRecord[], totalMs: number): CiStep[] {
  const byStart = [...records].sort((a, b) => a.start - b.start);
  const ms = (r: ProcessRecord | undefined) => (r ? r.end - r.start : 0);
  const install = byStart.find((r) => isNpm(r, "ci") || isNpm(r, "install"));
  const build = byStart.find((r) => isNpm(r, "run", "build"));
  // The test script's own steps share one parent (the shell npm runs it in); tests spawn more tsc/jest-like processes.
  const scriptStep = (name: string, extra: (r: ProcessRecord) => boolean) => byStart.find((r) => r.ppid === build?.ppid && tool(r) === name && extra(r));
  const typecheck = scriptStep("tsc", (r) => r.argv.includes("--noEmit"));
  const jest = scriptStep("jest", () => true);
  // The real-engine steps of .ci/run (`npm run -s <script>`); the first tools:terraform is the install, the second prints the env.
  const npmScript = (script: string) => byStart.filter((r) => tool(r) === "npm" && r.argv[1] === "run" && r.argv.includes(script));
  const engineSteps = (["tools:terraform", "validate:terraform", "check:checkov", "test:engine"] as const)
    .map((script) => ({ name: `npm run ${script}`, ms: npmScript(script).reduce((n, r) => n + ms(r), 0) }))
    .filter((step) => step.ms > 0);
  const steps = [
    { name: `install (npm ${install?.argv[1] ?? "ci"})`, ms: ms(install) },
    { name: "build (npm run build)", ms: ms(build) },
    { name: "type check (tsc --noEmit)", ms: ms(typecheck) },
    { name: "jest", ms: ms(jest) },
    ...engineSteps,
  ];
  const accounted = steps.reduce((n, s) => n + s.ms, 0);
  return [...steps, { name: "rest (npm and bash start-up, git)", ms: Math.max(0, totalMs - accounted) }];
}

function timedRun(command: string, cwd: string, log: string): CiRun {
  const nodeOptions = [process.env.NODE_OPTIONS, `--require ${TIMER}`].filter(Boolean).join(" ");
  const out = run("bash", ["-c", command], { cwd, check: false, env: { BENCH_CI_TIMER_LOG: log, NODE_OPTIONS: nodeOptions, CI: "true" } });
  const records = existsSync(log)
    ? readFileSync(log, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as ProcessRecord)
    : [];
  const ok = out.status === 0;
  const errorLines = `${out.stdout}\n${out.stderr}`.split("\n").filter((l) => /error|fail/i.test(l));
  return { command, ok, totalMs: out.wallMs, steps: splitSteps(records, out.wallMs), failure: ok ? undefined : errorLines.slice(0, 6).join("\n") };
}

interface JestJson {
  readonly numTotalTests: number;
  readonly testResults: readonly {
    readonly name: string;
    readonly startTime: number;
    readonly endTime: number;
    readonly assertionResults: readonly { readonly fullName: string; readonly duration?: number | null }[];
  }[];
}

function jestProfile(clone: string, dir: string): CiResults["jest"] {
  const file = join(dir, "jest.json");
  const out = run("npx", ["jest", "--json", `--outputFile=${file}`], { cwd: clone, check: false });
  if (!existsSync(file)) return undefined;
  const json = JSON.parse(readFileSync(file, "utf8")) as JestJson;
  const slowestFiles = json.testResults
    .map((t) => ({ name: relative(clone, t.name), ms: t.endTime - t.startTime, tests: t.assertionResults.length }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 8);
  const slowestTests = json.testResults
    .flatMap((t) => t.assertionResults.map((a) => ({ name: `${relative(clone, t.name)}: ${a.fullName}`, ms: a.duration ?? 0 })))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 5);
  return { wallMs: out.wallMs, files: json.testResults.length, tests: json.numTotalTests, slowestFiles, slowestTests };
}

export function benchCi(log: (line: string) => void): CiResults {
  const dir = mkdtempSync(join(tmpdir(), "bench-ci-"));
  try {
    const clone = join(dir, "repo");
    run("git", ["clone", "-q", ROOT, clone]);
    const shared = join(ROOT, "..", "shared");
    if (existsSync(shared)) symlinkSync(shared, join(dir, "shared"));
    const commit = run("git", ["rev-parse", "--short", "HEAD"], { cwd: clone }).stdout.trim();
    log(`ci: bash .ci/run on a clean clone of ${commit} (once)`);
    const ciRun = timedRun("bash .ci/run", clone, join(dir, "ci.jsonl"));
    let fallback: CiRun | undefined;
    if (!ciRun.ok && !ciRun.steps.some((s) => s.name.startsWith("jest") && s.ms > 0)) {
      log("ci: .ci/run failed before the tests; timing the same steps with npm install instead of npm ci");
      rmSync(join(clone, "node_modules"), { recursive: true, force: true });
      fallback = timedRun("npm install --no-audit --no-fund --prefer-offline && npm test", clone, join(dir, "fallback.jsonl"));
    }
    log("ci: jest --json for per-file timings (a second jest run)");
    const jest = jestProfile(clone, dir);
    return { commit, ciRun, fallback, jest };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

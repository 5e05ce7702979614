/**
 * README "Add an environment", done literally in a temporary copy of the repository: copy
 * environments/staging.ts to qa.ts and make the edits the steps list, add the index entry, then run
 * what step 3 and the address-lock README promise: `npm run synth`, the offline checks, the lock
 * check (no lock change for a new environment) and the stack tests, all in the copy.
 *
 * The copy holds the working tree without .git, node_modules (a symlink to ours), dist and cdktf.out;
 * `npm run synth` rebuilds dist there. The test edits only the copy.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { testCsr } from "../tools/test-csr";

const ROOT = join(__dirname, "..");
const SKIPPED = new Set([".git", "node_modules", "dist", "cdktf.out", "coverage"]);

/** Replaces exactly one occurrence of `from` (a step of the README that no longer fits the file fails here, saying which). */
function edit(text: string, from: string | RegExp, to: string, step: string): string {
  const count = typeof from === "string" ? text.split(from).length - 1 : (text.match(new RegExp(from.source, from.flags.includes("g") ? from.flags : `${from.flags}g`)) ?? []).length;
  if (count !== 1) throw new Error(`README step "${step}": expected one ${String(from)} in the copied file, found ${count}`);
  return text.replace(from, to);
}

function run(cwd: string, command: string, args: readonly string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, CHECKPOINT_DISABLE: "1" };
  // The copy must behave like a plain checkout: no emulator or local-state mode leaking in from the caller.
  delete env.IOT_STATE;
  delete env.IOT_AWS_ENDPOINT;
  const result = spawnSync(command, args, { cwd, env, encoding: "utf8", timeout: 240_000 });
  return { status: result.status, output: `${result.stdout ?? ""}${result.stderr ?? ""}`, stdout: result.stdout ?? "" };
}

describe("README: add an environment, followed literally in a copy of the repository", () => {
  let copy: string;

  beforeAll(() => {
    copy = mkdtempSync(join(tmpdir(), "add-environment-"));
    cpSync(ROOT, copy, { recursive: true, filter: (src) => !SKIPPED.has(relative(ROOT, src).split(sep)[0]) });
    symlinkSync(join(ROOT, "node_modules"), join(copy, "node_modules"), "dir");

    // Step 1: copy staging.ts and make the edits the step lists.
    let qa = readFileSync(join(copy, "environments", "staging.ts"), "utf8");
    qa = edit(qa, "export const staging: EnvironmentConfigInput", "export const qa: EnvironmentConfigInput", "rename the exported constant");
    qa = edit(qa, /namePrefix: "[a-z0-9]+"/, 'namePrefix: "iotqa"', "set namePrefix");
    qa = edit(qa, /(account: \{ id: "\d{12}", region: )"[a-z0-9-]+"/, '$1"eu-central-1"', "choose account.region");
    // Its own devices: the staging things renamed, each with a CSR of its new name.
    const things = [...qa.matchAll(/name: "(Thermostat-S\d+)"/g)].map((m) => m[1]);
    expect(things.length).toBeGreaterThan(0);
    for (const name of things) {
      const renamed = name.replace("Thermostat-S", "Thermostat-Q");
      qa = edit(qa, `name: "${name}"`, `name: "${renamed}"`, "set the devices");
      qa = edit(qa, new RegExp(`csrPath: "[^"]*${name}\\.csr"`), `csrPath: "environments/csr/qa-${renamed}.csr"`, "set the devices");
      writeFileSync(join(copy, "environments", "csr", `qa-${renamed}.csr`), testCsr(renamed));
    }
    writeFileSync(join(copy, "environments", "qa.ts"), qa);

    // Step 2: the import and the entry in environments/index.ts.
    let index = readFileSync(join(copy, "environments", "index.ts"), "utf8");
    index = edit(index, /^(import .*;\n)(?![\s\S]*^import )/m, '$1import { qa } from "./qa";\n', "add the import");
    index = edit(index, /\n\};\s*$/, "\n  qa,\n};\n", "add the entry");
    writeFileSync(join(copy, "environments", "index.ts"), index);
  });

  afterAll(() => {
    if (copy) rmSync(copy, { recursive: true, force: true });
  });

  it("step 3: synth, the offline checks, the lock check and the stack tests pass with the new environment", () => {
    const synth = run(copy, "npm", ["run", "-s", "synth"]);
    expect({ status: synth.status, output: synth.status === 0 ? "" : synth.output }).toEqual({ status: 0, output: "" });
    for (const stack of ["iotqa-staging-data", "iotqa-staging-platform"]) expect(existsSync(join(copy, "cdktf.out", "stacks", stack, "cdk.tf.json"))).toBe(true);

    const checks = run(copy, process.execPath, [join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), "scripts/check.ts"]);
    expect({ status: checks.status, output: checks.status === 0 ? "" : checks.output }).toEqual({ status: 0, output: "" });
    // Every synthesized stack was checked, the new ones included.
    expect(checks.stdout).toMatch(new RegExp(`^${readdirSync(join(copy, "cdktf.out", "stacks")).length} stack\\(s\\): 0 unwaived finding`, "m"));

    // tools/address-lock/README.md: a new environment never needs a lock change.
    const locks = run(copy, process.execPath, [join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), "scripts/address-lock.ts", "check"]);
    expect({ status: locks.status, output: locks.status === 0 ? "" : locks.output }).toEqual({ status: 0, output: "" });
    expect(locks.stdout).toMatch(/iotqa-staging-data: no lock file yet/);

    // The stack tests of the copy, which take their expectations from its environments/index.ts.
    const jest = run(copy, process.execPath, [join(ROOT, "node_modules", "jest", "bin", "jest.js"), "-i", "--json", "test/stacks.test.ts", "test/product-lines.test.ts", "test/change-safety.test.ts"]);
    const report = JSON.parse(jest.stdout.slice(jest.stdout.indexOf("{"))) as {
      numFailedTests: number;
      numPassedTests: number;
      testResults: { assertionResults: { title: string; status: string; failureMessages: string[] }[] }[];
    };
    const results = report.testResults.flatMap((r) => r.assertionResults);
    expect(results.filter((r) => r.status === "failed").map((r) => `${r.title}\n${r.failureMessages.join("\n")}`)).toEqual([]);
    expect(report.numPassedTests).toBeGreaterThan(50);
    // The per-environment cases ran for the new environment too.
    expect(results.filter((r) => /^(qa|iotqa-staging-platform)\b/.test(r.title) && r.status === "passed").length).toBeGreaterThanOrEqual(5);
  }, 300_000);
});

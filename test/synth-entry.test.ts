/**
 * What `npm run synth` prints for a bad environment file (issue 17 item 17): the message that
 * names the environment, the fields and the fix, and exit code 1; no stack trace, no object dump.
 *
 * The entry (main.ts) is bundled the way scripts/build-app.mjs bundles it into dist/app/main.js,
 * with its `./environments` import pointed at a temporary file, and run with node as a process.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { environments } from "../environments";
import { EnvironmentConfigError, resolveEnvironment } from "../lib/config-schema";

const ROOT = join(__dirname, "..");
const MAIN = join(ROOT, "main.ts");

/** Under dist/ (git-ignored) so the bundle finds node_modules and the repository root (cdktf.json) as dist/app/main.js does. */
let bundleDir: string;
/** The synth's working directory: cdktf.out goes here, never into the repository. */
let runDir: string;

beforeAll(() => {
  bundleDir = mkdtempSync(join(ROOT, "dist", "synth-entry-test-"));
  runDir = mkdtempSync(join(tmpdir(), "synth-entry-run-"));
});

afterAll(() => {
  rmSync(bundleDir, { recursive: true, force: true });
  rmSync(runDir, { recursive: true, force: true });
});

/** Bundles main.ts with `export const environments = <environmentsExpression>` in place of ./environments, runs it. */
async function synthWith(name: string, environmentsExpression: string, extraEnv: NodeJS.ProcessEnv = {}) {
  const envFile = join(bundleDir, `${name}.environments.ts`);
  writeFileSync(envFile, `import { environments as checkedIn } from ${JSON.stringify(join(ROOT, "environments"))};\nexport const environments: Record<string, unknown> = ${environmentsExpression};\n`);
  const outfile = join(bundleDir, `${name}.main.js`);
  await build({
    absWorkingDir: ROOT,
    entryPoints: [MAIN],
    outfile,
    bundle: true,
    packages: "external",
    platform: "node",
    target: "node20",
    format: "cjs",
    logLevel: "silent",
    plugins: [
      {
        name: "environments-under-test",
        setup(b) {
          b.onResolve({ filter: /^\.\/environments$/ }, (args) => (args.importer === MAIN ? { path: envFile } : undefined));
        },
      },
    ],
  });
  const env: NodeJS.ProcessEnv = { ...process.env, CHECKPOINT_DISABLE: "1" };
  delete env.IOT_STATE;
  delete env.IOT_AWS_ENDPOINT;
  return spawnSync(process.execPath, [outfile], { cwd: runDir, encoding: "utf8", env: { ...env, ...extraEnv }, timeout: 60_000 });
}

function configErrorOf(input: unknown, label: string): string {
  try {
    resolveEnvironment(input, label);
  } catch (e) {
    if (e instanceof EnvironmentConfigError) return e.message;
    throw e;
  }
  throw new Error("expected the config to be rejected");
}

describe("npm run synth on a bad environment config", () => {
  it("prints the environment, the fields and the fix, nothing more, and exits 1", async () => {
    const run = await synthWith("bad-account", `{ ...checkedIn, dev: { ...(checkedIn.dev as object), account: { id: "123", region: "eu-west-1" } } }`);
    const badDev = { ...(environments.dev as object), account: { id: "123", region: "eu-west-1" } };
    expect(run.status).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(`${configErrorOf(badDev, "dev")}\n`);
    expect(run.stderr).toMatch(/^Invalid environment config "dev":\n {2}- account\.id: must be a 12-digit AWS account id/);
    expect(run.stderr.trimEnd().split("\n").pop()).toBe("Fix the field(s) above in environments/dev.ts.");
  }, 60_000);

  it("does the same for a rule spanning environments (two product lines sharing stack names)", async () => {
    const run = await synthWith("shared-names", `{ ...checkedIn, "hvac-dev": { ...(checkedIn["hvac-dev"] as object), namePrefix: "iot" } }`);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(
      'Environments "dev" and "hvac-dev" both have namePrefix "iot" and environment "dev", so their stacks and resources would share the names "iot-dev-...". ' +
        'Give "hvac-dev" its own namePrefix in environments/hvac-dev.ts (2-10 lowercase letters or digits, e.g. "iothvacdev")\n',
    );
  }, 60_000);

  it("prints only the message for a bad IOT_AWS_ENDPOINT (emulator mode), naming the variable", async () => {
    const run = await synthWith("bad-endpoint", "checkedIn", { IOT_AWS_ENDPOINT: "http://10.0.0.5:4566" });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^IOT_AWS_ENDPOINT="http:\/\/10\.0\.0\.5:4566" is invalid: .*\n$/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);

  it("keeps the stack trace of anything that is not a config error (a bug)", async () => {
    const run = await synthWith("bug", `{ get dev(): unknown { throw new Error("not a config error"); } }`);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/Error: not a config error\n\s+at /);
  }, 60_000);

  it("synthesizes the checked-in environments as before", async () => {
    const run = await synthWith("checked-in", "checkedIn");
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: "" });
  }, 60_000);
});

/**
 * The package as another product line gets it: `npm pack`, the tarball unpacked into a new
 * project outside the repository, the README's worked example as its main.ts, type-checked
 * with `moduleResolution` node and node16, then synthesized. The project's other dependencies
 * (cdktf, constructs, the provider, typescript) are the repository's node_modules, linked in:
 * installing them from a registry is npm's job, not what this test is about.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(__dirname, "..");
const PACKAGE = "@iot-shadow/platform";
const STACK = "plug-dev";
const work = mkdtempSync(join(tmpdir(), "consumer-package-"));
const consumer = join(work, "plug-platform");
const installed = join(consumer, "node_modules", ...PACKAGE.split("/"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  /** stdout and stderr. */
  readonly output: string;
}

function run(command: string, args: readonly string[], cwd: string): Run {
  // No CDKTF_* from the environment (an outdir or context set for the repository's own synth).
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("CDKTF_")));
  const r = spawnSync(command, args, { cwd, encoding: "utf8", env: { ...env, npm_config_offline: "true", npm_config_update_notifier: "false" } });
  return { status: r.status, stdout: r.stdout ?? "", output: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}` };
}

/** The first ts block of the README's "Reuse in another product line" section: the worked example. */
function workedExample(): string {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const section = readme.split("\n## Reuse in another product line\n")[1]?.split(/\n## /)[0] ?? "";
  const block = section.match(/^```ts\n([\s\S]*?)^```$/m)?.[1];
  if (!block) throw new Error('README.md "## Reuse in another product line" has no ```ts block (the worked example)');
  return block;
}

const tsc = (project: string) => run(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", project], consumer);
const tsconfig = (moduleResolution: "node" | "node16", extra: Record<string, unknown>) => ({
  compilerOptions: {
    target: "ES2022",
    module: moduleResolution === "node" ? "commonjs" : "node16",
    moduleResolution,
    lib: ["ES2022"],
    strict: true,
    skipLibCheck: true,
    types: ["node"],
    ...extra,
  },
  files: ["main.ts"],
});

let packed: { filename: string; files: { path: string }[] };
/** `tsc -p tsconfig.json` (moduleResolution node, emitting dist/main.js), run once in beforeAll. */
let compiled: Run;

beforeAll(() => {
  const pack = run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], root);
  if (pack.status !== 0) throw new Error(`npm pack failed:\n${pack.output}`);
  [packed] = JSON.parse(pack.stdout);

  mkdirSync(installed, { recursive: true });
  const untar = run("tar", ["-xzf", join(work, packed.filename), "-C", installed, "--strip-components=1"], work);
  if (untar.status !== 0) throw new Error(`tar failed:\n${untar.output}`);
  for (const name of readdirSync(join(root, "node_modules"))) {
    if (name !== "@iot-shadow" && !name.startsWith(".")) symlinkSync(join(root, "node_modules", name), join(consumer, "node_modules", name));
  }
  writeFileSync(
    join(consumer, "package.json"),
    JSON.stringify({ name: "plug-platform", version: "1.0.0", private: true, dependencies: { [PACKAGE]: `file:../${packed.filename}` } }, null, 2),
  );
  writeFileSync(join(consumer, "main.ts"), workedExample());
  writeFileSync(join(consumer, "tsconfig.json"), JSON.stringify(tsconfig("node", { outDir: "dist", rootDir: "." }), null, 2));
  writeFileSync(join(consumer, "tsconfig.node16.json"), JSON.stringify(tsconfig("node16", { noEmit: true }), null, 2));
  compiled = tsc("tsconfig.json");
}, 180_000);

describe("the packed package in a consumer project", () => {
  it("ships the modules with declarations and the built function bundles", () => {
    const files = packed.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(["dist/package/modules/index.d.ts", "dist/package/modules/shadow-processor/index.js", "dist/functions/shadow-history/index.js"]));
    // The shipped bundle is the one this repository builds and tests.
    expect(readFileSync(join(installed, "dist/functions/shadow-history/index.js")).equals(readFileSync(join(root, "dist/functions/shadow-history/index.js")))).toBe(true);
  });

  it('type-checks the README example under "moduleResolution": "node" (typesVersions) and compiles it', () => {
    expect(compiled.output).toBe("");
    expect(compiled.status).toBe(0);
  });

  it('type-checks it under "moduleResolution": "node16" (exports)', () => {
    const r = tsc("tsconfig.node16.json");
    expect(r.output).toBe("");
    expect(r.status).toBe(0);
  }, 120_000);

  it("synthesizes a Lambda whose asset is the zip of the shipped shadow-history bundle", () => {
    expect(existsSync(join(consumer, "dist", "main.js"))).toBe(true); // compiled in beforeAll
    const synth = run(process.execPath, ["dist/main.js"], consumer);
    if (synth.status !== 0) throw new Error(`synth of the consumer failed (${synth.status}):\n${synth.output}`);
    const stackDir = join(consumer, "cdktf.out", "stacks", STACK);
    const tf = JSON.parse(readFileSync(join(stackDir, "cdk.tf.json"), "utf8"));

    const functions = Object.values(tf.resource.aws_lambda_function ?? {}) as Record<string, any>[];
    expect(functions.map((f) => f.function_name)).toEqual(["plug-dev-shadow-history"]);
    const [fn] = functions;
    expect(fn.environment.variables.TABLE_NAME).toMatch(/^\$\{aws_dynamodb_table\.[\w-]+\.name\}$/);
    const zip = readFileSync(join(stackDir, fn.filename));
    expect(fn.source_code_hash).toBe(createHash("sha256").update(zip).digest("base64"));
    // Entries are stored, not deflated: the shipped index.js appears in the zip byte for byte.
    expect(zip.includes(readFileSync(join(installed, "dist/functions/shadow-history/index.js")))).toBe(true);

    // The rules invoke it: every topic rule's Lambda action targets the function.
    const rules = Object.values(tf.resource.aws_iot_topic_rule ?? {}) as Record<string, any>[];
    const targets = rules.flatMap((r) => (r.lambda ?? []).map((l: { function_arn: string }) => l.function_arn));
    expect(targets.length).toBeGreaterThan(0);
    for (const t of targets) expect(t).toMatch(/^\$\{aws_lambda_function\.[\w-]+\.arn\}$/);
  }, 120_000);
});

/**
 * Deliberately broken stacks through every layer: the real `tofu validate` (provider
 * schema and validators from the mirror), real checkov, and our offline checks. Every
 * case must be rejected by at least one, and which layer catches what is the table in
 * tools/offline-checks/README.md ("Which layer catches what"), kept equal here.
 * Needs `npm run tools:terraform` and `npm run synth`.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCheckov } from "../../tools/engine/checkov";
import { evaluateStack } from "../../tools/offline-checks";
import { requireManifest } from "../../tools/engine/manifest";
import { toolPaths } from "../../tools/engine/paths";
import { prepareWorkDir, runValidate } from "../../tools/engine/validate";

type Json = Record<string, any>;
const ROOT = join(__dirname, "..", "..");
const read = (file: string): Json => JSON.parse(readFileSync(file, "utf8"));
const BASE_STACK = "iot-dev-platform";
const base = () => read(join(ROOT, "cdktf.out", "stacks", BASE_STACK, "cdk.tf.json"));

/** The first resource of a type in the stack: construct ids change, types do not. */
function first(j: Json, type: string): Json {
  const block = j.resource?.[type];
  const name = block && Object.keys(block)[0];
  if (!name) throw new Error(`${BASE_STACK} has no ${type}; pick another base stack for this case`);
  return block[name];
}

interface Case {
  readonly name: string;
  readonly stack: () => Json;
}

const mutate = (name: string, change: (j: Json) => void): Case => ({
  name,
  stack: () => {
    const j = base();
    change(j);
    return j;
  },
});

const CASES: readonly Case[] = [
  mutate("hyphen in a topic rule name", (j) => (first(j, "aws_iot_topic_rule").name = "iot-dev-shadow-documents")),
  mutate("unescaped ${iot:Connection.Thing.ThingName}", (j) => {
    const policy = first(j, "aws_iot_policy");
    policy.policy = String(policy.policy).replace(/\$\$\{iot:/g, "${iot:");
  }),
  mutate("invalid log retention value", (j) => (first(j, "aws_cloudwatch_log_group").retention_in_days = 401)),
  mutate("missing required argument", (j) => delete first(j, "aws_iot_topic_rule").sql),
  mutate("dangling reference", (j) => (first(j, "aws_lambda_function").dead_letter_config.target_arn = "${aws_sqs_queue.gone.arn}")),
  mutate("invalid enum value (tracing mode active)", (j) => (first(j, "aws_lambda_function").tracing_config.mode = "active")),
  { name: "unencrypted queue (fixture)", stack: () => read(join(ROOT, "test/fixtures/broken-stacks/checkov-only/stacks/queue-unencrypted/cdk.tf.json")) },
];

interface Layers {
  readonly validate: boolean;
  readonly checkov: boolean;
  readonly offline: boolean;
}

/** Rows of the README table: `| case | tofu validate | checkov | offline checks |` with yes/no. */
function documentedLayers(): Map<string, Layers> {
  const readme = readFileSync(join(ROOT, "tools/offline-checks/README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Which layer catches what"));
  const rows = new Map<string, Layers>();
  for (const line of section.split("\n")) {
    const m = /^\| (.+?) \| (yes|no) \| (yes|no) \| (yes|no) \|/.exec(line);
    if (m) rows.set(m[1].replace(/`/g, ""), { validate: m[2] === "yes", checkov: m[3] === "yes", offline: m[4] === "yes" });
  }
  return rows;
}

describe("broken stacks: tofu validate, checkov and the offline checks together", () => {
  const paths = toolPaths();
  const manifest = requireManifest(paths);
  const opts = { manifest, paths };
  const work = prepareWorkDir("broken-stacks", base(), join(ROOT, "cdktf.out", "stacks", BASE_STACK), opts);

  it("the unbroken base stack initialises against the mirror and validates clean", () => {
    expect(work.initError).toBeUndefined();
    expect(runValidate(work.dir, opts, base()).filter((d) => d.severity === "error")).toEqual([]);
    expect(evaluateStack(BASE_STACK, base()).findings.filter((f) => f.status === "FAIL")).toEqual([]);
  });

  const documented = documentedLayers();
  // One checkov run over every case (it takes seconds to start); base stack included to prove it is clean.
  const scanDir = mkdtempSync(join(tmpdir(), "broken-stacks-"));
  const caseDir = (i: number) => `case-${i}`;
  CASES.forEach((c, i) => {
    mkdirSync(join(scanDir, caseDir(i)));
    writeFileSync(join(scanDir, caseDir(i), "cdk.tf.json"), JSON.stringify(c.stack()));
  });
  mkdirSync(join(scanDir, "base"));
  writeFileSync(join(scanDir, "base", "cdk.tf.json"), JSON.stringify(base()));
  const checkov = runCheckov(scanDir, paths.venvBin, []);
  const checkovFailures = (dir: string) => new Set(checkov.failures.filter((f) => f.stack === dir).map((f) => `${f.checkId} ${f.address}`));
  const baseFailures = checkovFailures("base");

  it.each(CASES.map((c, i) => [c.name, c, i] as const))("%s is rejected by at least one layer, as documented", (_name, c, i) => {
    const stack = c.stack();
    const validateErrors = runValidate(work.dir, opts, stack).filter((d) => d.severity === "error");
    const offline = evaluateStack("broken", stack).findings.filter((f) => f.status === "FAIL");
    // checkov counts only what the break added: the base stack has its own (waived) findings.
    const newCheckov = [...checkovFailures(caseDir(i))].filter((f) => !baseFailures.has(f));
    const caught: Layers = { validate: validateErrors.length > 0, checkov: newCheckov.length > 0, offline: offline.length > 0 };
    expect(caught.validate || caught.checkov || caught.offline).toBe(true);
    expect({ case: c.name, ...caught }).toEqual({ case: c.name, ...documented.get(c.name) });
  });
});

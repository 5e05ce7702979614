/**
 * Deliberately broken stacks through both layers: the real `tofu validate` (provider
 * schema and validators from the mirror) and our offline checks. Every case must be
 * rejected by at least one, and which layer catches what is the table in
 * tools/offline-checks/README.md ("Which layer catches what"), kept equal here.
 * Needs `npm run tools:terraform` and `npm run synth`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
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
  mutate("invalid enum value", (j) => (first(j, "aws_lambda_function").tracing_config.mode = "active")),
  { name: "unencrypted queue (fixture)", stack: () => read(join(ROOT, "test/fixtures/broken-stacks/failing/stacks/queue-unencrypted/cdk.tf.json")) },
];

/** Rows of the README table: `| case | tofu validate | offline checks |` with yes/no. */
function documentedLayers(): Map<string, { validate: boolean; offline: boolean }> {
  const readme = readFileSync(join(ROOT, "tools/offline-checks/README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Which layer catches what"));
  const rows = new Map<string, { validate: boolean; offline: boolean }>();
  for (const line of section.split("\n")) {
    const m = /^\| (.+?) \| (yes|no) \| (yes|no) \|/.exec(line);
    if (m) rows.set(m[1].replace(/`/g, ""), { validate: m[2] === "yes", offline: m[3] === "yes" });
  }
  return rows;
}

describe("broken stacks: tofu validate and the offline checks together", () => {
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

  it.each(CASES.map((c) => [c.name, c] as const))("%s is rejected by at least one layer, as documented", (_name, c) => {
    const stack = c.stack();
    const validateErrors = runValidate(work.dir, opts, stack).filter((d) => d.severity === "error");
    const offline = evaluateStack("broken", stack).findings.filter((f) => f.status === "FAIL");
    const caught = { validate: validateErrors.length > 0, offline: offline.length > 0 };
    expect(caught.validate || caught.offline).toBe(true);
    expect({ case: c.name, ...caught }).toEqual({ case: c.name, ...documented.get(c.name) });
  });
});

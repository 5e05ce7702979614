/**
 * The offline security rules retired in favour of checkov (tools/offline-checks/README.md,
 * "Retired in favour of checkov") stay covered: each broken variant of a real stack
 * fails the named checkov check on the broken resource, and the unbroken stack does
 * not. Real checkov from the tool virtualenv; needs `npm run tools:terraform` and `npm run synth`.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCheckov } from "../../tools/engine/checkov";
import { toolPaths } from "../../tools/engine/paths";

type Json = Record<string, any>;
const ROOT = join(__dirname, "..", "..");
const stack = (name: string): Json => JSON.parse(readFileSync(join(ROOT, "cdktf.out", "stacks", name, "cdk.tf.json"), "utf8"));
const PLATFORM = "iot-prod-platform";
const DATA = "iot-prod-data";
const STATE = "iot-state-333333333333-eu-west-1";

/** The shadow-history processor for Lambda cases (the provisioning hook is invoked synchronously: no DLQ); else the first of the type. */
function firstName(j: Json, type: string): string {
  const names = Object.keys(j.resource?.[type] ?? {});
  const name = names.find((n) => type !== "aws_lambda_function" || n.startsWith("processor_function")) ?? names[0];
  if (!name) throw new Error(`no ${type} in the base stack`);
  return name;
}

interface Case {
  readonly retired: string;
  readonly check: string;
  readonly base: string;
  readonly type: string;
  readonly breakIt: (resource: Json, j: Json) => void;
}

/** One broken variant per retired rule: [retired offline rule, checkov check that replaces it]. */
const CASES: readonly Case[] = [
  { retired: "SEC001", check: "CKV_AWS_116", base: PLATFORM, type: "aws_lambda_function", breakIt: (r) => delete r.dead_letter_config },
  { retired: "SEC002", check: "CKV_AWS_50", base: PLATFORM, type: "aws_lambda_function", breakIt: (r) => delete r.tracing_config },
  { retired: "SEC003", check: "CKV_AWS_173", base: PLATFORM, type: "aws_lambda_function", breakIt: (r) => delete r.kms_key_arn },
  { retired: "SEC004", check: "CKV_AWS_115", base: PLATFORM, type: "aws_lambda_function", breakIt: (r) => delete r.reserved_concurrent_executions },
  { retired: "SEC005", check: "CKV_AWS_66", base: PLATFORM, type: "aws_cloudwatch_log_group", breakIt: (r) => delete r.retention_in_days },
  { retired: "SEC005", check: "CKV_AWS_338", base: PLATFORM, type: "aws_cloudwatch_log_group", breakIt: (r) => (r.retention_in_days = 30) },
  { retired: "SEC006", check: "CKV_AWS_158", base: PLATFORM, type: "aws_cloudwatch_log_group", breakIt: (r) => delete r.kms_key_id },
  { retired: "SEC007", check: "CKV_AWS_28", base: DATA, type: "aws_dynamodb_table", breakIt: (r) => (r.point_in_time_recovery.enabled = false) },
  { retired: "SEC008", check: "CKV_AWS_119", base: DATA, type: "aws_dynamodb_table", breakIt: (r) => delete r.server_side_encryption },
  { retired: "SEC009", check: "CKV_AWS_27", base: PLATFORM, type: "aws_sqs_queue", breakIt: (r) => delete r.kms_master_key_id },
  { retired: "SEC010", check: "CKV_AWS_26", base: PLATFORM, type: "aws_sns_topic", breakIt: (r) => delete r.kms_master_key_id },
  { retired: "SEC015", check: "CKV_AWS_7", base: DATA, type: "aws_kms_key", breakIt: (r) => (r.enable_key_rotation = false) },
  {
    retired: "SEC011",
    check: "CKV_AWS_21",
    base: STATE,
    type: "aws_s3_bucket",
    breakIt: (_r, j) => delete j.resource.aws_s3_bucket_versioning,
  },
  {
    retired: "SEC012",
    check: "CKV_AWS_145",
    base: STATE,
    type: "aws_s3_bucket",
    breakIt: (_r, j) => delete j.resource.aws_s3_bucket_server_side_encryption_configuration,
  },
  {
    retired: "SEC013",
    check: "CKV2_AWS_6",
    base: STATE,
    type: "aws_s3_bucket",
    breakIt: (_r, j) => delete j.resource.aws_s3_bucket_public_access_block,
  },
];

describe("checkov covers the retired offline security rules", () => {
  const dir = mkdtempSync(join(tmpdir(), "checkov-cases-"));
  const write = (name: string, j: Json) => {
    mkdirSync(join(dir, name), { recursive: true });
    writeFileSync(join(dir, name, "cdk.tf.json"), JSON.stringify(j));
  };
  const addresses = new Map<string, string>();
  for (const base of new Set(CASES.map((c) => c.base))) write(`base-${base}`, stack(base));
  CASES.forEach((c, i) => {
    const j = stack(c.base);
    const name = firstName(j, c.type);
    c.breakIt(j.resource[c.type][name], j);
    write(`case-${i}`, j);
    addresses.set(`case-${i}`, `${c.type}.${name}`);
  });
  const result = runCheckov(dir, toolPaths().venvBin, []);
  const failed = (stackName: string, check: string, address: string) =>
    result.failures.some((f) => f.stack === stackName && f.checkId === check && f.address === address);

  it("parses every variant", () => {
    expect(result.parsingErrors).toEqual([]);
  });

  it.each(CASES.map((c, i) => [`${c.retired} -> ${c.check}`, c, i] as const))("%s: fails on the broken resource, passes on the base", (_label, c, i) => {
    const address = addresses.get(`case-${i}`)!;
    expect(failed(`case-${i}`, c.check, address)).toBe(true);
    expect(failed(`base-${c.base}`, c.check, address)).toBe(false);
  });
});

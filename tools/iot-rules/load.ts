/**
 * Reads topic rules out of a synthesized stack (`cdk.tf.json`), turning the
 * Terraform escape `$${...}` back into the IoT template `${...}` it stands for.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { checkName } from "../../lib/aws-names";

export type RuleActionKind = "lambda" | "cloudwatch_metric" | "sqs" | "cloudwatch_logs";

export type TopicRuleAction =
  | { readonly kind: "lambda"; readonly functionArn: string }
  | {
      readonly kind: "cloudwatch_metric";
      readonly metricName: string;
      readonly metricNamespace: string;
      readonly metricValue: string;
      readonly metricUnit: string;
      readonly metricTimestamp?: string;
      readonly roleArn: string;
    }
  | { readonly kind: "sqs"; readonly queueUrl: string; readonly roleArn: string; readonly useBase64: boolean }
  | { readonly kind: "cloudwatch_logs"; readonly logGroupName: string; readonly roleArn: string; readonly batchMode?: boolean }
  /** An action the local engine cannot route (dynamodb, republish, s3, ...): kept so a caller can refuse it loudly. */
  | { readonly kind: "other"; readonly type: string; readonly config: Readonly<Record<string, unknown>> };

export interface TopicRuleDef {
  /** Key under `resource.aws_iot_topic_rule` (the construct's logical ID). */
  readonly logicalId: string;
  readonly name: string;
  /** IoT SQL with Terraform escapes removed. */
  readonly sql: string;
  readonly sqlVersion?: string;
  readonly enabled: boolean;
  readonly description?: string;
  readonly actions: readonly TopicRuleAction[];
  readonly errorAction?: TopicRuleAction;
}

/** Every action block `aws_iot_topic_rule` accepts (provider 6.x). */
const ACTION_BLOCKS = new Set([
  "cloudwatch_alarm", "cloudwatch_logs", "cloudwatch_metric", "dynamodb", "dynamodbv2", "elasticsearch", "firehose", "http",
  "iot_analytics", "iot_events", "kafka", "kinesis", "lambda", "republish", "s3", "sns", "sqs", "step_functions", "timestream",
]);
/** Meta-arguments that would make one block stand for several rules: not expandable offline. */
const MULTIPLYING_ARGUMENTS = ["count", "for_each", "dynamic"];

/** `$${` → `${` (and `%%{` → `%{`): what Terraform itself does with the escapes. */
export function unescapeTerraform(text: string): string {
  return text.replace(/\$\$\{/g, () => "${").replace(/%%\{/g, () => "%{");
}

/** True when `text` holds a real Terraform interpolation or directive (not the escaped form). */
export function hasTerraformInterpolation(text: string): boolean {
  return /(?<![$%])[$%]\{/.test(text);
}

/** All `aws_iot_topic_rule` resources of one synthesized stack, sorted by rule name. */
export function loadTopicRules(tfJson: object): TopicRuleDef[] {
  const resources = ((tfJson as { resource?: Record<string, unknown> }).resource ?? {}).aws_iot_topic_rule;
  if (resources === undefined) return [];
  if (!isRecord(resources)) throw new Error("resource.aws_iot_topic_rule must be an object keyed by logical ID");
  return Object.entries(resources)
    .map(([logicalId, config]) => toRule(logicalId, config))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export interface SynthesizedStack {
  readonly name: string;
  readonly tfJson: object;
}

/** The stacks of a `cdktf.out` directory, via its manifest.json, sorted by name. */
export function readSynthesizedStacks(outDir: string): SynthesizedStack[] {
  const manifest = JSON.parse(readFileSync(join(outDir, "manifest.json"), "utf8")) as {
    stacks?: Record<string, { synthesizedStackPath?: string }>;
  };
  if (!isRecord(manifest.stacks)) throw new Error(`${join(outDir, "manifest.json")} has no "stacks" object; run the synth first`);
  return Object.entries(manifest.stacks)
    .map(([name, entry]) => {
      if (typeof entry.synthesizedStackPath !== "string") throw new Error(`manifest stack ${name} has no synthesizedStackPath`);
      return { name, tfJson: JSON.parse(readFileSync(join(outDir, entry.synthesizedStackPath), "utf8")) as object };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

function toRule(logicalId: string, config: unknown): TopicRuleDef {
  const where = `aws_iot_topic_rule.${logicalId}`;
  if (!isRecord(config)) throw new Error(`${where} must be an object`);
  for (const arg of MULTIPLYING_ARGUMENTS) {
    if (arg in config) throw new Error(`${where} uses "${arg}"; the local rule loader cannot expand it, so give each rule its own resource`);
  }
  const name = literal(config.name, `${where}.name`);
  const problem = checkName("iotTopicRule", name);
  if (problem) throw new Error(`${where}.name: ${problem}`);
  const enabled = config.enabled;
  if (typeof enabled !== "boolean") throw new Error(`${where}.enabled must be a literal boolean, got ${JSON.stringify(enabled)}`);

  const actions: TopicRuleAction[] = [];
  for (const [key, value] of Object.entries(config)) {
    if (!ACTION_BLOCKS.has(key)) continue;
    for (const block of toArray(value)) actions.push(toAction(key, block, `${where}.${key}`));
  }
  const errorBlocks = config.error_action === undefined ? [] : toArray(config.error_action);
  if (errorBlocks.length > 1) throw new Error(`${where}.error_action must be a single block`);
  let errorAction: TopicRuleAction | undefined;
  if (errorBlocks.length === 1) {
    const block = errorBlocks[0];
    if (!isRecord(block)) throw new Error(`${where}.error_action must be an object`);
    const kinds = Object.keys(block).filter((k) => ACTION_BLOCKS.has(k));
    if (kinds.length !== 1) throw new Error(`${where}.error_action must hold exactly one action, found ${kinds.join(", ") || "none"}`);
    const [inner] = toArray(block[kinds[0]]);
    errorAction = toAction(kinds[0], inner, `${where}.error_action.${kinds[0]}`);
  }

  return {
    logicalId,
    name,
    sql: literal(config.sql, `${where}.sql`),
    sqlVersion: config.sql_version === undefined ? undefined : literal(config.sql_version, `${where}.sql_version`),
    enabled,
    description: typeof config.description === "string" ? unescapeTerraform(config.description) : undefined,
    actions,
    errorAction,
  };
}

function toAction(kind: string, block: unknown, where: string): TopicRuleAction {
  if (!isRecord(block)) throw new Error(`${where} must be an object`);
  switch (kind) {
    case "lambda":
      return { kind, functionArn: reference(block.function_arn, `${where}.function_arn`) };
    case "cloudwatch_metric":
      return {
        kind,
        metricName: literal(block.metric_name, `${where}.metric_name`),
        metricNamespace: literal(block.metric_namespace, `${where}.metric_namespace`),
        metricValue: literal(block.metric_value, `${where}.metric_value`),
        metricUnit: literal(block.metric_unit, `${where}.metric_unit`),
        metricTimestamp: block.metric_timestamp === undefined ? undefined : literal(block.metric_timestamp, `${where}.metric_timestamp`),
        roleArn: reference(block.role_arn, `${where}.role_arn`),
      };
    case "sqs":
      return { kind, queueUrl: reference(block.queue_url, `${where}.queue_url`), roleArn: reference(block.role_arn, `${where}.role_arn`), useBase64: block.use_base64 === true };
    case "cloudwatch_logs":
      return {
        kind,
        logGroupName: reference(block.log_group_name, `${where}.log_group_name`),
        roleArn: reference(block.role_arn, `${where}.role_arn`),
        batchMode: typeof block.batch_mode === "boolean" ? block.batch_mode : undefined,
      };
    default:
      return { kind: "other", type: kind, config: block };
  }
}

/** A value the local engine evaluates: it must not depend on Terraform (no real `${...}`). */
function literal(value: unknown, where: string): string {
  if (typeof value !== "string") throw new Error(`${where} must be a string, got ${JSON.stringify(value)}`);
  if (hasTerraformInterpolation(value)) {
    throw new Error(`${where} holds a Terraform interpolation (${value}) that only Terraform can resolve; escape IoT templates as $\${...} (lib/iot-template.ts)`);
  }
  return unescapeTerraform(value);
}

/** A value only passed along (ARN, URL): Terraform references stay as written. */
function reference(value: unknown, where: string): string {
  if (typeof value !== "string") throw new Error(`${where} must be a string, got ${JSON.stringify(value)}`);
  return value;
}

function toArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** NAME rules: AWS name and format rules, taken from lib/aws-names (never re-stated here). */
import { AWS_ACCOUNT_ID, AWS_REGION, MAX_TAGS_PER_RESOURCE, NameContext, NameRuleId, checkName, partitionOf } from "../../../lib/aws-names";
import type { RuleId } from "../catalog";
import { maskInterpolations } from "../expressions";
import { Json, block, blocks, bool, collectStrings, isLiteral, isObject, str, strings } from "../json";
import { Block, StackModel } from "../model";
import { Outcome, RuleCheck, verdict } from "./rule";

/** Where each AWS name lives in the resource types the platform emits. */
export interface NameField {
  readonly type: string;
  readonly attribute: string;
  readonly rule: NameRuleId;
  readonly ruleId: RuleId;
}

export const NAME_FIELDS: readonly NameField[] = [
  { type: "aws_iot_topic_rule", attribute: "name", rule: "iotTopicRule", ruleId: "NAME001" },
  { type: "aws_iot_thing", attribute: "name", rule: "iotThing", ruleId: "NAME002" },
  { type: "aws_iot_thing_type", attribute: "name", rule: "iotThingType", ruleId: "NAME002" },
  { type: "aws_iot_thing_group", attribute: "name", rule: "iotThingGroup", ruleId: "NAME002" },
  { type: "aws_iot_thing_group", attribute: "parent_group_name", rule: "iotThingGroup", ruleId: "NAME002" },
  { type: "aws_iot_thing", attribute: "thing_type_name", rule: "iotThingType", ruleId: "NAME002" },
  { type: "aws_iot_policy", attribute: "name", rule: "iotPolicy", ruleId: "NAME003" },
  { type: "aws_iot_provisioning_template", attribute: "name", rule: "iotProvisioningTemplate", ruleId: "NAME003" },
  { type: "aws_dynamodb_table", attribute: "name", rule: "dynamodbTable", ruleId: "NAME004" },
  { type: "aws_lambda_function", attribute: "function_name", rule: "lambdaFunction", ruleId: "NAME005" },
  { type: "aws_iam_role", attribute: "name", rule: "iamRole", ruleId: "NAME006" },
  { type: "aws_iam_policy", attribute: "name", rule: "iamPolicy", ruleId: "NAME006" },
  { type: "aws_iam_role_policy", attribute: "name", rule: "iamPolicy", ruleId: "NAME006" },
  { type: "aws_cloudwatch_log_group", attribute: "name", rule: "logGroup", ruleId: "NAME007" },
  { type: "aws_sqs_queue", attribute: "name", rule: "sqsQueue", ruleId: "NAME008" },
  { type: "aws_sns_topic", attribute: "name", rule: "snsTopic", ruleId: "NAME008" },
  { type: "aws_s3_bucket", attribute: "bucket", rule: "s3Bucket", ruleId: "NAME009" },
  { type: "aws_kms_alias", attribute: "name", rule: "kmsAlias", ruleId: "NAME010" },
  { type: "aws_cloudwatch_metric_alarm", attribute: "alarm_name", rule: "cloudwatchAlarm", ruleId: "NAME010" },
  { type: "aws_cloudwatch_dashboard", attribute: "dashboard_name", rule: "cloudwatchDashboard", ruleId: "NAME010" },
  { type: "aws_ssm_parameter", attribute: "name", rule: "ssmParameter", ruleId: "NAME010" },
];

/** `attribute: problem` when the value is a literal string breaking the rule; references cannot be checked statically. */
function literalProblem(rule: NameRuleId, value: Json | undefined, attribute: string, context: NameContext = {}): string | undefined {
  const s = str(value);
  if (s === undefined || !isLiteral(s)) return undefined;
  const problem = checkName(rule, s, context);
  return problem && `${attribute}: ${problem}`;
}

/** Checks a record's literal keys and values against two name rules. */
function recordProblems(value: unknown, keyRule: NameRuleId, valueRule: NameRuleId, where: string): string[] {
  if (!isObject(value)) return [];
  const out: (string | undefined)[] = [];
  for (const [k, v] of Object.entries(value)) {
    if (isLiteral(k)) out.push(checkName(keyRule, k) && `${where} key: ${checkName(keyRule, k)}`);
    out.push(literalProblem(valueRule, v, `${where}["${k}"]`));
  }
  return out.filter((p): p is string => !!p);
}

const present = (problems: (string | undefined)[]): string[] => problems.filter((p): p is string => !!p);

/** The stack's region and partition, when its default AWS provider names a literal region (rules such as the SSM ARN length need them). */
function contextOf(stack: StackModel): NameContext {
  const provider = stack.providers.find((p) => p.name === "aws" && p.config.alias === undefined);
  const region = str(provider?.config.region);
  return region !== undefined && isLiteral(region) ? { region, partition: partitionOf(region) } : {};
}

type ExtraCheck = (b: Block, context: NameContext) => string[];

/** Names nested in blocks, or that must not join NAME_FIELDS (TF003 treats those as the type's unique name), by rule and type. */
const EXTRA: Partial<Record<RuleId, Readonly<Record<string, ExtraCheck>>>> = {
  NAME002: {
    aws_iot_thing: (b) => recordProblems(b.config.attributes, "iotAttributeKey", "iotAttributeValue", "attributes"),
    aws_iot_thing_type: (b) => {
      const properties = block(b.config.properties);
      const searchable = strings(properties?.searchable_attributes);
      const out = present([
        ...searchable.map((k) => literalProblem("iotAttributeKey", k, "properties.searchable_attributes")),
        literalProblem("iotDescription", properties?.description, "properties.description"),
      ]);
      if (searchable.length > 3) out.push(`properties.searchable_attributes has ${searchable.length} entries; AWS allows at most 3`);
      return out;
    },
    aws_iot_thing_group: (b) => {
      const properties = block(b.config.properties);
      return [
        ...recordProblems(block(properties?.attribute_payload)?.attributes, "iotAttributeKey", "iotAttributeValue", "properties.attribute_payload.attributes"),
        ...present([literalProblem("iotDescription", properties?.description, "properties.description")]),
      ];
    },
    // The fleet indexing filter takes AWS shadow names (iot.json NamedShadowNamesFilter of ShadowName).
    aws_iot_indexing_configuration: (b) =>
      present(
        blocks(b.config.thing_indexing_configuration).flatMap((c) =>
          blocks(c.filter).flatMap((f) => strings(f.named_shadow_names).map((n) => literalProblem("iotShadow", n, "thing_indexing_configuration.filter.named_shadow_names"))),
        ),
      ),
  },
  NAME003: {
    aws_iot_provisioning_template: (b) => present([literalProblem("iotProvisioningTemplateDescription", b.config.description, "description")]),
  },
  NAME004: {
    aws_dynamodb_table: (b) => {
      const indexes = [
        ...blocks(b.config.global_secondary_index).map((i) => ({ i, where: "global_secondary_index" })),
        ...blocks(b.config.local_secondary_index).map((i) => ({ i, where: "local_secondary_index" })),
      ];
      return present([
        ...blocks(b.config.attribute).map((a) => literalProblem("dynamodbAttribute", a.name, "attribute.name")),
        literalProblem("dynamodbAttribute", b.config.hash_key, "hash_key"),
        literalProblem("dynamodbAttribute", b.config.range_key, "range_key"),
        ...indexes.flatMap(({ i, where }) => [
          literalProblem("dynamodbIndex", i.name, `${where}.name`),
          literalProblem("dynamodbAttribute", i.hash_key, `${where}.hash_key`),
          literalProblem("dynamodbAttribute", i.range_key, `${where}.range_key`),
        ]),
        ...blocks(b.config.ttl).map((t) => literalProblem("dynamodbAttribute", t.attribute_name, "ttl.attribute_name")),
      ]);
    },
  },
  NAME005: {
    // Unique per function only, so not a NAME_FIELDS entry.
    aws_lambda_permission: (b) => present([literalProblem("lambdaStatementId", b.config.statement_id, "statement_id")]),
  },
  NAME008: Object.fromEntries(
    (["aws_sqs_queue", "aws_sns_topic"] as const).map((type) => [
      type,
      (b: Block): string[] => {
        const name = str(b.config.name);
        if (name === undefined || !isLiteral(name)) return [];
        const what = type === "aws_sqs_queue" ? "queue" : "topic";
        const fifo = bool(type === "aws_sqs_queue" ? b.config.fifo_queue : b.config.fifo_topic) === true;
        const suffix = name.endsWith(".fifo");
        if (fifo && !suffix) return [`name "${name}" must end with ".fifo" for a FIFO ${what}`];
        if (!fifo && suffix) return [`name "${name}" ends with ".fifo" but the ${what} is not FIFO`];
        return [];
      },
    ]),
  ),
  NAME010: {
    aws_iot_topic_rule: (b) =>
      present(
        blocks(b.config.cloudwatch_metric).flatMap((m) => [
          literalProblem("cloudwatchNamespace", m.metric_namespace, "cloudwatch_metric.metric_namespace"),
          literalProblem("cloudwatchMetric", m.metric_name, "cloudwatch_metric.metric_name"),
        ]),
      ),
    aws_cloudwatch_metric_alarm: (b) =>
      present([
        // An alarm may watch AWS/... namespaces, so not the publishing rule (cloudwatchNamespace).
        literalProblem("cloudwatchAlarmNamespace", b.config.namespace, "namespace"),
        literalProblem("cloudwatchMetric", b.config.metric_name, "metric_name"),
        ...recordProblems(b.config.dimensions, "cloudwatchDimensionName", "cloudwatchDimensionValue", "dimensions"),
      ]),
    // Unique per scalable target only, so not a NAME_FIELDS entry.
    aws_appautoscaling_policy: (b) => present([literalProblem("appautoscalingPolicy", b.config.name, "name")]),
  },
};

function nameRule(id: RuleId): RuleCheck {
  const fields = NAME_FIELDS.filter((f) => f.ruleId === id);
  const extra = EXTRA[id] ?? {};
  const types = [...new Set([...fields.map((f) => f.type), ...Object.keys(extra)])];
  return {
    id,
    *run(stack: StackModel): Iterable<Outcome> {
      const context = contextOf(stack);
      for (const type of types) {
        for (const b of stack.ofType(type)) {
          const problems = fields.filter((f) => f.type === type).map((f) => literalProblem(f.rule, b.config[f.attribute], f.attribute, context));
          yield* verdict(b, [...problems, ...(extra[type]?.(b, context) ?? [])]);
        }
      }
    },
  };
}

function tagProblems(tags: Json | undefined, where: string): string[] {
  return recordProblems(tags, "tagKey", "tagValue", where);
}

function defaultTagsOf(provider: Block): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const dt of blocks(provider.config.default_tags)) if (isObject(dt.tags)) Object.assign(out, dt.tags);
  return out;
}

/** NAME011: at most 50 tags (resource tags merged over the provider's default_tags), valid keys and values. */
const tagsRule: RuleCheck = {
  id: "NAME011",
  *run(stack) {
    const defaults: Record<string, Json> = {};
    for (const p of stack.providers) {
      const own = defaultTagsOf(p);
      Object.assign(defaults, own);
      const count = Object.keys(own).length;
      yield* verdict(p, [
        ...tagProblems(own, "default_tags.tags"),
        count > MAX_TAGS_PER_RESOURCE ? `default_tags has ${count} tags; AWS allows ${MAX_TAGS_PER_RESOURCE}` : undefined,
      ]);
    }
    for (const b of stack.resources) {
      if (!isObject(b.config.tags)) continue;
      const merged = new Set([...Object.keys(defaults), ...Object.keys(b.config.tags)]);
      yield* verdict(b, [
        ...tagProblems(b.config.tags, "tags"),
        merged.size > MAX_TAGS_PER_RESOURCE ? `${merged.size} tags including provider default_tags; AWS allows ${MAX_TAGS_PER_RESOURCE}` : undefined,
      ]);
    }
  },
};

const PARTITION = /^aws(-cn|-us-gov|-iso|-iso-b)?$/;
/** Services of the platform whose ARNs always carry a region and an account. */
const REGIONAL_SERVICES = new Set(["iot", "dynamodb", "lambda", "sqs", "sns", "logs", "kms", "cloudwatch", "ssm", "events", "states", "xray"]);
const MASK = "\u0001";
const ARN_TOKEN = /(?<![\w:/.-])arn:[^\s"'`,;()<>{}[\]\\]+/g;

/** What is wrong with one ARN (interpolations masked), or undefined. */
export function arnProblem(masked: string): string | undefined {
  const parts = masked.split(":");
  if (parts.length < 6) return `has ${parts.length - 1} ':' separators; an ARN is arn:<partition>:<service>:<region>:<account>:<resource>`;
  const [, partition, service, region, account] = parts;
  const resource = parts.slice(5).join(":");
  const open = (v: string) => v.includes(MASK) || v.includes("*");
  if (!open(partition) && !PARTITION.test(partition)) return `partition "${partition}" is not aws, aws-cn or aws-us-gov`;
  if (!open(service) && !/^[a-z0-9-]+$/.test(service)) return `service "${service}" is invalid`;
  if (region && !open(region) && !AWS_REGION.test(region)) return `region "${region}" is not an AWS region`;
  if (service === "iam" && region) return `IAM ARNs have no region (found "${region}")`;
  if (account && !open(account) && !AWS_ACCOUNT_ID.test(account) && account !== "aws") return `account "${account}" is not a 12-digit account id`;
  if (REGIONAL_SERVICES.has(service) && (!region || !account)) return `${service} ARNs need a region and an account`;
  if (!resource) return "has no resource part";
  return undefined;
}

/** NAME012: every ARN written into a string, also when concatenated with `${...}` pieces. */
const arnRule: RuleCheck = {
  id: "NAME012",
  *run(stack) {
    for (const b of stack.allBlocks) {
      const problems: string[] = [];
      let seen = false;
      for (const { value, path } of collectStrings(b.config)) {
        for (const m of maskInterpolations(value, MASK).matchAll(ARN_TOKEN)) {
          seen = true;
          const problem = arnProblem(m[0]);
          if (problem) problems.push(`${path}: ARN "${m[0].replace(/\u0001/g, "${...}")}" ${problem}`);
        }
      }
      if (seen) yield* verdict(b, problems);
    }
  },
};

export const NAME_RULES: readonly RuleCheck[] = [
  ...(["NAME001", "NAME002", "NAME003", "NAME004", "NAME005", "NAME006", "NAME007", "NAME008", "NAME009", "NAME010"] as const).map(nameRule),
  tagsRule,
  arnRule,
];

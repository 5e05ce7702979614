/**
 * Every rule of the pack: stable id, what it checks, its checkov/trivy
 * equivalents and the fix. The README rule table is generated from this
 * (see ruleTableMarkdown) and a test keeps the two identical.
 */
import { AWS_NAME_RULES, MAX_TAGS_PER_RESOURCE, NameRule, NameRuleId } from "../../lib/aws-names";

export interface RuleMeta {
  readonly category: "names" | "structure" | "security";
  readonly severity: "error" | "info";
  /** What the rule checks, one line. */
  readonly checks: string;
  /** checkov ids, or terraform commands for structure rules; empty when there is none. */
  readonly checkov: readonly string[];
  readonly trivy: readonly string[];
  readonly fix: string;
}

/** "IoT topic rule name (letters, digits and underscores only (no hyphens); 1-128)", read from lib/aws-names so it cannot drift. */
function rules(...ids: NameRuleId[]): string {
  return ids
    .map((id) => {
      const r: NameRule = AWS_NAME_RULES[id];
      return `${r.label} (${r.allowed}; ${r.minLength}-${r.maxLength}${r.lengthInBytes ? " bytes" : ""})`;
    })
    .join("; ");
}

const names = (checks: string, fix: string): RuleMeta => ({ category: "names", severity: "error", checks, checkov: [], trivy: [], fix });
const structure = (checks: string, fix: string): RuleMeta => ({ category: "structure", severity: "error", checks, checkov: [], trivy: [], fix });
const security = (checks: string, checkov: string[], trivy: string[], fix: string, severity: "error" | "info" = "error"): RuleMeta => ({
  category: "security",
  severity,
  checks,
  checkov,
  trivy,
  fix,
});

export const RULES = {
  NAME001: names(rules("iotTopicRule"), "Build the name with `Naming.topicRule()` (underscores, no hyphens)"),
  NAME002: names(
    `${rules("iotThing", "iotThingType", "iotThingGroup")}; thing attribute keys and values; at most 3 searchable attributes; ` +
      `thing type and group descriptions: ${rules("iotDescription")}; fleet indexing filter named_shadow_names: ${rules("iotShadow")}`,
    "Rename to the allowed characters and length",
  ),
  NAME003: names(`${rules("iotPolicy", "iotProvisioningTemplate")}; template description: ${rules("iotProvisioningTemplateDescription")}`, "Rename to the allowed characters and length"),
  NAME004: names(
    `${rules("dynamodbTable", "dynamodbIndex")} (global and local secondary indexes); ${rules("dynamodbAttribute")} (attribute[].name, table and index hash/range keys, ttl.attribute_name)`,
    "Rename the table, index or attribute",
  ),
  NAME005: names(`${rules("lambdaFunction")}; aws_lambda_permission statement_id: ${rules("lambdaStatementId")}`, "Shorten or rename the function or statement id"),
  NAME006: names(rules("iamRole", "iamPolicy"), "Shorten or rename the role/policy (role and inline role policy names included)"),
  NAME007: names(rules("logGroup"), "Rename the log group (Lambda: `/aws/lambda/<function>`)"),
  NAME008: names(`${rules("sqsQueue", "snsTopic")}; \`.fifo\` suffix exactly when FIFO`, "Rename the queue/topic"),
  NAME009: names(rules("s3Bucket"), "Use a lowercase DNS-compatible bucket name"),
  NAME010: names(
    `${rules("kmsAlias", "cloudwatchAlarm", "cloudwatchDashboard", "ssmParameter")}; topic rule cloudwatch_metric: ${rules("cloudwatchNamespace", "cloudwatchMetric")}; ` +
      `alarm metric: ${rules("cloudwatchAlarmNamespace", "cloudwatchMetric", "cloudwatchDimensionName", "cloudwatchDimensionValue")}; aws_appautoscaling_policy name: ${rules("appautoscalingPolicy")}`,
    "Rename to the allowed characters and length",
  ),
  NAME011: names(`Tags: at most ${MAX_TAGS_PER_RESOURCE} per resource including provider default_tags; ${rules("tagKey", "tagValue")}`, "Drop or rename tags"),
  NAME012: names("ARNs written as strings (also concatenated with `${...}`): `arn:<partition>:<service>:<region>:<account>:<resource>`, 12-digit account", "Build ARNs from resource attributes (`.arn`) or fix the missing/invalid part"),
  TF001: structure("Every `${...}` reference and `depends_on` entry points to a resource, data source, variable, local or module in the same stack", "Create the missing resource or fix the reference (cross-stack values arrive as `data.terraform_remote_state`)"),
  TF002: structure("Required arguments of the resource types the platform uses; DynamoDB key attributes declared and every declared attribute indexed", "Set the missing argument"),
  TF003: structure("No two resources of the same type with the same AWS name in one stack (they would collide at apply)", "Give each resource a distinct name"),
  TF004: structure("No unescaped IoT substitution template or policy variable (`${topic(3)}`, `${iot:Connection.Thing.ThingName}`, `${timestamp()}`)", "Escape as `$${...}` with `escapeIotTemplate`/`iotSubstitution` from lib/iot-template"),
  TF005: structure("Literal JSON documents (policies, trust policies, dashboard and provisioning template bodies) parse as JSON", "Fix the JSON, or build it with `DataAwsIamPolicyDocument` / `JSON.stringify`"),
  TF006: structure("Enumerated and ranged arguments the provider validates (log retention days, sql_version, tracing mode, billing mode, attribute types, Lambda memory/timeout, alarm operators, SSM types)", "Use one of the allowed values"),
  SEC014: security("S3 bucket policy denies requests with `aws:SecureTransport = false`", [], [], "Add a bucket policy statement: Deny s3:* when `aws:SecureTransport` is false"),
  SEC016: security("IAM policies and trust policies: no Allow with action `*` or `<service>:*`, no Allow with NotAction", ["CKV_AWS_1", "CKV_AWS_49", "CKV_AWS_62", "CKV_AWS_63"], ["AVD-AWS-0057"], "List the actions the principal needs"),
  SEC017: security("IAM policies: no Allow on resource `*` unless every action only supports `*` (e.g. cloudwatch:PutMetricData, xray:PutTraceSegments); no Allow with NotResource", ["CKV_AWS_355", "CKV_AWS_290"], ["AVD-AWS-0057"], "Scope the statement to the resource ARNs"),
  SEC018: security("IAM policies: no `iam:PassRole` on `*` or on every role", ["CKV_AWS_286"], ["AVD-AWS-0057"], "Allow iam:PassRole only on the role ARNs that are passed"),
  SEC019: security("Lambda permission for a service principal (e.g. iot.amazonaws.com) has `source_arn` and `source_account`", ["CKV_AWS_364"], ["AVD-AWS-0067"], "Set `sourceArn` (the topic rule ARN) and `sourceAccount`"),
  SEC020: security("IoT policy: no `iot:*` / `*` action and no bare `*` resource in an Allow", [], [], "List the iot: actions and scope resources to ARNs"),
  SEC021: security("IoT policy: topic/topicfilter/client resources scoped by `${iot:Connection.Thing.ThingName}` with no wildcard before it (fleet-provisioning claim policies excepted); Version 2012-10-17 when policy variables are used", [], [], "Scope resources with `THING_NAME_POLICY_VARIABLE` from lib/iot-template"),
  SEC022: security("No private key or secret in outputs (direct, through locals, or a whole key resource)", [], [], "Remove the output; keep keys on the device (CSR) or in SSM SecureString"),
  SEC023: security("IoT certificate is created from a CSR, not generated by Terraform (the private key would be in state)", [], [], "Pass `csr` (device keeps its key) or use fleet provisioning; waive only for an explicit dev opt-in"),
} as const satisfies Record<string, RuleMeta>;

/**
 * Rules retired because checkov, which now runs (`npm run check:checkov`), does the same
 * check: one truth per rule. Their ids stay reserved; test/engine/checkov.test.ts proves
 * each listed checkov check fails a stack broken the way the rule caught.
 */
export const RETIRED_RULES: Readonly<Record<string, { readonly checks: string; readonly checkov: readonly string[] }>> = {
  SEC001: { checks: "Lambda function has a dead-letter queue (`dead_letter_config.target_arn`)", checkov: ["CKV_AWS_116"] },
  SEC002: { checks: "Lambda X-Ray tracing is `Active`", checkov: ["CKV_AWS_50"] },
  SEC003: { checks: "Lambda environment variables are encrypted with a customer managed key (`kms_key_arn`)", checkov: ["CKV_AWS_173"] },
  SEC004: { checks: "Lambda reserved concurrency is set (info only)", checkov: ["CKV_AWS_115"] },
  SEC005: { checks: "Log group retention is set, and at least 365 days in prod", checkov: ["CKV_AWS_66", "CKV_AWS_338"] },
  SEC006: { checks: "Log group is encrypted with KMS (`kms_key_id`)", checkov: ["CKV_AWS_158"] },
  SEC007: { checks: "DynamoDB point-in-time recovery is enabled", checkov: ["CKV_AWS_28"] },
  SEC008: { checks: "DynamoDB server-side encryption uses a customer managed key", checkov: ["CKV_AWS_119"] },
  SEC009: { checks: "SQS queue is encrypted (`kms_master_key_id` or `sqs_managed_sse_enabled`)", checkov: ["CKV_AWS_27"] },
  SEC010: { checks: "SNS topic is encrypted (`kms_master_key_id`)", checkov: ["CKV_AWS_26"] },
  SEC011: { checks: "S3 bucket has versioning `Enabled`", checkov: ["CKV_AWS_21"] },
  SEC012: { checks: "S3 bucket default encryption is `aws:kms`", checkov: ["CKV_AWS_145"] },
  SEC013: { checks: "S3 bucket has a public access block with all four settings true", checkov: ["CKV2_AWS_6", "CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56"] },
  SEC015: { checks: "KMS key rotation is enabled (symmetric keys)", checkov: ["CKV_AWS_7"] },
};

export type RuleId = keyof typeof RULES;

export const RULE_IDS = Object.keys(RULES) as RuleId[];

export function isRuleId(id: string): id is RuleId {
  return Object.prototype.hasOwnProperty.call(RULES, id);
}

/** The README rule table, generated so it cannot drift from the code. */
export function ruleTableMarkdown(): string {
  const cell = (s: string) => s.replace(/\|/g, "\\|");
  const ids = (list: readonly string[]) => (list.length ? list.join(", ") : "—");
  const lines = ["| Rule | Severity | What it checks | checkov | trivy | Fix |", "|---|---|---|---|---|---|"];
  for (const id of RULE_IDS) {
    const r: RuleMeta = RULES[id];
    lines.push(`| ${id} | ${r.severity} | ${cell(r.checks)} | ${ids(r.checkov)} | ${ids(r.trivy)} | ${cell(r.fix)} |`);
  }
  return lines.join("\n");
}

/** The README table of retired rules and the checkov checks that replaced them. */
export function retiredTableMarkdown(): string {
  const lines = ["| Retired rule | What it checked | checkov check now |", "|---|---|---|"];
  for (const [id, r] of Object.entries(RETIRED_RULES)) lines.push(`| ${id} | ${r.checks.replace(/\|/g, "\\|")} | ${r.checkov.join(", ")} |`);
  return lines.join("\n");
}

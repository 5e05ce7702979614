/** TF rules: what `terraform validate` / `plan` would catch, checked on the JSON. */
import { LOG_RETENTION_DAYS } from "../../../lib/aws-names";
import { Interpolation, interpolations, iotTemplateShape, referencesIn } from "../expressions";
import { Json, blocks, collectStrings, isLiteral, isSet, num, str, strings } from "../json";
import { Block } from "../model";
import { NAME_FIELDS } from "./names";
import { RuleCheck, fail, pass, verdict } from "./rule";

/** Every interpolation (nested ones included) in every string of a block, with where it was found. */
function* interpolationsOf(b: Block): Iterable<{ path: string; interp: Interpolation }> {
  for (const { value, path } of collectStrings(b.config)) {
    for (const interp of interpolations(value)) yield { path, interp };
  }
}

const show = (expression: string) => "${" + expression + "}";

/** TF001: references and depends_on entries point into this stack. */
const missingReferences: RuleCheck = {
  id: "TF001",
  *run(stack) {
    for (const b of stack.allBlocks) {
      const problems = new Set<string>();
      for (const { path, interp } of interpolationsOf(b)) {
        if (iotTemplateShape(interp)) continue; // TF004 reports it
        for (const ref of referencesIn(interp.code)) {
          if (!stack.has(ref.address)) problems.add(`${path}: ${show(interp.expression)} refers to ${ref.address}, which does not exist in this stack`);
        }
      }
      for (const dep of strings(b.config.depends_on)) {
        const address = dep.replace(/^\$\{(.*)\}$/, "$1");
        if (!stack.has(address)) problems.add(`depends_on: ${address} does not exist in this stack`);
      }
      const provider = str(b.config.provider);
      if (b.kind !== "provider" && provider && isLiteral(provider)) {
        const known = stack.providers.some((p) => p.address === `provider.${provider}`);
        if (!known) problems.add(`provider: "${provider}" is not configured in this stack`);
      }
      yield* verdict(b, [...problems]);
    }
  },
};

/** Required arguments per resource type; an inner array means "one of these". */
const REQUIRED: Readonly<Record<string, readonly (string | readonly string[])[]>> = {
  aws_lambda_function: ["function_name", "role", ["filename", "s3_bucket", "image_uri"]],
  aws_lambda_permission: ["action", "function_name", "principal"],
  aws_lambda_function_event_invoke_config: ["function_name"],
  aws_lambda_event_source_mapping: ["function_name"],
  aws_iot_topic_rule: ["name", "enabled", "sql", "sql_version"],
  aws_iot_thing: ["name"],
  aws_iot_thing_type: ["name"],
  aws_iot_thing_group: ["name"],
  aws_iot_thing_group_membership: ["thing_name", "thing_group_name"],
  aws_iot_policy: ["name", "policy"],
  aws_iot_policy_attachment: ["policy", "target"],
  aws_iot_thing_principal_attachment: ["principal", "thing"],
  aws_iot_certificate: ["active"],
  aws_iot_provisioning_template: ["name", "provisioning_role_arn", "template_body"],
  aws_iot_role_alias: ["alias", "role_arn"],
  aws_iot_logging_options: ["default_log_level", "role_arn"],
  aws_dynamodb_table: ["name", "hash_key", "attribute"],
  aws_iam_role: ["assume_role_policy"],
  aws_iam_role_policy: ["policy", "role"],
  aws_iam_policy: ["policy"],
  aws_iam_role_policy_attachment: ["role", "policy_arn"],
  aws_sqs_queue_policy: ["queue_url", "policy"],
  aws_sns_topic_policy: ["arn", "policy"],
  aws_sns_topic_subscription: ["topic_arn", "protocol", "endpoint"],
  aws_s3_bucket_versioning: ["bucket", "versioning_configuration"],
  aws_s3_bucket_server_side_encryption_configuration: ["bucket", "rule"],
  aws_s3_bucket_public_access_block: ["bucket"],
  aws_s3_bucket_policy: ["bucket", "policy"],
  aws_s3_bucket_lifecycle_configuration: ["bucket", "rule"],
  aws_s3_bucket_ownership_controls: ["bucket", "rule"],
  aws_kms_alias: ["target_key_id"],
  aws_cloudwatch_metric_alarm: ["alarm_name", "comparison_operator", "evaluation_periods"],
  aws_cloudwatch_dashboard: ["dashboard_name", "dashboard_body"],
  aws_cloudwatch_log_metric_filter: ["name", "pattern", "log_group_name", "metric_transformation"],
  aws_ssm_parameter: ["name", "type"],
  terraform_remote_state: ["backend"],
};

function dynamodbKeyProblems(b: Block): string[] {
  const declared = new Set(blocks(b.config.attribute).map((a) => str(a.name)));
  const used = new Set<string | undefined>([str(b.config.hash_key), str(b.config.range_key)].filter(Boolean));
  for (const idx of [...blocks(b.config.global_secondary_index), ...blocks(b.config.local_secondary_index)]) {
    used.add(str(idx.hash_key));
    used.add(str(idx.range_key));
  }
  used.delete(undefined);
  const out: string[] = [];
  for (const key of used) if (key && isLiteral(key) && !declared.has(key)) out.push(`key "${key}" is not declared in attribute[]`);
  for (const name of declared) if (name && isLiteral(name) && !used.has(name)) out.push(`attribute "${name}" is declared but used by no key or index; DynamoDB rejects unindexed attribute definitions`);
  return out;
}

const requiredArguments: RuleCheck = {
  id: "TF002",
  *run(stack) {
    for (const b of [...stack.resources, ...stack.dataSources]) {
      const required = REQUIRED[b.type];
      if (!required) continue;
      const problems = required.map((arg) => {
        if (typeof arg === "string") return isSet(b.config[arg]) ? undefined : `required argument "${arg}" is missing`;
        return arg.some((a) => isSet(b.config[a])) ? undefined : `one of ${arg.map((a) => `"${a}"`).join(", ")} is required`;
      });
      if (b.type === "aws_lambda_function" && !isSet(b.config.image_uri) && str(b.config.package_type) !== "Image") {
        for (const arg of ["runtime", "handler"]) if (!isSet(b.config[arg])) problems.push(`"${arg}" is required for a Zip package`);
      }
      if (b.type === "aws_dynamodb_table") problems.push(...dynamodbKeyProblems(b));
      yield* verdict(b, problems);
    }
  },
};

/** Names unique only within a parent (an inline role policy's name is per role). */
const NAME_SCOPE: Readonly<Record<string, string>> = { aws_iam_role_policy: "role" };

/** TF003: two resources of one type with the same literal AWS name collide at apply time. */
const duplicateNames: RuleCheck = {
  id: "TF003",
  *run(stack) {
    const primary = new Map<string, string>();
    for (const f of NAME_FIELDS) if (!primary.has(f.type)) primary.set(f.type, f.attribute);
    for (const [type, attribute] of primary) {
      const byName = new Map<string, Block[]>();
      for (const b of stack.ofType(type)) {
        const name = str(b.config[attribute]);
        if (name === undefined || !isLiteral(name)) continue;
        const scope = NAME_SCOPE[type] ? `${String(b.config[NAME_SCOPE[type]])}\n` : "";
        byName.set(scope + name, [...(byName.get(scope + name) ?? []), b]);
      }
      for (const [key, group] of byName) {
        const name = key.split("\n").pop();
        for (const b of group) {
          const others = group.filter((o) => o !== b).map((o) => o.address);
          yield others.length ? fail(b, `${attribute} "${name}" is also used by ${others.join(", ")}`) : pass(b);
        }
      }
    }
  },
};

/** TF004: `${...}` that is an IoT template or policy variable, not Terraform. */
const unescapedTemplates: RuleCheck = {
  id: "TF004",
  *run(stack) {
    for (const b of stack.allBlocks) {
      const problems: string[] = [];
      let seen = false;
      for (const { path, interp } of interpolationsOf(b)) {
        seen = true;
        const shape = iotTemplateShape(interp);
        if (shape) problems.push(`${path}: ${show(interp.expression)} ${shape}; it must reach Terraform as $${show(interp.expression)}`);
      }
      if (seen) yield* verdict(b, problems);
    }
  },
};

/** Attributes that hold a JSON document, per type. */
const JSON_DOCUMENTS: Readonly<Record<string, readonly string[]>> = {
  aws_iam_role: ["assume_role_policy", "inline_policy.policy"],
  aws_iam_role_policy: ["policy"],
  aws_iam_policy: ["policy"],
  aws_iot_policy: ["policy"],
  aws_s3_bucket_policy: ["policy"],
  aws_sqs_queue_policy: ["policy"],
  aws_sqs_queue: ["policy", "redrive_policy", "redrive_allow_policy"],
  aws_sns_topic_policy: ["policy"],
  aws_sns_topic: ["policy"],
  aws_kms_key: ["policy"],
  aws_cloudwatch_dashboard: ["dashboard_body"],
  aws_iot_provisioning_template: ["template_body"],
};

function valuesAt(config: Json | undefined, path: string): Json[] {
  const [head, ...rest] = path.split(".");
  const items = blocks(config).flatMap((c) => (c[head] === undefined ? [] : [c[head]]));
  return rest.length ? items.flatMap((v) => blocks(v).flatMap((b) => valuesAt(b, rest.join(".")))) : items;
}

const jsonDocuments: RuleCheck = {
  id: "TF005",
  *run(stack) {
    for (const [type, attributes] of Object.entries(JSON_DOCUMENTS)) {
      for (const b of stack.ofType(type)) {
        const problems: string[] = [];
        let seen = false;
        for (const attribute of attributes) {
          for (const v of valuesAt(b.config, attribute)) {
            seen = true;
            const s = str(v);
            // A whole-value expression (`${data...json}`, `${jsonencode(...)}`) is Terraform's to render.
            if (s === undefined || /^\s*\$\{/.test(s)) continue;
            try {
              JSON.parse(s);
            } catch (e) {
              problems.push(`${attribute} is not valid JSON (${(e as Error).message})`);
            }
          }
        }
        if (seen) yield* verdict(b, problems);
      }
    }
  },
};

type Allowed = readonly (string | number)[] | { readonly min: number; readonly max: number };
/** Values the provider validates, by type and attribute path. */
const ENUMS: Readonly<Record<string, Readonly<Record<string, Allowed>>>> = {
  aws_cloudwatch_log_group: { retention_in_days: [0, ...LOG_RETENTION_DAYS] },
  aws_iot_topic_rule: { sql_version: ["2015-10-08", "2016-03-23", "beta"] },
  aws_lambda_function: {
    "tracing_config.mode": ["Active", "PassThrough"],
    architectures: ["x86_64", "arm64"],
    package_type: ["Zip", "Image"],
    memory_size: { min: 128, max: 10240 },
    timeout: { min: 1, max: 900 },
  },
  aws_dynamodb_table: {
    billing_mode: ["PROVISIONED", "PAY_PER_REQUEST"],
    "attribute.type": ["S", "N", "B"],
    stream_view_type: ["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"],
    table_class: ["STANDARD", "STANDARD_INFREQUENT_ACCESS"],
  },
  aws_s3_bucket_versioning: { "versioning_configuration.status": ["Enabled", "Suspended", "Disabled"] },
  aws_cloudwatch_metric_alarm: {
    comparison_operator: [
      "GreaterThanOrEqualToThreshold",
      "GreaterThanThreshold",
      "LessThanThreshold",
      "LessThanOrEqualToThreshold",
      "LessThanLowerOrGreaterThanUpperThreshold",
      "LessThanLowerThreshold",
      "GreaterThanUpperThreshold",
    ],
    treat_missing_data: ["missing", "ignore", "breaching", "notBreaching"],
    statistic: ["SampleCount", "Average", "Sum", "Minimum", "Maximum"],
  },
  aws_ssm_parameter: { type: ["String", "StringList", "SecureString"] },
  aws_iot_logging_options: { default_log_level: ["DEBUG", "INFO", "ERROR", "WARN", "DISABLED"] },
  aws_sqs_queue: { message_retention_seconds: { min: 60, max: 1209600 }, visibility_timeout_seconds: { min: 0, max: 43200 } },
};

function enumProblem(path: string, value: Json, allowed: Allowed): string | undefined {
  if (typeof value === "string" && !isLiteral(value)) return undefined;
  if (Array.isArray(allowed)) {
    const ok = allowed.some((a) => (typeof a === "number" ? num(value) === a : a === value));
    return ok ? undefined : `${path} = ${JSON.stringify(value)} is not one of ${allowed.join(", ")}`;
  }
  const { min, max } = allowed as { min: number; max: number };
  const n = num(value);
  return n !== undefined && (n < min || n > max) ? `${path} = ${n} is outside ${min}-${max}` : undefined;
}

const enumValues: RuleCheck = {
  id: "TF006",
  *run(stack) {
    for (const [type, attributes] of Object.entries(ENUMS)) {
      for (const b of stack.ofType(type)) {
        const problems: (string | undefined)[] = [];
        for (const [path, allowed] of Object.entries(attributes)) {
          for (const v of valuesAt(b.config, path)) {
            for (const item of Array.isArray(v) ? v : [v]) problems.push(enumProblem(path, item, allowed));
          }
        }
        yield* verdict(b, problems);
      }
    }
  },
};

export const STRUCTURE_RULES: readonly RuleCheck[] = [
  missingReferences,
  requiredArguments,
  duplicateNames,
  unescapedTemplates,
  jsonDocuments,
  enumValues,
];

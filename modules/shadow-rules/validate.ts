import { Token } from "cdktf";
import type { ValidationIssue } from "../../lib/issues";
import { AWS_NAME_RULES, LOG_RETENTION_DAYS, assertName, isLogRetentionDays } from "../../lib/aws-names";
import { assertAccountAndRegion, assertNameIfLiteral, assertRoleArnInAccount } from "../../lib/validate";
import { shadowSelectionIssues } from "../../lib/shadow-selection";
import { checkDeletionWindow, isKmsKeyArn } from "../../lib/kms";
import type { ErrorActionKind, ShadowRulesProps } from "./index";

export const ERROR_ACTION_KINDS: readonly ErrorActionKind[] = ["sqs", "cloudwatch-logs"];

function fail(field: string, message: string): never {
  throw new Error(`ShadowRules ${field}: ${message}`);
}

/** Checks what Terraform cannot: every prop, with a message naming the field and the fix. */
export function validateShadowRulesProps(props: ShadowRulesProps, classic: boolean): void {
  assertAccountAndRegion("ShadowRules", props);
  assertNameIfLiteral("cloudwatchNamespace", props.metricNamespace, "ShadowRules metricNamespace");
  if (!/^[a-z][a-z0-9-]*[a-z0-9]$/.test(props.resourceNamePrefix)) {
    fail("resourceNamePrefix", `"${props.resourceNamePrefix}" must be lowercase letters, digits and hyphens, e.g. "iot-dev"`);
  }

  const prefix: unknown = props.thingNamePrefix;
  if (typeof prefix !== "string") fail("thingNamePrefix", `is required: the product line's thing-name prefix, e.g. "Thermostat-" ("" routes every thing of the account)`);
  if (prefix !== "") {
    assertName(AWS_NAME_RULES.iotThing, prefix, "ShadowRules thingNamePrefix");
    if (prefix.length > 127) fail("thingNamePrefix", `is ${prefix.length} characters; thing names have at most 128, so use at most 127`);
  }
  assertRoleArnInAccount("ShadowRules operatorRoleArn", props.operatorRoleArn, props.accountId);

  const named = props.namedShadows ?? [];
  if (named !== "all") {
    if (!Array.isArray(named)) fail("namedShadows", `must be a list of shadow names or "all"`);
    named.forEach((name, i) => assertName(AWS_NAME_RULES.iotShadow, name, `ShadowRules namedShadows[${i}]`));
  }
  const [selection] = shadowSelectionIssues({ classic, named });
  if (selection) fail(selection.path.length === 0 ? "classicShadow/namedShadows" : `namedShadows[${selection.path[1]}]`, selection.message);

  if (props.processors.length === 0) fail("processors", "needs at least one processor ({ id, functionArn, functionName })");
  const [duplicate] = processorIdIssues(props.processors.map((p) => p.id));
  if (duplicate) fail(`processors[${duplicate.path[0]}].id`, duplicate.message);
  props.processors.forEach((p, i) => {
    if (!/^[a-zA-Z0-9-]{1,64}$/.test(p.id)) {
      fail(`processors[${i}].id`, `"${p.id}" must be 1-64 letters, digits or hyphens (it is part of construct ids)`);
    }
    assertNameIfLiteral("lambdaFunction", p.functionName, `ShadowRules processors[${i}].functionName`);
    if (!Token.isUnresolved(p.functionArn) && !/^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[a-zA-Z0-9_-]+(:[a-zA-Z0-9$_-]+)?$/.test(p.functionArn)) {
      fail(`processors[${i}].functionArn`, `"${p.functionArn}" must be a Lambda function ARN`);
    }
  });

  const errorAction = props.errorAction ?? { kind: "sqs" };
  const kind: string = errorAction.kind;
  if (!ERROR_ACTION_KINDS.includes(kind as ErrorActionKind)) {
    fail("errorAction.kind", `unknown error-action kind "${kind}"; use ${ERROR_ACTION_KINDS.map((k) => `"${k}"`).join(" or ")}`);
  }
  if (errorAction.kind === "cloudwatch-logs" && errorAction.retentionDays !== undefined) {
    const days = errorAction.retentionDays;
    if (!isLogRetentionDays(days)) fail("errorAction.retentionDays", `${days} is not accepted by CloudWatch Logs; use one of ${LOG_RETENTION_DAYS.join(", ")}`);
  }

  if (props.kmsKey !== undefined && props.kmsKeyOverrides !== undefined) {
    fail("kmsKey/kmsKeyOverrides", "pass either an existing kmsKey ARN or kmsKeyOverrides for a new key, not both; drop one");
  }
  if (props.kmsKey !== undefined && !Token.isUnresolved(props.kmsKey) && !isKmsKeyArn(props.kmsKey)) {
    // Aliases are not accepted: IAM Resource elements need the key ARN.
    fail("kmsKey", `"${props.kmsKey}" must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), not an alias`);
  }
  const window = props.kmsKeyOverrides?.deletionWindowInDays;
  const windowProblem = window === undefined ? undefined : checkDeletionWindow(window);
  if (windowProblem) fail("kmsKeyOverrides.deletionWindowInDays", windowProblem);
}

/**
 * Processor ids are unique: they are part of construct ids and of the rules' action names. One
 * rule for ShadowRules (`processors[i].id`) and the environment config (`extraProcessors[i].id`,
 * next to the history processor), so both report the same message.
 */
export function processorIdIssues(ids: readonly string[]): ValidationIssue[] {
  const seen = new Set<string>();
  const issues: ValidationIssue[] = [];
  ids.forEach((id, i) => {
    if (seen.has(id)) issues.push({ path: [i], message: `duplicate processor id "${id}"; ids must be unique` });
    seen.add(id);
  });
  return issues;
}

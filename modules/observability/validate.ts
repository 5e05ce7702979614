import { Token } from "cdktf";
import { KMS_KEY_ARN, assertName, NameRuleId } from "../../lib/aws-names";
import { assertAccountAndRegion } from "../../lib/validate";
import { checkDeletionWindow } from "../../lib/kms";
import type { ObservabilityProps } from "./index";

const THRESHOLD_FIELDS = ["processorErrors", "processorThrottles", "deadLetterMessages", "errorActionMessages", "invalidEvents", "asyncEventsDropped"] as const;

// Deliberately loose: SNS confirms the address; this only catches obvious typos at synth time.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function fail(field: string, message: string): never {
  throw new Error(`Observability ${field}: ${message}`);
}

/** Tokens (another construct's attributes) are checked by AWS at apply time. */
function nameIfResolved(rule: NameRuleId, value: string, field: string): void {
  if (!Token.isUnresolved(value)) assertName(rule, value, `Observability ${field}`);
}

export function validateObservabilityProps(props: ObservabilityProps): void {
  if (!/^[a-z][a-z0-9-]*[a-z0-9]$/.test(props.namePrefix)) {
    fail("namePrefix", `"${props.namePrefix}" must be lowercase letters, digits and hyphens, e.g. "iot-dev"`);
  }
  assertAccountAndRegion("Observability", props);
  nameIfResolved("cloudwatchNamespace", props.metricNamespace, "metricNamespace");
  nameIfResolved("lambdaFunction", props.processorFunctionName, "processorFunctionName");
  nameIfResolved("sqsQueue", props.deadLetterQueueName, "deadLetterQueueName");
  nameIfResolved("dynamodbTable", props.historyTableName, "historyTableName");

  if ((props.errorQueueName === undefined) === (props.errorLogGroupName === undefined)) {
    fail("errorQueueName/errorLogGroupName", "set exactly one: errorQueueName when the rules' error action is sqs, errorLogGroupName when it is cloudwatch-logs");
  }
  if (props.errorQueueName !== undefined) nameIfResolved("sqsQueue", props.errorQueueName, "errorQueueName");
  if (props.errorLogGroupName !== undefined) nameIfResolved("logGroup", props.errorLogGroupName, "errorLogGroupName");

  for (const field of THRESHOLD_FIELDS) {
    const value = props.thresholds[field];
    if (value === undefined && field === "asyncEventsDropped") continue;
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
      fail(`thresholds.${field}`, `${String(value)} must be a number greater than 0`);
    }
  }
  const minutes = props.noUpdatesMinutes;
  if (minutes !== undefined && (!Number.isInteger(minutes) || minutes < 1 || minutes > 1440)) {
    fail("noUpdatesMinutes", `${minutes} must be a whole number of minutes from 1 to 1440 (CloudWatch evaluates at most one day)`);
  }

  const seen = new Set<string>();
  (props.emailSubscriptions ?? []).forEach((email, i) => {
    if (!EMAIL.test(email)) fail(`emailSubscriptions[${i}]`, `"${email}" is not an e-mail address`);
    const key = email.toLowerCase();
    if (seen.has(key)) fail(`emailSubscriptions[${i}]`, `duplicate address "${email}"; list each once`);
    seen.add(key);
  });

  if (props.kmsKeyArn !== undefined && props.kmsKeyOverrides !== undefined) {
    fail("kmsKeyArn/kmsKeyOverrides", "pass either an existing kmsKeyArn or kmsKeyOverrides for a new key, not both; drop one");
  }
  if (props.kmsKeyArn !== undefined && !Token.isUnresolved(props.kmsKeyArn) && !KMS_KEY_ARN.test(props.kmsKeyArn)) {
    fail("kmsKeyArn", `"${props.kmsKeyArn}" must be a KMS key or alias ARN`);
  }
  const window = props.kmsKeyOverrides?.deletionWindowInDays;
  const windowProblem = window === undefined ? undefined : checkDeletionWindow(window);
  if (windowProblem) fail("kmsKeyOverrides.deletionWindowInDays", windowProblem);
}

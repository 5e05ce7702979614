import { Token } from "cdktf";
import { KMS_KEY_ARN } from "../../lib/aws-names";
import { assertAccountAndRegion, assertNameIfLiteral } from "../../lib/validate";
import { checkDeletionWindow } from "../../lib/kms";
import type { AlarmSpec } from "./alarms";
import type { ObservabilityProps } from "./index";

const THRESHOLD_FIELDS = ["processorErrors", "processorThrottles", "deadLetterMessages", "errorActionMessages", "invalidEvents", "asyncEventsDropped"] as const;

// Deliberately loose: SNS confirms the address; this only catches obvious typos at synth time.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function fail(field: string, message: string): never {
  throw new Error(`Observability ${field}: ${message}`);
}

export function validateObservabilityProps(props: ObservabilityProps): void {
  if (!/^[a-z][a-z0-9-]*[a-z0-9]$/.test(props.namePrefix)) {
    fail("namePrefix", `"${props.namePrefix}" must be lowercase letters, digits and hyphens, e.g. "iot-dev"`);
  }
  assertAccountAndRegion("Observability", props);
  assertNameIfLiteral("cloudwatchNamespace", props.metricNamespace, "Observability metricNamespace");
  assertNameIfLiteral("lambdaFunction", props.processorFunctionName, "Observability processorFunctionName");
  assertNameIfLiteral("sqsQueue", props.deadLetterQueueName, "Observability deadLetterQueueName");
  assertNameIfLiteral("dynamodbTable", props.historyTableName, "Observability historyTableName");

  if ((props.errorQueueName === undefined) === (props.errorLogGroupName === undefined)) {
    fail("errorQueueName/errorLogGroupName", "set exactly one: errorQueueName when the rules' error action is sqs, errorLogGroupName when it is cloudwatch-logs");
  }
  assertNameIfLiteral("sqsQueue", props.errorQueueName, "Observability errorQueueName");
  assertNameIfLiteral("logGroup", props.errorLogGroupName, "Observability errorLogGroupName");
  assertNameIfLiteral("sqsQueue", props.ingestQueue?.queueName, "Observability ingestQueue.queueName");
  assertNameIfLiteral("sqsQueue", props.ingestQueue?.deadLetterQueueName, "Observability ingestQueue.deadLetterQueueName");
  const age = props.thresholds.queueAgeSeconds;
  if (age !== undefined && (!Number.isInteger(age) || age < 1)) fail("thresholds.queueAgeSeconds", `${age} must be a whole number of seconds greater than 0`);
  const convergence = props.thresholds.convergenceLatencyP99Seconds;
  if (convergence !== undefined && (!Number.isFinite(convergence) || convergence <= 0)) {
    fail("thresholds.convergenceLatencyP99Seconds", `${convergence} must be a number of seconds greater than 0`);
  }

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

/** The metric an alarm watches: namespace (AWS/... allowed here), metric name and dimensions; tokens are left to AWS. */
export function validateAlarmMetric(spec: AlarmSpec): void {
  const field = `Observability alarm ${spec.purpose}`;
  assertNameIfLiteral("cloudwatchAlarmNamespace", spec.namespace, `${field} namespace`);
  assertNameIfLiteral("cloudwatchMetric", spec.metricName, `${field} metricName`);
  for (const [name, value] of Object.entries(spec.dimensions ?? {})) {
    assertNameIfLiteral("cloudwatchDimensionName", name, `${field} dimensions`);
    assertNameIfLiteral("cloudwatchDimensionValue", value, `${field} dimensions["${name}"]`);
  }
}

/** Constructor-time checks of ShadowProcessorProps: every message names the prop and the fix. */
import { existsSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { Token } from "cdktf";
import { LOG_RETENTION_DAYS, assertName, isLogRetentionDays } from "../../lib/aws-names";
import { assertNameIfLiteral, assertRoleArnInAccount } from "../../lib/validate";
import { isKmsKeyArn } from "../../lib/kms";
import type { ShadowProcessorProps } from "./index";

export type LogRetentionDays = (typeof LOG_RETENTION_DAYS)[number];
const LOG_LEVELS: readonly string[] = ["DEBUG", "INFO", "WARN", "ERROR"];
const TABLE_ARN = /^arn:aws(-cn|-us-gov)?:dynamodb:[a-z0-9-]+:\d{12}:table\/[a-zA-Z0-9_.-]{3,255}$/;

function fail(field: string, problem: string): never {
  throw new Error(`ShadowProcessor ${field}: ${problem}`);
}

function assertInt(value: number | undefined, min: number, max: number, field: string): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > max) fail(field, `must be a whole number from ${min} to ${max}, got ${value}`);
}

export function validateProcessorProps(props: ShadowProcessorProps): void {
  const name = props.functionName;
  assertName("lambdaFunction", name, "ShadowProcessor functionName");
  // Derived names must fit their own rules too (the role name is the tightest: 64 characters).
  assertName("iamRole", `${name}-role`, "ShadowProcessor functionName (role name <functionName>-role; use at most 59 characters)");
  assertName("sqsQueue", `${name}-dlq`, "ShadowProcessor functionName (queue name <functionName>-dlq)");

  if (props.serviceName !== undefined && !/^[a-zA-Z0-9_-]{1,64}$/.test(props.serviceName)) {
    fail("serviceName", `"${props.serviceName}" must be 1-64 letters, digits, '_' or '-' (it becomes a metric dimension value)`);
  }
  if (!isAbsolute(props.bundleDir)) fail("bundleDir", `"${props.bundleDir}" must be an absolute path (e.g. path.join(repoRoot, "dist/functions/shadow-history"))`);
  if (!existsSync(join(props.bundleDir, "index.js"))) fail("bundleDir", `"${props.bundleDir}" has no index.js; run \`npm run build\` first`);

  const table = props.historyTable;
  if (table !== undefined) {
    assertNameIfLiteral("dynamodbTable", table.name, "ShadowProcessor historyTable.name");
    if (!Token.isUnresolved(table.arn) && !TABLE_ARN.test(table.arn)) fail("historyTable.arn", `"${table.arn}" is not a DynamoDB table ARN; pass HistoryStore.ref`);
    if (!Token.isUnresolved(table.kmsKeyArn) && !isKmsKeyArn(table.kmsKeyArn)) {
      fail("historyTable.kmsKeyArn", `"${table.kmsKeyArn}" is not a KMS key ARN (aliases cannot scope IAM policies); pass HistoryStore.ref`);
    }
  } else if (props.ttlDays !== undefined) {
    fail("ttlDays", "only applies to history items; drop it or pass historyTable");
  }

  assertName("cloudwatchNamespace", props.metricNamespace, "ShadowProcessor metricNamespace");
  assertInt(props.memoryMb, 128, 10_240, "memoryMb");
  assertInt(props.timeoutSeconds, 1, 900, "timeoutSeconds");
  assertInt(props.reservedConcurrency, 1, 1_000_000, "reservedConcurrency (omit it for the unreserved pool; 0 would stop the function)");
  if (props.logRetentionDays !== undefined && !isLogRetentionDays(props.logRetentionDays)) {
    fail("logRetentionDays", `${props.logRetentionDays} is not accepted by CloudWatch Logs; use one of ${LOG_RETENTION_DAYS.join(", ")}`);
  }
  assertInt(props.maximumRetryAttempts, 0, 2, "maximumRetryAttempts");
  assertInt(props.maximumEventAgeSeconds, 60, 21_600, "maximumEventAgeSeconds");
  assertInt(props.ttlDays, 1, 36_500, "ttlDays");
  // The function's account is a data source here; the table ARN (when literal) names it.
  const tableAccount = table && !Token.isUnresolved(table.arn) ? table.arn.split(":")[4] : undefined;
  assertRoleArnInAccount("ShadowProcessor operatorRoleArn", props.operatorRoleArn, tableAccount);
  if (props.logLevel !== undefined && !LOG_LEVELS.includes(props.logLevel)) fail("logLevel", `"${props.logLevel}" is not one of ${LOG_LEVELS.join(", ")}`);
}

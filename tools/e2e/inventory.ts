/**
 * What is left in an account of the local AWS, listed through the AWS SDK: after the destroy, no
 * name or ARN that a destroyed stack's state recorded may still be listed. Types whose object
 * lives inside another (role policies, permissions, attachments, account settings) go with it and
 * are not listed on their own; INVENTORIED_TYPES says which are.
 */
import { IoTClient, ListCertificatesCommand, ListPoliciesCommand as ListIotPoliciesCommand, ListThingGroupsCommand, ListThingTypesCommand, ListThingsCommand, ListTopicRulesCommand } from "@aws-sdk/client-iot";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { IAMClient, ListPoliciesCommand, ListRolesCommand } from "@aws-sdk/client-iam";
import { LambdaClient, ListFunctionsCommand } from "@aws-sdk/client-lambda";
import { SQSClient, ListQueuesCommand } from "@aws-sdk/client-sqs";
import { SNSClient, ListTopicsCommand } from "@aws-sdk/client-sns";
import { DescribeKeyCommand, KMSClient, ListAliasesCommand, ListKeysCommand } from "@aws-sdk/client-kms";
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { CloudWatchClient, DescribeAlarmsCommand, ListDashboardsCommand } from "@aws-sdk/client-cloudwatch";
import { ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";
import type { ClientConfig } from "./aws";
import { stateResources } from "./traffic";
import type { TfJson } from "./stacks";

/** Resource type -> the state attribute that names it in the inventory. */
export const INVENTORIED_TYPES: Readonly<Record<string, string>> = {
  aws_iot_thing: "name",
  aws_iot_thing_type: "name",
  aws_iot_thing_group: "name",
  aws_iot_policy: "name",
  aws_iot_topic_rule: "name",
  aws_iot_certificate: "arn",
  aws_lambda_function: "function_name",
  aws_dynamodb_table: "name",
  aws_iam_role: "name",
  aws_iam_policy: "arn",
  aws_sqs_queue: "url",
  aws_sns_topic: "arn",
  aws_kms_key: "arn",
  aws_kms_alias: "name",
  aws_cloudwatch_log_group: "name",
  aws_cloudwatch_metric_alarm: "alarm_name",
  aws_cloudwatch_dashboard: "dashboard_name",
  aws_s3_bucket: "bucket",
};

/** Every name and ARN the SDK lists in the account (KMS keys pending deletion count as gone). */
export async function listAccount(config: ClientConfig): Promise<Set<string>> {
  const found = new Set<string>();
  const add = (...values: (string | undefined)[]) => values.forEach((v) => v && found.add(v));
  const iot = new IoTClient(config);
  const clients: { destroy(): void }[] = [iot];
  const use = <C extends { destroy(): void }>(c: C) => (clients.push(c), c);
  try {
    (await iot.send(new ListThingsCommand({ maxResults: 250 }))).things?.forEach((t) => add(t.thingName));
    (await iot.send(new ListThingTypesCommand({}))).thingTypes?.forEach((t) => add(t.thingTypeName));
    (await iot.send(new ListThingGroupsCommand({}))).thingGroups?.forEach((g) => add(g.groupName));
    (await iot.send(new ListIotPoliciesCommand({}))).policies?.forEach((p) => add(p.policyName));
    (await iot.send(new ListTopicRulesCommand({}))).rules?.forEach((r) => add(r.ruleName));
    (await iot.send(new ListCertificatesCommand({}))).certificates?.forEach((c) => add(c.certificateArn));
    (await use(new LambdaClient(config)).send(new ListFunctionsCommand({}))).Functions?.forEach((f) => add(f.FunctionName));
    (await use(new DynamoDBClient(config)).send(new ListTablesCommand({}))).TableNames?.forEach((t) => add(t));
    const iam = use(new IAMClient(config));
    (await iam.send(new ListRolesCommand({}))).Roles?.forEach((r) => add(r.RoleName));
    (await iam.send(new ListPoliciesCommand({ Scope: "Local" }))).Policies?.forEach((p) => add(p.Arn));
    (await use(new SQSClient(config)).send(new ListQueuesCommand({}))).QueueUrls?.forEach((u) => add(u));
    (await use(new SNSClient(config)).send(new ListTopicsCommand({}))).Topics?.forEach((t) => add(t.TopicArn));
    const kms = use(new KMSClient(config));
    for (const k of (await kms.send(new ListKeysCommand({}))).Keys ?? []) {
      const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: k.KeyId }));
      if (KeyMetadata?.KeyState !== "PendingDeletion") add(KeyMetadata?.Arn);
    }
    (await kms.send(new ListAliasesCommand({}))).Aliases?.forEach((a) => add(a.AliasName));
    (await use(new CloudWatchLogsClient(config)).send(new DescribeLogGroupsCommand({}))).logGroups?.forEach((g) => add(g.logGroupName));
    const cw = use(new CloudWatchClient(config));
    (await cw.send(new DescribeAlarmsCommand({}))).MetricAlarms?.forEach((a) => add(a.AlarmName));
    (await cw.send(new ListDashboardsCommand({}))).DashboardEntries?.forEach((d) => add(d.DashboardName));
    (await use(new S3Client(config)).send(new ListBucketsCommand({}))).Buckets?.forEach((b) => add(b.Name));
  } finally {
    for (const c of clients) c.destroy();
  }
  return found;
}

export interface RecordedResource {
  readonly stack: string;
  readonly address: string;
  readonly type: string;
  readonly identifier: string;
}

/** The inventoried resources of a stack's state (`tofu show -json`), with the value that names each. */
export function recordedResources(stack: string, state: TfJson): RecordedResource[] {
  return Object.entries(INVENTORIED_TYPES).flatMap(([type, attribute]) =>
    stateResources(state, type)
      .map((r) => ({ stack, address: r.address as string, type, identifier: String(r.values?.[attribute] ?? "") }))
      .filter((r) => r.identifier !== ""),
  );
}

/** Recorded resources the account still lists. */
export function leftovers(recorded: readonly RecordedResource[], listed: ReadonlySet<string>): RecordedResource[] {
  return recorded.filter((r) => listed.has(r.identifier));
}

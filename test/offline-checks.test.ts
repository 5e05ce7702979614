import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { TerraformOutput, TerraformStack, Testing } from "cdktf";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IotCertificate } from "@cdktf/provider-aws/lib/iot-certificate";
import { IotPolicy } from "@cdktf/provider-aws/lib/iot-policy";
import { IotThing } from "@cdktf/provider-aws/lib/iot-thing";
import { IotThingType } from "@cdktf/provider-aws/lib/iot-thing-type";
import { IotTopicRule } from "@cdktf/provider-aws/lib/iot-topic-rule";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { THING_NAME_POLICY_VARIABLE } from "../lib/iot-template";
import {
  Finding,
  RULE_IDS,
  RuleId,
  Waiver,
  blockingFindings,
  checkStack,
  checkSynthDir,
  evaluateStack,
  formatReport,
  ruleTableMarkdown,
  validateWaivers,
} from "../tools/offline-checks";
import { interpolations, iotTemplateShape } from "../tools/offline-checks/expressions";
import { ALL_RULES } from "../tools/offline-checks/rules";
import type { TfJson } from "./helpers/synth-app";


const DEVICE_CSR = "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n";

/** A small stack that follows every rule; each broken case below changes one thing in it. */
function synthValidStack(environment = "prod"): TfJson {
  const app = Testing.app();
  const stack = new TerraformStack(app, "valid");
  new AwsProvider(stack, "aws", { region: "eu-west-1", defaultTags: [{ tags: { environment, project: "iot-shadow-platform" } }] });
  const account = new DataAwsCallerIdentity(stack, "account");
  const region = new DataAwsRegion(stack, "region");
  const key = new KmsKey(stack, "key", { description: "platform data", enableKeyRotation: true });
  new KmsAlias(stack, "key_alias", { name: "alias/iot-test-data", targetKeyId: key.keyId });
  const dlq = new SqsQueue(stack, "dlq", { name: "iot-test-dlq", kmsMasterKeyId: key.arn });
  const alarms = new SnsTopic(stack, "alarms", { name: "iot-test-alarms", kmsMasterKeyId: key.arn });
  const table = new DynamodbTable(stack, "history", {
    name: "iot-test-history",
    billingMode: "PAY_PER_REQUEST",
    hashKey: "pk",
    rangeKey: "version",
    attribute: [
      { name: "pk", type: "S" },
      { name: "version", type: "N" },
    ],
    pointInTimeRecovery: { enabled: true },
    serverSideEncryption: { enabled: true, kmsKeyArn: key.arn },
  });
  const trust = new DataAwsIamPolicyDocument(stack, "trust", {
    statement: [{ actions: ["sts:AssumeRole"], principals: [{ type: "Service", identifiers: ["lambda.amazonaws.com"] }] }],
  });
  const role = new IamRole(stack, "role", { name: "iot-test-processor", assumeRolePolicy: trust.json });
  const access = new DataAwsIamPolicyDocument(stack, "access", {
    statement: [
      { actions: ["dynamodb:PutItem"], resources: [table.arn] },
      { actions: ["sqs:SendMessage"], resources: [dlq.arn] },
      { actions: ["kms:Decrypt", "kms:GenerateDataKey"], resources: [key.arn] },
      { actions: ["cloudwatch:PutMetricData", "xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources: ["*"] },
    ],
  });
  new IamRolePolicy(stack, "role_policy", { name: "processor-access", role: role.id, policy: access.json });
  const logs = new CloudwatchLogGroup(stack, "logs", { name: "/aws/lambda/iot-test-processor", retentionInDays: 365, kmsKeyId: key.arn });
  const fn = new LambdaFunction(stack, "processor", {
    functionName: "iot-test-processor",
    role: role.arn,
    runtime: "nodejs22.x",
    handler: "index.handler",
    filename: "dist/functions/processor.zip",
    architectures: ["arm64"],
    memorySize: 256,
    timeout: 30,
    tracingConfig: { mode: "Active" },
    deadLetterConfig: { targetArn: dlq.arn },
    kmsKeyArn: key.arn,
    reservedConcurrentExecutions: 10,
    environment: { variables: { TABLE_NAME: table.name } },
    dependsOn: [logs],
  });
  const rule = new IotTopicRule(stack, "documents_rule", {
    name: "iot_test_shadow_documents",
    enabled: true,
    sqlVersion: "2016-03-23",
    sql: "SELECT *, topic(3) AS thingName FROM '$aws/things/+/shadow/update/documents'",
    lambda: [{ functionArn: fn.arn }],
    errorAction: { sqs: { queueUrl: dlq.url, roleArn: role.arn, useBase64: false } },
  });
  new LambdaPermission(stack, "allow_iot", {
    action: "lambda:InvokeFunction",
    functionName: fn.functionName,
    principal: "iot.amazonaws.com",
    sourceArn: rule.arn,
    sourceAccount: account.accountId,
  });
  new CloudwatchMetricAlarm(stack, "dlq_alarm", {
    alarmName: "iot-test-dlq-messages",
    comparisonOperator: "GreaterThanOrEqualToThreshold",
    evaluationPeriods: 1,
    metricName: "ApproximateNumberOfMessagesVisible",
    namespace: "AWS/SQS",
    period: 300,
    statistic: "Sum",
    threshold: 1,
    dimensions: { QueueName: dlq.name },
    alarmActions: [alarms.arn],
  });

  const bucket = new S3Bucket(stack, "bucket", { bucket: "acme-iot-test-archive" });
  new S3BucketVersioningA(stack, "bucket_versioning", { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } });
  new S3BucketServerSideEncryptionConfigurationA(stack, "bucket_encryption", {
    bucket: bucket.id,
    rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn } }],
  });
  new S3BucketPublicAccessBlock(stack, "bucket_public_access", {
    bucket: bucket.id,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  });
  const tlsOnly = new DataAwsIamPolicyDocument(stack, "bucket_tls_only", {
    statement: [
      {
        effect: "Deny",
        actions: ["s3:*"],
        resources: [bucket.arn, `${bucket.arn}/*`],
        principals: [{ type: "*", identifiers: ["*"] }],
        condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
      },
    ],
  });
  new S3BucketPolicy(stack, "bucket_policy", { bucket: bucket.id, policy: tlsOnly.json });

  const iotArn = (resource: string) => `arn:aws:iot:${region.region}:${account.accountId}:${resource}`;
  new IotPolicy(stack, "device_policy", {
    name: "iot-test-device",
    policy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: ["iot:Connect"], Resource: [iotArn(`client/${THING_NAME_POLICY_VARIABLE}`)] },
        { Effect: "Allow", Action: ["iot:Publish", "iot:Receive"], Resource: [iotArn(`topic/$aws/things/${THING_NAME_POLICY_VARIABLE}/shadow/*`)] },
        { Effect: "Allow", Action: ["iot:Subscribe"], Resource: [iotArn(`topicfilter/$aws/things/${THING_NAME_POLICY_VARIABLE}/shadow/*`)] },
      ],
    }),
  });
  const thingType = new IotThingType(stack, "thing_type", { name: "Thermostat", properties: { searchableAttributes: ["model"] } });
  new IotThing(stack, "thing", { name: "Thermostat-01", thingTypeName: thingType.name, attributes: { model: "T100" } });
  const cert = new IotCertificate(stack, "cert", { active: true, csr: DEVICE_CSR });
  new TerraformOutput(stack, "table_arn", { value: table.arn });
  new TerraformOutput(stack, "certificate_arn", { value: cert.arn });
  return JSON.parse(Testing.synth(stack));
}

const VALID = synthValidStack();
const clone = (): TfJson => structuredClone(VALID);
const res = (j: TfJson, type: string, name: string): TfJson => j.resource[type][name];
const dataSource = (j: TfJson, type: string, name: string): TfJson => j.data[type][name];

function broken(mutate: (j: TfJson) => void): TfJson {
  const j = clone();
  mutate(j);
  return j;
}

/** Rules whose broken stack has its own test below rather than a row in the case table. */
const extraCases: RuleId[] = [];

/** The finding of `ruleId` on `address`; its message must match `fragment` and say how to fix it. */
function expectFinding(findings: Finding[], ruleId: RuleId, address: string, fragment: string | RegExp): Finding {
  const hit = findings.find((f) => f.ruleId === ruleId && f.address === address);
  expect(hit).toBeDefined();
  expect(hit!.message).toMatch(fragment);
  expect(hit!.message).toContain("Fix: ");
  return hit!;
}

describe("offline checks: a valid stack", () => {
  it("has zero findings and many passes", () => {
    const evaluation = evaluateStack("valid", VALID);
    expect(evaluation.findings).toEqual([]);
    expect(evaluation.environment).toBe("prod");
    // The valid stack gives every rule something to check, so each one reports at least one pass.
    const passed = new Set(evaluation.passes.map((p) => p.ruleId));
    expect(RULE_IDS.filter((id) => !passed.has(id))).toEqual([]);
  });

});

describe("offline checks: deliberately broken stacks are caught with the right rule id", () => {
  type Case = [string, (j: TfJson) => void, RuleId, string, string | RegExp, RuleId[]?];
  const cases: Case[] = [
    // NAME
    ["hyphenated topic rule name", (j) => (res(j, "aws_iot_topic_rule", "documents_rule").name = "iot-test-shadow-documents"), "NAME001", "aws_iot_topic_rule.documents_rule", /no hyphens/],
    ["thing name with a space", (j) => (res(j, "aws_iot_thing", "thing").name = "Thermostat 01"), "NAME002", "aws_iot_thing.thing", /IoT thing name "Thermostat 01" is invalid/],
    ["four searchable attributes", (j) => (res(j, "aws_iot_thing_type", "thing_type").properties.searchable_attributes = ["a", "b", "c", "d"]), "NAME002", "aws_iot_thing_type.thing_type", /at most 3/],
    ["IoT policy name with a space", (j) => (res(j, "aws_iot_policy", "device_policy").name = "device policy"), "NAME003", "aws_iot_policy.device_policy", /IoT policy name/],
    ["two-letter table name", (j) => (res(j, "aws_dynamodb_table", "history").name = "ab"), "NAME004", "aws_dynamodb_table.history", /3-255/],
    ["Lambda name over 64 characters", (j) => (res(j, "aws_lambda_function", "processor").function_name = "f".repeat(65)), "NAME005", "aws_lambda_function.processor", /65 characters long; allowed 1-64/],
    ["IAM role name over 64 characters", (j) => (res(j, "aws_iam_role", "role").name = "r".repeat(65)), "NAME006", "aws_iam_role.role", /IAM role name/],
    ["log group name with a space", (j) => (res(j, "aws_cloudwatch_log_group", "logs").name = "/aws/lambda/my fn"), "NAME007", "aws_cloudwatch_log_group.logs", /log group name/],
    ["FIFO queue without .fifo", (j) => (res(j, "aws_sqs_queue", "dlq").fifo_queue = true), "NAME008", "aws_sqs_queue.dlq", /must end with "\.fifo"/],
    ["bucket name with uppercase", (j) => (res(j, "aws_s3_bucket", "bucket").bucket = "Acme-IoT-Archive"), "NAME009", "aws_s3_bucket.bucket", /S3 bucket name "Acme-IoT-Archive" is invalid/],
    ["KMS alias under alias/aws/", (j) => (res(j, "aws_kms_alias", "key_alias").name = "alias/aws/mine"), "NAME010", "aws_kms_alias.key_alias", /KMS alias name/],
    // Names nested in blocks or outside NAME_FIELDS (lib/aws-names rules; boundaries in test/aws-names.test.ts)
    ["thing type description with a newline", (j) => (res(j, "aws_iot_thing_type", "thing_type").properties.description = "line 1\nline 2"), "NAME002", "aws_iot_thing_type.thing_type", /properties\.description: IoT thing type or thing group description "line 1\\nline 2" is invalid; allowed: printable ASCII/],
    ["indexed shadow name with a slash", (j) => (j.resource.aws_iot_indexing_configuration = { idx: { thing_indexing_configuration: { thing_indexing_mode: "REGISTRY_AND_SHADOW", named_shadow_indexing_mode: "ON", filter: { named_shadow_names: ["$package", "bad/name"] } } } }), "NAME002", "aws_iot_indexing_configuration.idx", /thing_indexing_configuration\.filter\.named_shadow_names: shadow name "bad\/name" is invalid/],
    ["provisioning template description over 500", (j) => (j.resource.aws_iot_provisioning_template = { tpl: { name: "iot-test-fleet", provisioning_role_arn: "${aws_iam_role.role.arn}", template_body: "{}", description: "d".repeat(501) } }), "NAME003", "aws_iot_provisioning_template.tpl", /description: IoT provisioning template description .* is 501 characters long; allowed 0-500/],
    ["GSI name with a space", (j) => (res(j, "aws_dynamodb_table", "history").global_secondary_index = [{ name: "by version", hash_key: "pk", range_key: "version", projection_type: "ALL" }]), "NAME004", "aws_dynamodb_table.history", /global_secondary_index\.name: DynamoDB index name "by version" is invalid/],
    ["TTL attribute name over 255 bytes", (j) => (res(j, "aws_dynamodb_table", "history").ttl = { attribute_name: "é".repeat(128), enabled: true }), "NAME004", "aws_dynamodb_table.history", /ttl\.attribute_name: DynamoDB attribute name .* is 256 bytes long; allowed 1-255 bytes/],
    ["Lambda permission statement id with a dot", (j) => (res(j, "aws_lambda_permission", "allow_iot").statement_id = "AllowIot.Rule"), "NAME005", "aws_lambda_permission.allow_iot", /statement_id: Lambda permission statement id "AllowIot\.Rule" is invalid/],
    ["alarm namespace starting with ':'", (j) => (res(j, "aws_cloudwatch_metric_alarm", "dlq_alarm").namespace = ":AWS/SQS"), "NAME010", "aws_cloudwatch_metric_alarm.dlq_alarm", /namespace: CloudWatch alarm metric namespace ":AWS\/SQS" is invalid/],
    ["alarm dimension name of spaces", (j) => (res(j, "aws_cloudwatch_metric_alarm", "dlq_alarm").dimensions = { "  ": "x" }), "NAME010", "aws_cloudwatch_metric_alarm.dlq_alarm", /dimensions key: CloudWatch dimension name "  " is invalid/],
    ["rule metric name over 255", (j) => (res(j, "aws_iot_topic_rule", "documents_rule").cloudwatch_metric = [{ metric_name: "m".repeat(256), metric_namespace: "IotShadow/test", metric_unit: "Count", metric_value: "1", role_arn: "${aws_iam_role.role.arn}" }]), "NAME010", "aws_iot_topic_rule.documents_rule", /cloudwatch_metric\.metric_name: CloudWatch metric name .* is 256 bytes long/],
    ["autoscaling policy name over 255", (j) => (j.resource.aws_appautoscaling_policy = { scale: { name: "p".repeat(256), policy_type: "TargetTrackingScaling", resource_id: "table/iot-test-history", scalable_dimension: "dynamodb:table:ReadCapacityUnits", service_namespace: "dynamodb" } }), "NAME010", "aws_appautoscaling_policy.scale", /name: Application Auto Scaling policy name .* is 256 bytes long; allowed 1-255 bytes/],
    ["SSM parameter name past 1011 with the eu-west-1 ARN prefix", (j) => (j.resource.aws_ssm_parameter = { p: { name: `/${"a".repeat(967)}`, type: "String", value: "v" } }), "NAME010", "aws_ssm_parameter.p", /is 1012 characters long with its ARN prefix in eu-west-1/],
    ["51 tags with the default tags", (j) => (res(j, "aws_sqs_queue", "dlq").tags = Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`t${i}`, "x"]))), "NAME011", "aws_sqs_queue.dlq", /51 tags including provider default_tags/],
    ["tag key starting with aws:", (j) => (res(j, "aws_sqs_queue", "dlq").tags = { "aws:owner": "me" }), "NAME011", "aws_sqs_queue.dlq", /tag key "aws:owner"/],
    ["ARN with an 11-digit account", (j) => (res(j, "aws_lambda_permission", "allow_iot").source_arn = "arn:aws:iot:eu-west-1:12345678901:rule/x"), "NAME012", "aws_lambda_permission.allow_iot", /12-digit account/],
    ["concatenated ARN missing the account", (j) => (res(j, "aws_lambda_permission", "allow_iot").source_arn = "arn:aws:iot:${data.aws_region.region.region}:rule/x"), "NAME012", "aws_lambda_permission.allow_iot", /':' separators/],
    // TF
    ["reference to a missing resource", (j) => (res(j, "aws_lambda_function", "processor").dead_letter_config.target_arn = "${aws_sqs_queue.gone.arn}"), "TF001", "aws_lambda_function.processor", /aws_sqs_queue\.gone, which does not exist/],
    ["depends_on a missing resource", (j) => (res(j, "aws_lambda_function", "processor").depends_on = ["aws_cloudwatch_log_group.gone"]), "TF001", "aws_lambda_function.processor", /depends_on: aws_cloudwatch_log_group\.gone/],
    ["missing remote state data source", (j) => (j.output.table_arn.value = "${data.terraform_remote_state.data.outputs.table_arn}"), "TF001", "output.table_arn", /data\.terraform_remote_state\.data/],
    ["topic rule without sql_version", (j) => delete res(j, "aws_iot_topic_rule", "documents_rule").sql_version, "TF002", "aws_iot_topic_rule.documents_rule", /"sql_version" is missing/],
    ["Lambda without code", (j) => delete res(j, "aws_lambda_function", "processor").filename, "TF002", "aws_lambda_function.processor", /one of "filename", "s3_bucket", "image_uri"/],
    ["range key not declared", (j) => (res(j, "aws_dynamodb_table", "history").range_key = "ts"), "TF002", "aws_dynamodb_table.history", /key "ts" is not declared/],
    ["two queues with one name", (j) => (j.resource.aws_sqs_queue.dlq2 = { ...res(j, "aws_sqs_queue", "dlq") }), "TF003", "aws_sqs_queue.dlq2", /"iot-test-dlq" is also used by aws_sqs_queue\.dlq/],
    ["unescaped policy variable", (j) => (res(j, "aws_iot_policy", "device_policy").policy = res(j, "aws_iot_policy", "device_policy").policy.replace(/\$\$\{/g, "${")), "TF004", "aws_iot_policy.device_policy", /\$\{iot:Connection\.Thing\.ThingName\} is a policy variable; .*\$\$\{iot:/],
    ["unescaped topic() template", (j) => (res(j, "aws_iot_topic_rule", "documents_rule").error_action.sqs.queue_url = "${topic(3)}"), "TF004", "aws_iot_topic_rule.documents_rule", /calls topic\(\), which is no Terraform function/],
    ["unescaped timestamp()", (j) => (res(j, "aws_iot_topic_rule", "documents_rule").sql = "SELECT ${timestamp()} AS t FROM 'a'"), "TF004", "aws_iot_topic_rule.documents_rule", /evaluate itself at every plan/],
    ["policy that is not JSON", (j) => (res(j, "aws_iot_policy", "device_policy").policy = '{"Version": "2012-10-17", "Statement": [}'), "TF005", "aws_iot_policy.device_policy", /not valid JSON/],
    ["log retention of 401 days", (j) => (res(j, "aws_cloudwatch_log_group", "logs").retention_in_days = 400 + 1), "TF006", "aws_cloudwatch_log_group.logs", /retention_in_days = 401 is not one of/],
    ["tracing mode typo", (j) => (res(j, "aws_lambda_function", "processor").tracing_config.mode = "active"), "TF006", "aws_lambda_function.processor", /tracing_config\.mode = "active"/],
    // SEC
    ["bucket without TLS-only policy", (j) => delete j.resource.aws_s3_bucket_policy, "SEC014", "aws_s3_bucket.bucket", /aws:SecureTransport/],
    ["wildcard IAM action", (j) => (dataSource(j, "aws_iam_policy_document", "access").statement[0].actions = ["dynamodb:*"]), "SEC016", "data.aws_iam_policy_document.access", /wildcard action "dynamodb:\*"/],
    ["IAM statement on resource *", (j) => (dataSource(j, "aws_iam_policy_document", "access").statement[0].resources = ["*"]), "SEC017", "data.aws_iam_policy_document.access", /resource "\*" for dynamodb:PutItem/],
    ["iam:PassRole on *", (j) => dataSource(j, "aws_iam_policy_document", "access").statement.push({ actions: ["iam:PassRole"], resources: ["*"] }), "SEC018", "data.aws_iam_policy_document.access", /iam:PassRole on "\*"/, ["SEC017", "SEC018"]],
    ["literal JSON role policy with Action *", (j) => (res(j, "aws_iam_role_policy", "role_policy").policy = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] })), "SEC016", "aws_iam_role_policy.role_policy", /wildcard action "\*"/, ["SEC016", "SEC017", "SEC018"]],
    ["Lambda permission without source_arn", (j) => delete res(j, "aws_lambda_permission", "allow_iot").source_arn, "SEC019", "aws_lambda_permission.allow_iot", /iot\.amazonaws\.com without source_arn/],
    ["Lambda permission without source_account", (j) => delete res(j, "aws_lambda_permission", "allow_iot").source_account, "SEC019", "aws_lambda_permission.allow_iot", /iot\.amazonaws\.com without source_account \(confused deputy\)/],
    ["IoT policy with iot:*", (j) => (res(j, "aws_iot_policy", "device_policy").policy = res(j, "aws_iot_policy", "device_policy").policy.replace('"iot:Connect"', '"iot:*"')), "SEC020", "aws_iot_policy.device_policy", /action "iot:\*"/],
    ["IoT policy on every topic", (j) => (res(j, "aws_iot_policy", "device_policy").policy = res(j, "aws_iot_policy", "device_policy").policy.replace("topic/$aws/things/$${iot:Connection.Thing.ThingName}/shadow/*", "topic/*")), "SEC021", "aws_iot_policy.device_policy", /topic resource ".*topic\/\*" is not scoped/],
    ["IoT policy with policy variables and Version 2008-10-17", (j) => (res(j, "aws_iot_policy", "device_policy").policy = res(j, "aws_iot_policy", "device_policy").policy.replace('"Version":"2012-10-17"', '"Version":"2008-10-17"')), "SEC021", "aws_iot_policy.device_policy", /policy variables need "Version": "2012-10-17" \(found "2008-10-17"\)/],
    ["IoT policy with policy variables and no Version", (j) => (res(j, "aws_iot_policy", "device_policy").policy = res(j, "aws_iot_policy", "device_policy").policy.replace('"Version":"2012-10-17",', "")), "SEC021", "aws_iot_policy.device_policy", /policy variables need "Version": "2012-10-17" \(found none\)/],
    ["IoT policy with a wildcard before the thing name", (j) => (res(j, "aws_iot_policy", "device_policy").policy = res(j, "aws_iot_policy", "device_policy").policy.replace("topicfilter/$aws/things/", "topicfilter/$aws/+/things/")), "SEC021", "aws_iot_policy.device_policy", /wildcard before the thing name/],
    ["output exposing private_key", (j) => (j.output.key = { value: "${aws_iot_certificate.cert.private_key}", sensitive: true }), "SEC022", "output.key", /aws_iot_certificate\.cert\.private_key/],
    ["output exposing an SSM parameter's value", (j) => ((j.resource.aws_ssm_parameter = { key: { name: "/iot-test/device-key", type: "String", value: "v" } }), (j.output.key = { value: "${aws_ssm_parameter.key.value}", sensitive: true })), "SEC022", "output.key", /output exposes aws_ssm_parameter\.key\.value/],
    ["output exposing a key through a local", (j) => ((j.locals = { bundle: { key: "${aws_iot_certificate.cert.private_key}" } }), (j.output.bundle = { value: "${local.bundle}" })), "SEC022", "output.bundle", /via local\.bundle/],
    ["certificate generated by Terraform", (j) => delete res(j, "aws_iot_certificate", "cert").csr, "SEC023", "aws_iot_certificate.cert", /private key in state/],
  ];

  // Objects, not rows: jest passes a done callback to row functions with more parameters than the row has.
  it.each(cases.map(([label, mutate, ruleId, address, fragment, expectedIds]) => ({ label, mutate, ruleId, address, fragment, expectedIds })))(
    "$label",
    ({ mutate, ruleId, address, fragment, expectedIds }) => {
    // A mutation that matches nothing (e.g. a replace() of text the valid stack does not contain,
    // such as the escaped $${iot:...} variable) would test the valid stack instead.
    const stack = broken(mutate);
    expect(stack).not.toEqual(VALID);
    const findings = checkStack("broken", stack);
    expectFinding(findings, ruleId, address, fragment);
    expect([...new Set(findings.map((f) => f.ruleId))].sort()).toEqual((expectedIds ?? [ruleId]).slice().sort());
    expect(blockingFindings(findings).length).toBeGreaterThan(0);
    },
  );

  it("a fleet-provisioning claim policy is not required to use the thing-name variable", () => {
    const claim = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: ["iot:Connect"], Resource: ["arn:aws:iot:eu-west-1:123456789012:client/*"] },
        {
          Effect: "Allow",
          Action: ["iot:Publish", "iot:Receive"],
          Resource: ["arn:aws:iot:eu-west-1:123456789012:topic/$aws/certificates/create-from-csr/*", "arn:aws:iot:eu-west-1:123456789012:topic/$aws/provisioning-templates/tpl/provision/*"],
        },
      ],
    });
    expect(checkStack("claim", broken((j) => (res(j, "aws_iot_policy", "device_policy").policy = claim)))).toEqual([]);
    const withOtherTopic = claim.replace("provisioning-templates/tpl/provision/*", "things/*/shadow/*");
    expect(checkStack("claim", broken((j) => (res(j, "aws_iot_policy", "device_policy").policy = withOtherTopic))).map((f) => f.ruleId)).toContain("SEC021");
  });

  it("role policy names only collide within one role", () => {
    const twoRoles = broken((j) => {
      j.resource.aws_iam_role.other = { ...res(j, "aws_iam_role", "role"), name: "iot-test-other" };
      j.resource.aws_iam_role_policy.other_policy = { ...res(j, "aws_iam_role_policy", "role_policy"), role: "${aws_iam_role.other.id}" };
    });
    expect(checkStack("roles", twoRoles)).toEqual([]);
    const sameRole = broken((j) => (j.resource.aws_iam_role_policy.other_policy = { ...res(j, "aws_iam_role_policy", "role_policy") }));
    expect(checkStack("roles", sameRole).map((f) => [f.ruleId, f.address])).toEqual([
      ["TF003", "aws_iam_role_policy.other_policy"],
      ["TF003", "aws_iam_role_policy.role_policy"],
    ]);
  });

  it("names AWS accepts pass: $-named shadows, spaces in a metric namespace, AWS/ alarm namespaces, a 1011-character SSM ARN", () => {
    const accepted = broken((j) => {
      j.resource.aws_iot_indexing_configuration = { idx: { thing_indexing_configuration: { thing_indexing_mode: "REGISTRY_AND_SHADOW", named_shadow_indexing_mode: "ON", filter: { named_shadow_names: ["$package", "config"] } } } };
      res(j, "aws_iot_topic_rule", "documents_rule").cloudwatch_metric = [{ metric_name: "m".repeat(255), metric_namespace: "My App", metric_unit: "Count", metric_value: "1", role_arn: "${aws_iam_role.role.arn}" }];
      res(j, "aws_cloudwatch_metric_alarm", "dlq_alarm").dimensions = { QueueName: "iot-test-dlq" };
      res(j, "aws_lambda_permission", "allow_iot").statement_id = "s".repeat(100);
      j.resource.aws_ssm_parameter = { p: { name: `/${"a".repeat(966)}`, type: "String", value: "v" } };
      j.resource.aws_appautoscaling_policy = { scale: { name: "p".repeat(255), policy_type: "TargetTrackingScaling", resource_id: "table/iot-test-history", scalable_dimension: "dynamodb:table:ReadCapacityUnits", service_namespace: "dynamodb" } };
    });
    expect(checkStack("accepted", accepted)).toEqual([]);
  });

  it("without a literal provider region the SSM check assumes the longest ARN prefix", () => {
    const ssm = (length: number) =>
      broken((j) => {
        j.provider.aws[0].region = "${var.region}";
        j.variable = { region: { type: "string" } };
        j.resource.aws_ssm_parameter = { p: { name: `/${"a".repeat(length)}`, type: "String", value: "v" } };
      });
    expect(checkStack("ssm", ssm(954))).toEqual([]);
    expect(checkStack("ssm", ssm(955)).map((f) => [f.ruleId, f.message.split("; Fix")[0]])).toEqual([
      ["NAME010", expect.stringMatching(/is 1012 characters long with its ARN prefix when the region is unknown/)],
    ]);
  });

  it("rejects input that is not a Terraform JSON object", () => {
    expect(() => checkStack("bad", [] as unknown as object)).toThrow(/stack bad: expected the parsed cdk.tf.json object/);
  });

  it("an unescaped template built with real constructs is caught too", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "raw");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    new IotPolicy(stack, "raw_policy", {
      name: "raw",
      policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "iot:Connect", Resource: "arn:aws:iot:eu-west-1:123456789012:client/${iot:Connection.Thing.ThingName}" }] }),
    });
    const findings = checkStack("raw", JSON.parse(Testing.synth(stack)));
    expect(findings.map((f) => [f.ruleId, f.address])).toEqual([["TF004", "aws_iot_policy.raw_policy"]]);
  });

  it("has at least one broken stack per rule", () => {
    const covered = new Set<RuleId>([...cases.map((c) => c[2]), ...extraCases]);
    expect(RULE_IDS.filter((id) => !covered.has(id))).toEqual([]);
  });
});

describe("offline checks: waivers", () => {
  const generatedKey = broken((j) => delete res(j, "aws_iot_certificate", "cert").csr);
  const waiver: Waiver = { stack: "broken", address: "aws_iot_certificate.cert", ruleId: "SEC023", reason: "dev demo certificate, revoked after the demo; key in state accepted" };

  it("a matching waiver turns the finding into 'waived' with its reason, and it no longer blocks", () => {
    const evaluation = evaluateStack("broken", generatedKey, { waivers: [waiver] });
    expect(evaluation.findings).toEqual([expect.objectContaining({ ruleId: "SEC023", address: "aws_iot_certificate.cert", status: "waived", waived: waiver.reason })]);
    expect(blockingFindings(evaluation.findings)).toEqual([]);
    expect(evaluation.usedWaivers).toEqual([waiver]);
    const report = formatReport(evaluation.findings);
    expect(report).toMatch(/SEC023\s+aws_iot_certificate\.cert\s+waived\s+waived: dev demo certificate/);
  });

  it("applies only to its stack, address and rule ('*' means every stack)", () => {
    expect(blockingFindings(checkStack("other", generatedKey, { waivers: [waiver] }))).toHaveLength(1);
    expect(blockingFindings(checkStack("other", generatedKey, { waivers: [{ ...waiver, stack: "*" }] }))).toHaveLength(0);
    expect(blockingFindings(checkStack("broken", generatedKey, { waivers: [{ ...waiver, ruleId: "SEC014" }] }))).toHaveLength(1);
    expect(blockingFindings(checkStack("broken", generatedKey, { waivers: [{ ...waiver, address: "aws_iot_certificate.other" }] }))).toHaveLength(1);
  });

  it.each([
    [{ address: "aws_sqs_queue.*" }, /one exact Terraform address/],
    [{ address: "*" }, /one exact Terraform address/],
    [{ reason: "ok" }, /reason must explain why/],
    [{ ruleId: "SEC999" as RuleId }, /ruleId "SEC999" is unknown/],
    [{ stack: "" }, /stack is empty/],
  ])("rejects a waiver with %p", (override, message) => {
    expect(() => validateWaivers([{ ...waiver, ...override }])).toThrow(message);
    expect(() => checkStack("broken", generatedKey, { waivers: [{ ...waiver, ...override }] })).toThrow(message);
  });

  it("rejects duplicate waivers", () => {
    expect(() => validateWaivers([waiver, { ...waiver }])).toThrow(/duplicate waiver/);
  });

  it("the shipped waiver list is valid", async () => {
    const { WAIVERS } = await import("../tools/offline-checks/waivers");
    expect(() => validateWaivers(WAIVERS)).not.toThrow();
  });
});

describe("offline checks: report, synth dir and CLI", () => {
  const fixtures = join(__dirname, "fixtures", "broken-stacks");

  it("formats one table per stack with rule, resource, status and detail, FAIL rows first; passes only when verbose", () => {
    const e = evaluateStack("broken", broken((j) => delete res(j, "aws_iot_certificate", "cert").csr));
    const clean = evaluateStack("clean", broken(() => undefined));
    const rows = [...e.findings, ...e.passes, ...clean.findings, ...clean.passes];
    const verbose = formatReport(rows, { verbose: true });
    const lines = verbose.split("\n");
    expect(lines[0]).toMatch(/^== broken: 1 FAIL, 0 waived, 0 info, \d+ pass$/);
    expect(lines[1]).toMatch(/^rule\s+resource\s+status\s+detail$/);
    expect(lines[3]).toMatch(/^SEC023\s+aws_iot_certificate\.cert\s+FAIL\s+no csr: AWS generates the key pair/);
    expect(verbose).toMatch(/TF001\s+aws_sqs_queue\.dlq\s+pass/);
    expect(verbose).toMatch(/^== clean: 0 FAIL, 0 waived, 0 info, \d+ pass$/m);

    // Default: the findings, and the stacks without any in one line with their pass count.
    const report = formatReport(rows);
    expect(report).not.toMatch(/^\S+\s+\S+\s+pass$/m);
    expect(report).toMatch(/^SEC023\s+aws_iot_certificate\.cert\s+FAIL/m);
    expect(report).toContain(`== no findings in 1 stack(s) (${clean.passes.length} pass): clean`);
    expect(report).not.toMatch(/^== clean:/m);
  });

  it("checkSynthDir reads cdktf.out/stacks/*/cdk.tf.json and reports per stack", () => {
    const result = checkSynthDir(join(fixtures, "failing"));
    expect(result.stacks.map((s) => s.stack)).toEqual(["certificate-without-csr", "clean"]);
    expect(blockingFindings(result.findings).map((f) => [f.stack, f.ruleId, f.address])).toEqual([["certificate-without-csr", "SEC023", "aws_iot_certificate.cert"]]);
    expect(checkSynthDir(join(fixtures, "clean")).findings).toEqual([]);
    expect(() => checkSynthDir(join(fixtures, "nowhere"))).toThrow(/run "npm run synth" first/);
  });

  it("checkSynthDir lists waivers that matched nothing", () => {
    const stale: Waiver = { stack: "*", address: "aws_iot_certificate.gone", ruleId: "SEC023", reason: "kept to show stale waivers are reported" };
    expect(checkSynthDir(join(fixtures, "clean"), { waivers: [stale] }).unusedWaivers).toEqual([stale]);
  });

  const tsx = join(__dirname, "..", "node_modules", ".bin", "tsx");
  const cli = join(__dirname, "..", "scripts", "check.ts");

  it("the CLI exits 1 on an unwaived finding and prints the findings and a summary; --verbose adds every pass", () => {
    const run = spawnSync(tsx, [cli, join(fixtures, "failing")], { encoding: "utf8" });
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/== certificate-without-csr: 1 FAIL/);
    expect(run.stdout).toMatch(/SEC023\s+aws_iot_certificate\.cert\s+FAIL/);
    expect(run.stdout).not.toMatch(/^\S+\s+\S+\s+pass$/m);
    const passes = Number(/^2 stack\(s\): 1 unwaived finding\(s\), 0 waived, (\d+) pass\(es\) \(--verbose lists them\)\.$/m.exec(run.stdout)?.[1]);
    expect(passes).toBeGreaterThan(0);

    const verbose = spawnSync(tsx, [cli, join(fixtures, "failing"), "--verbose"], { encoding: "utf8" });
    expect(verbose.status).toBe(1);
    expect(verbose.stdout.match(/^\S+\s+\S+\s+pass$/gm)).toHaveLength(passes);
    expect(verbose.stdout).toMatch(/^== clean: 0 FAIL, 0 waived, 0 info, \d+ pass$/m);
    expect(verbose.stdout).toContain(`2 stack(s): 1 unwaived finding(s), 0 waived, ${passes} pass(es).`);
  });

  it("the CLI exits 0 on clean stacks and 2 when there is nothing to check", () => {
    expect(spawnSync(tsx, [cli, join(fixtures, "clean")], { encoding: "utf8" }).status).toBe(0);
    const missing = spawnSync(tsx, [cli, join(fixtures, "nowhere")], { encoding: "utf8" });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/npm run synth/);
  });
});

describe("offline checks: catalog and README stay in sync", () => {
  const readme = readFileSync(join(__dirname, "..", "tools", "offline-checks", "README.md"), "utf8");

  it("every catalog rule has exactly one check, and every check is in the catalog", () => {
    expect(ALL_RULES.map((r) => r.id)).toEqual(RULE_IDS);
  });

  it("the README rule table is the generated one, and states the rule count", () => {
    expect(readme).toContain(ruleTableMarkdown());
    expect(readme).toContain(`${RULE_IDS.length} rules`);
  });
});

describe("offline checks: template scanner", () => {
  it("skips escaped $${...} and finds interpolations nested in string literals", () => {
    expect(interpolations("a $${topic(3)} b").map((i) => i.expression)).toEqual([]);
    const found = interpolations('${join(",", ["${aws_sqs_queue.a.arn}/*", var.x])}');
    expect(found.map((i) => i.expression)).toEqual(['join(",", ["${aws_sqs_queue.a.arn}/*", var.x])', "aws_sqs_queue.a.arn"]);
  });

  it.each([
    ["aws_sqs_queue.a.arn", undefined],
    ['jsonencode({ a = "b" })', undefined],
    ["var.enabled ? 1 : 0", undefined],
    ["provider::aws::arn_parse(var.arn)", undefined],
    ["topic(3)", /no Terraform function/],
    ["iot:Connection.Thing.ThingName", /policy variable/],
    ["cognito-identity.amazonaws.com:sub", /policy variable/],
    ["timestamp()", /every plan/],
    ["state.reported.temperature", /no Terraform reference/],
    ["thingName", /no Terraform reference/],
  ])("classifies ${%s}", (expression, expected) => {
    const [interp] = interpolations("${" + expression + "}");
    const shape = iotTemplateShape(interp);
    if (expected) expect(shape).toMatch(expected);
    else expect(shape).toBeUndefined();
  });
});

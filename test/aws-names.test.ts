/**
 * Boundary tests for the AWS name rules (lib/aws-names.ts): for each rule the maximum length,
 * maximum + 1, and each character class the AWS pattern leaves out; then the places that apply
 * the rules (modules, config schema, processor).
 */
import { Testing, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { AWS_NAME_RULES, NameContext, NameRuleId, checkName, ssmParameterArnPrefixLength } from "../lib/aws-names";
import { EnvironmentConfigError, resolveEnvironment } from "../lib/config-schema";
import { dev } from "../environments/dev";
import { parseShadowDocumentsEvent } from "../functions/shadow-history/event";
import { CLASSIC_SHADOW, HistoryStore } from "../modules/history-store";
import { validateAlarmMetric } from "../modules/observability/validate";
import type { AlarmSpec } from "../modules/observability/alarms";

type Row = [NameRuleId, string, boolean, NameContext?];

const x = (n: number, c = "a") => c.repeat(n);
/** U+20000, a letter (\p{L}) outside the BMP: one character, two UTF-16 units, four UTF-8 bytes. */
const WIDE_LETTER = "\u{20000}";

const ok = (rule: NameRuleId, value: string, context?: NameContext): Row => [rule, value, true, context];
const bad = (rule: NameRuleId, value: string, context?: NameContext): Row => [rule, value, false, context];

const EU = { region: "eu-west-1", partition: "aws" };

const rows: Row[] = [
  // iot-data-plane ShadowName: [$a-zA-Z0-9:_-]+, 1-64
  ok("iotShadow", "$package"),
  ok("iotShadow", "a:b_c-D9$"),
  ok("iotShadow", x(64, "s")),
  bad("iotShadow", x(65, "s")),
  bad("iotShadow", ""),
  bad("iotShadow", "a/b"),
  bad("iotShadow", "a b"),
  bad("iotShadow", "a#b"),
  bad("iotShadow", "a+b"),
  bad("iotShadow", "a.b"),
  bad("iotShadow", "é"),
  // namedShadow: the AWS rule minus the classic shadow's pseudo-name
  ok("iotShadow", CLASSIC_SHADOW),
  bad("namedShadow", CLASSIC_SHADOW),
  ok("namedShadow", "$package"),
  ok("namedShadow", `${CLASSIC_SHADOW}2`),
  bad("namedShadow", x(65, "s")),

  // dynamodb KeySchemaAttributeName / TimeToLiveAttributeName: 1-255, any characters (bytes)
  ok("dynamodbAttribute", "ab\ncd"),
  ok("dynamodbAttribute", "a b/#:é\t"),
  ok("dynamodbAttribute", x(255)),
  bad("dynamodbAttribute", x(256)),
  ok("dynamodbAttribute", x(127, "é")), // 254 bytes
  bad("dynamodbAttribute", x(128, "é")), // 256 bytes, 128 characters
  bad("dynamodbAttribute", ""),
  // dynamodb IndexName: [a-zA-Z0-9_.-]+, 3-255
  ok("dynamodbIndex", "byThingTime"),
  ok("dynamodbIndex", "a.b_c-1"),
  ok("dynamodbIndex", x(255)),
  bad("dynamodbIndex", x(256)),
  ok("dynamodbIndex", "abc"),
  bad("dynamodbIndex", "ab"),
  bad("dynamodbIndex", "by time"),
  bad("dynamodbIndex", "by/time"),
  bad("dynamodbIndex", "by:time"),
  bad("dynamodbIndex", "indexé"),

  // cloudwatch-logs LogGroupName: [\.\-_/#A-Za-z0-9]+, 1-512, not starting with aws/
  ok("logGroup", "/aws/iot/errors"),
  bad("logGroup", "aws/iot/errors"),
  ok("logGroup", "my-aws/iot"),
  ok("logGroup", `/${x(511)}`),
  bad("logGroup", `/${x(512)}`),
  bad("logGroup", ""),
  bad("logGroup", "/a b"),
  bad("logGroup", "/a:b"),
  bad("logGroup", "/aé"),

  // S3 bucket naming rules, 3-63
  ok("s3Bucket", "acme-iot.archive-1"),
  ok("s3Bucket", x(63)),
  bad("s3Bucket", x(64)),
  ok("s3Bucket", "abc"),
  bad("s3Bucket", "ab"),
  bad("s3Bucket", "a..b"),
  ok("s3Bucket", "a.b"),
  bad("s3Bucket", "xn--abc"),
  bad("s3Bucket", "sthree-abc"),
  bad("s3Bucket", "amzn-s3-demo-abc"),
  ok("s3Bucket", "amzn-s3-demoabc"),
  bad("s3Bucket", "abc-s3alias"),
  bad("s3Bucket", "abc--ol-s3"),
  bad("s3Bucket", "abc.mrap"),
  bad("s3Bucket", "abc--x-s3"),
  bad("s3Bucket", "abc--table-s3"),
  ok("s3Bucket", "abc-table-s3"),
  bad("s3Bucket", "192.168.1.1"),
  bad("s3Bucket", "Abc"),
  bad("s3Bucket", "a_bc"),
  bad("s3Bucket", "-abc"),
  bad("s3Bucket", "abc."),

  // cloudwatch Namespace ([^:].*, 1-255) as published: printable ASCII, not :..., not AWS/...
  ok("cloudwatchNamespace", "My App"),
  ok("cloudwatchNamespace", "IotShadow/thermostat/dev:x~!"),
  ok("cloudwatchNamespace", x(255)),
  bad("cloudwatchNamespace", x(256)),
  bad("cloudwatchNamespace", ":ns"),
  bad("cloudwatchNamespace", "AWS/IoT"),
  ok("cloudwatchNamespace", "MyAWS/IoT"),
  bad("cloudwatchNamespace", "a\tb"),
  bad("cloudwatchNamespace", "a\x7fb"),
  bad("cloudwatchNamespace", "Ünits"),
  bad("cloudwatchNamespace", ""),
  // ... and as read by an alarm, where AWS/ namespaces are the point
  ok("cloudwatchAlarmNamespace", "AWS/SQS"),
  ok("cloudwatchAlarmNamespace", x(255)),
  bad("cloudwatchAlarmNamespace", x(256)),
  bad("cloudwatchAlarmNamespace", ":AWS/SQS"),
  bad("cloudwatchAlarmNamespace", "a\nb"),
  bad("cloudwatchAlarmNamespace", "é"),

  // cloudwatch MetricName: 1-255 (bytes, as the provider counts)
  ok("cloudwatchMetric", "ShadowUpdatesAccepted"),
  ok("cloudwatchMetric", x(255)),
  bad("cloudwatchMetric", x(256)),
  bad("cloudwatchMetric", `${x(254)}é`),
  bad("cloudwatchMetric", ""),
  // cloudwatch DimensionName: 1-255, ASCII, a non-space character, not starting with ':'
  ok("cloudwatchDimensionName", "FunctionName"),
  ok("cloudwatchDimensionName", "a:b c"),
  ok("cloudwatchDimensionName", x(255)),
  bad("cloudwatchDimensionName", x(256)),
  bad("cloudwatchDimensionName", ":a"),
  bad("cloudwatchDimensionName", "   "),
  bad("cloudwatchDimensionName", "a\tb"),
  bad("cloudwatchDimensionName", "é"),
  bad("cloudwatchDimensionName", ""),
  // cloudwatch DimensionValue: 1-1024, ASCII, a non-space character
  ok("cloudwatchDimensionValue", ":shadow-history"),
  ok("cloudwatchDimensionValue", x(1024)),
  bad("cloudwatchDimensionValue", x(1025)),
  bad("cloudwatchDimensionValue", " "),
  bad("cloudwatchDimensionValue", "a\nb"),
  bad("cloudwatchDimensionValue", "é"),

  // cloudwatch AlarmName: 1-255 bytes, no ASCII control characters (DEL included)
  ok("cloudwatchAlarm", "iot-dev: processor errors (é)"),
  ok("cloudwatchAlarm", x(255)),
  bad("cloudwatchAlarm", x(256)),
  ok("cloudwatchAlarm", x(127, "é")),
  bad("cloudwatchAlarm", x(128, "é")), // 128 characters but 256 bytes
  bad("cloudwatchAlarm", "a\x00b"),
  bad("cloudwatchAlarm", "a\nb"),
  bad("cloudwatchAlarm", "a\x1fb"),
  bad("cloudwatchAlarm", "a\x7fb"),
  bad("cloudwatchAlarm", ""),

  // SSM parameter names: a-zA-Z0-9_.-/, no aws/ssm prefix in any case, 15 levels, 1011 with the ARN prefix
  ok("ssmParameter", "/iot-dev/device-keys/Thermostat-01/private-key"),
  ok("ssmParameter", `/${x(966)}`, EU), // arn:aws:ssm:eu-west-1:<12>:parameter/ is 45 characters: 45 + 966 = 1011
  bad("ssmParameter", `/${x(967)}`, EU),
  ok("ssmParameter", x(966), EU),
  bad("ssmParameter", x(967), EU),
  ok("ssmParameter", `/${x(954)}`), // region unknown: the longest prefix (57) is assumed
  bad("ssmParameter", `/${x(955)}`),
  ok("ssmParameter", `/${Array.from({ length: 15 }, (_, i) => `l${i}`).join("/")}`),
  bad("ssmParameter", `/${Array.from({ length: 16 }, (_, i) => `l${i}`).join("/")}`),
  bad("ssmParameter", "aws-config"),
  bad("ssmParameter", "/aws/reference/x"),
  bad("ssmParameter", "/AWS/x"),
  bad("ssmParameter", "AwSx"),
  bad("ssmParameter", "ssm"),
  bad("ssmParameter", "/SSM-keys/x"),
  ok("ssmParameter", "/my/aws/ssm"),
  ok("ssmParameter", "/aw/s"),
  bad("ssmParameter", "/a b"),
  bad("ssmParameter", "/a:b"),
  bad("ssmParameter", "/aé"),
  bad("ssmParameter", ""),

  // TagKey: [\p{L}\p{Z}\p{N}_.:/=+\-@], 1-128 characters (code points), aws: reserved in any case
  ok("tagKey", "cost-center"),
  ok("tagKey", "Kostenstelle é 1"),
  ok("tagKey", x(128)),
  bad("tagKey", x(129)),
  ok("tagKey", x(128, WIDE_LETTER)), // 256 UTF-16 units, 128 characters
  bad("tagKey", x(129, WIDE_LETTER)),
  bad("tagKey", "aws:owner"),
  bad("tagKey", "AWS:owner"),
  bad("tagKey", "Aws:owner"),
  ok("tagKey", "aws-owner"),
  ok("tagKey", "team:aws:x"),
  bad("tagKey", "a!b"),
  bad("tagKey", "a#b"),
  bad("tagKey", ""),
  // TagValue: same characters, 0-256
  ok("tagValue", ""),
  ok("tagValue", x(256, WIDE_LETTER)),
  bad("tagValue", x(257, WIDE_LETTER)),
  ok("tagValue", x(256)),
  bad("tagValue", x(257)),
  bad("tagValue", "a!b"),
  bad("tagValue", "a\nb"),

  // iot ThingTypeDescription / ThingGroupDescription: [\p{Graph}\x20]*, max 2028
  ok("iotDescription", ""),
  ok("iotDescription", "Rooftop HVAC unit, model ~#1 (v2)!"),
  ok("iotDescription", x(2028)),
  bad("iotDescription", x(2029)),
  bad("iotDescription", "line 1\nline 2"),
  bad("iotDescription", "a\tb"),
  bad("iotDescription", "a\x7fb"),
  bad("iotDescription", "Gerät"),
  // iot TemplateDescription: [^\p{C}]*, 0-500
  ok("iotProvisioningTemplateDescription", ""),
  ok("iotProvisioningTemplateDescription", x(500, "é")),
  bad("iotProvisioningTemplateDescription", x(501)),
  bad("iotProvisioningTemplateDescription", "a\nb"),
  bad("iotProvisioningTemplateDescription", "a\u200bb"), // zero-width space: format (Cf)
  bad("iotProvisioningTemplateDescription", "a\x7fb"),

  // lambda StatementId: ([a-zA-Z0-9-_]+), 1-100
  ok("lambdaStatementId", "AllowIotRule-iot_dev_shadow_documents_classic"),
  ok("lambdaStatementId", x(100)),
  bad("lambdaStatementId", x(101)),
  bad("lambdaStatementId", "Allow.Iot"),
  bad("lambdaStatementId", "Allow Iot"),
  bad("lambdaStatementId", "Allow:Iot"),
  bad("lambdaStatementId", ""),

  // application-autoscaling PolicyName: \p{Print}+, 1-256; the provider allows 255
  ok("appautoscalingPolicy", "iot-prod-shadow-history-byThingTime-write"),
  ok("appautoscalingPolicy", "a b ~"),
  ok("appautoscalingPolicy", x(255)),
  bad("appautoscalingPolicy", x(256)),
  bad("appautoscalingPolicy", "a\tb"),
  bad("appautoscalingPolicy", "é"),
  bad("appautoscalingPolicy", ""),
];

describe("AWS name rules: boundaries from the AWS patterns", () => {
  it.each(rows.map(([rule, value, valid, context]) => ({ rule, value, valid, context, shown: JSON.stringify(value.length > 24 ? `${value.slice(0, 12)}…(${value.length})` : value) })))(
    "$rule $shown -> valid $valid",
    ({ rule, value, valid, context }) => {
      expect(checkName(rule, value, context)).toEqual(valid ? undefined : expect.stringContaining(AWS_NAME_RULES[rule].label));
    },
  );

  it("says what is allowed, and counts the unit the limit is in", () => {
    expect(checkName("logGroup", "aws/iot/errors")).toBe(
      'CloudWatch log group name "aws/iot/errors" is invalid; allowed: letters, digits and . - _ / # (not starting with aws/)',
    );
    expect(checkName("cloudwatchAlarm", x(128, "é"))).toMatch(/is 256 bytes long; allowed 1-255 bytes$/);
    expect(checkName("tagKey", x(129, WIDE_LETTER))).toMatch(/is 129 characters long; allowed 1-128 characters$/);
    expect(checkName("dynamodbAttribute", "")).toBe('DynamoDB attribute name "" is 0 bytes long; allowed 1-255 bytes');
    // Control characters are shown escaped, not printed raw.
    expect(checkName("cloudwatchAlarm", "a\nb")).toBe('CloudWatch alarm name "a\\nb" is invalid; allowed: any characters except ASCII control characters');
    expect(checkName("namedShadow", CLASSIC_SHADOW)).toMatch(/shadow name "\$classic" is reserved: the shadow history stores the classic shadow as "\$classic"/);
    expect(checkName("ssmParameter", `/${x(967)}`, EU)).toMatch(/is 1012 characters long with its ARN prefix in eu-west-1; AWS allows at most 1011 including arn:/);
    expect(checkName("ssmParameter", `/${x(955)}`)).toMatch(/is 1012 characters long with its ARN prefix when the region is unknown/);
    expect(checkName("ssmParameter", `/${x(16, "a/")}b`)).toMatch(/has 17 hierarchy levels; AWS allows at most 15/);
  });

  it("the SSM ARN prefix length follows partition and region", () => {
    expect(ssmParameterArnPrefixLength(EU)).toBe("arn:aws:ssm:eu-west-1:123456789012:parameter/".length);
    expect(ssmParameterArnPrefixLength({ region: "us-gov-west-1" })).toBe("arn:aws-us-gov:ssm:us-gov-west-1:123456789012:parameter/".length);
    expect(ssmParameterArnPrefixLength({ region: "cn-north-1" })).toBe("arn:aws-cn:ssm:cn-north-1:123456789012:parameter/".length);
    // Unknown: no real partition and region are longer together.
    expect(ssmParameterArnPrefixLength({})).toBe("arn:aws-us-gov:ssm:ap-southeast-5:123456789012:parameter/".length);
  });
});

describe("AWS name rules: where they are applied", () => {
  function synthHistory(tableName: string) {
    const app = Testing.app();
    const stack = new TerraformStack(app, "test");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    new HistoryStore(stack, "history", {
      tableName,
      billingMode: "PROVISIONED",
      provisionedCapacity: { readCapacity: 1, writeCapacity: 1, maxCapacity: 10 },
      // An existing key: the default alias (alias/<tableName>) of a 255-character table name would be too long.
      existingKmsKeyArn: "arn:aws:kms:eu-west-1:111111111111:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
    });
    const tf = JSON.parse(Testing.synth(stack));
    return (Object.values(tf.resource.aws_appautoscaling_policy) as { name: string }[]).map((p) => p.name).sort();
  }

  it("autoscaling policy names are <table>-<scope>-<kind>, checked against the policy-name rule", () => {
    expect(synthHistory("iot-prod-h")).toEqual(["iot-prod-h-byThingTime-read", "iot-prod-h-byThingTime-write", "iot-prod-h-table-read", "iot-prod-h-table-write"]);
  });

  it("a 255-character table name gets shortened policy names: at most 255, distinct, the same on every synth", () => {
    const table = `t${x(254, "b")}`;
    const names = synthHistory(table);
    expect(names.every((n) => n.length <= 255 && checkName("appautoscalingPolicy", n) === undefined)).toBe(true);
    expect(new Set(names).size).toBe(4);
    expect(names.every((n) => /^tb+-[0-9a-f]{8}-(table|byThingTime)-(read|write)$/.test(n))).toBe(true);
    expect(synthHistory(table)).toEqual(names);
    // A different long table name gets a different hash, even where the kept prefix is the same.
    expect(synthHistory(`t${x(253, "b")}c`)).not.toEqual(names);
  });

  it("alarm metrics: AWS/ namespaces pass, and namespace, metric and dimensions are checked", () => {
    const spec: AlarmSpec = {
      purpose: "deadLetterMessages",
      nameSuffix: "dlq",
      description: "d",
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: "iot-dev-dlq" },
      statistic: "Maximum",
      periodSeconds: 300,
      evaluationPeriods: 1,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold: 1,
      treatMissingData: "notBreaching",
    };
    expect(() => validateAlarmMetric(spec)).not.toThrow();
    expect(() => validateAlarmMetric({ ...spec, namespace: ":AWS/SQS" })).toThrow(/Observability alarm deadLetterMessages namespace: CloudWatch alarm metric namespace ":AWS\/SQS" is invalid; allowed: printable ASCII/);
    expect(() => validateAlarmMetric({ ...spec, metricName: x(256) })).toThrow(/deadLetterMessages metricName: CloudWatch metric name .* is 256 bytes long; allowed 1-255 bytes/);
    expect(() => validateAlarmMetric({ ...spec, dimensions: { ":Queue": "q" } })).toThrow(/deadLetterMessages dimensions: CloudWatch dimension name ":Queue" is invalid/);
    expect(() => validateAlarmMetric({ ...spec, dimensions: { QueueName: " " } })).toThrow(/deadLetterMessages dimensions\["QueueName"\]: CloudWatch dimension value " " is invalid/);
    // Tokens are left to Terraform.
    expect(() => validateAlarmMetric({ ...spec, dimensions: { QueueName: "${TfToken[TOKEN.1]}" } })).not.toThrow();
  });

  function configError(mutate: (c: any) => void): string {
    const copy = JSON.parse(JSON.stringify(dev));
    mutate(copy);
    try {
      resolveEnvironment(copy, "dev");
    } catch (e) {
      expect(e).toBeInstanceOf(EnvironmentConfigError);
      return (e as Error).message;
    }
    return "accepted";
  }

  it("the config schema: $-names route, the classic shadow's pseudo-name does not, descriptions follow the IoT pattern", () => {
    expect(configError((c) => (c.shadows = { classic: true, named: ["$package", "config"] }))).toBe("accepted");
    expect(configError((c) => (c.shadows = { classic: true, named: [CLASSIC_SHADOW] }))).toMatch(/shadows\.named\[0\]: shadow name "\$classic" is reserved/s);
    expect(configError((c) => (c.devices.thingType.description = "line 1\nline 2"))).toMatch(/devices\.thingType\.description.*IoT thing type or thing group description "line 1\\nline 2" is invalid/s);
    expect(configError((c) => (c.devices.thingType.description = x(2028)))).toBe("accepted");
    expect(configError((c) => (c.devices.thingType.description = x(2029)))).toMatch(/is 2029 characters long; allowed 0-2028 characters/);
    expect(configError((c) => (c.tags = { "AWS:team": "x" }))).toMatch(/tag key "AWS:team" is invalid/);
  });

  it("the processor accepts $-named shadows and refuses a named shadow called $classic", () => {
    const event = (shadowName: string) => ({ thingName: "Thermostat-01", shadowName, previous: null, current: { state: { reported: { t: 1 } }, version: 1 }, timestamp: 1700000000 });
    expect(parseShadowDocumentsEvent(event("$package")).shadowName).toBe("$package");
    expect(() => parseShadowDocumentsEvent(event(CLASSIC_SHADOW))).toThrow(/shadowName.*shadow name "\$classic" is reserved/);
  });
});

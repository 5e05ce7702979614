import { TerraformStack, Testing } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { METRIC as HANDLER_METRICS } from "../functions/shadow-history/handler";
import { Observability, ObservabilityProps, PROCESSOR_METRICS } from "../modules/observability";
import { ShadowRules } from "../modules/shadow-rules";

type Json = Record<string, any>;

const ACCOUNT = "111111111111";
const NAMESPACE = "IotShadow/thermostat/dev";
const FUNCTION = "iot-dev-shadow-history";
const DLQ = "iot-dev-shadow-history-dlq";
const ERROR_QUEUE = "iot-dev-rule-errors";
const TABLE = "iot-dev-shadow-history";
const THRESHOLDS = { processorErrors: 3, processorThrottles: 2, deadLetterMessages: 4, errorActionMessages: 1, invalidEvents: 5 };

const BASE: ObservabilityProps = {
  namePrefix: "iot-dev",
  accountId: ACCOUNT,
  region: "eu-west-1",
  metricNamespace: NAMESPACE,
  processorFunctionName: FUNCTION,
  deadLetterQueueName: DLQ,
  errorQueueName: ERROR_QUEUE,
  historyTableName: TABLE,
  thresholds: THRESHOLDS,
  emailSubscriptions: ["oncall@example.com", "iot-team@example.com"],
};

function newStack(): TerraformStack {
  const stack = new TerraformStack(Testing.app(), "test");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  return stack;
}

function synth(overrides: Partial<ObservabilityProps> = {}): { json: Json; construct: Observability } {
  const stack = newStack();
  const construct = new Observability(stack, "obs", { ...BASE, ...overrides });
  return { json: JSON.parse(Testing.synth(stack)), construct };
}

const resources = (json: Json, type: string): Json => json.resource?.[type] ?? {};
const ref = (type: string, key: string, attr: string) => "${" + `${type}.${key}.${attr}` + "}";
const only = (json: Json, type: string): [string, Json] => {
  const entries = Object.entries(resources(json, type));
  expect(entries).toHaveLength(1);
  return entries[0] as [string, Json];
};
const alarmsByName = (json: Json): Record<string, Json> =>
  Object.fromEntries(Object.values(resources(json, "aws_cloudwatch_metric_alarm")).map((a: Json) => [a.alarm_name, a]));
const dashboardBody = (json: Json): Json => JSON.parse(only(json, "aws_cloudwatch_dashboard")[1].dashboard_body);
type Row = (string | Json)[];
const metricRows = (body: Json): Row[] => body.widgets.filter((w: Json) => w.type === "metric").flatMap((w: Json) => w.properties.metrics);
/** [namespace, name, {dimName: value}] of a dashboard row. */
function parseRow(row: Row): { namespace: string; name: string; dims: Record<string, string> } {
  const [namespace, name, ...rest] = row as [string, string, ...(string | Json)[]];
  const flat = rest.filter((x): x is string => typeof x === "string");
  const dims: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) dims[flat[i]] = flat[i + 1];
  return { namespace, name, dims };
}

/**
 * What exists, written out independently of the module: metrics the platform
 * emits (rules: no dimensions; processor EMF: service dimension) and the AWS
 * metrics with the dimensions AWS publishes them under.
 */
const EMITTED: Record<string, Record<string, string[]>> = {
  [NAMESPACE]: {
    ShadowUpdatesAccepted: [],
    ShadowDeltaPublished: [],
    ShadowUpdateRejected: [],
    ShadowUpdateStored: ["service"],
    DuplicateSkipped: ["service"],
    InvalidEvent: ["service"],
    DriftDetected: ["service"],
    StoreFailed: ["service"],
    ShadowDocumentSize: ["service"],
    ConvergenceLatency: ["service"],
  },
  "AWS/Lambda": { Invocations: ["FunctionName"], Errors: ["FunctionName"], Throttles: ["FunctionName"], Duration: ["FunctionName"], AsyncEventsDropped: ["FunctionName"] },
  "AWS/SQS": { ApproximateNumberOfMessagesVisible: ["QueueName"] },
  "AWS/Logs": { IncomingLogEvents: ["LogGroupName"] },
  "AWS/DynamoDB": {
    ConsumedWriteCapacityUnits: ["TableName"],
    ConsumedReadCapacityUnits: ["TableName"],
    WriteThrottleEvents: ["TableName"],
    ReadThrottleEvents: ["TableName"],
  },
};

describe("Observability: alarm topic", () => {
  it("encrypts the alarm topic with a rotating key that CloudWatch may use, and subscribes the configured addresses", () => {
    const { json, construct } = synth();
    const [keyKey, key] = only(json, "aws_kms_key");
    const [, topic] = only(json, "aws_sns_topic");
    expect(topic.name).toBe("iot-dev-alarms");
    expect(topic.kms_master_key_id).toBe(ref("aws_kms_key", keyKey, "arn"));
    expect(key.enable_key_rotation).toBe(true);
    expect(key.lifecycle).toEqual({ prevent_destroy: true });
    const statement = JSON.parse(key.policy).Statement.find((s: Json) => s.Principal?.Service === "cloudwatch.amazonaws.com");
    expect(statement.Action).toEqual(["kms:Decrypt", "kms:GenerateDataKey*"]);
    expect(JSON.parse(key.policy).Statement.map((s: Json) => s.Sid)).toEqual(["EnableIamPoliciesOfThisAccount", "AllowCloudWatchAlarmsToPublish"]);
    expect(only(json, "aws_kms_alias")[1]).toEqual({ name: "alias/iot-dev-alarms", target_key_id: ref("aws_kms_key", keyKey, "key_id") });
    const subs = Object.values(resources(json, "aws_sns_topic_subscription")) as Json[];
    const topicKey = only(json, "aws_sns_topic")[0];
    expect(subs.map((s) => [s.protocol, s.endpoint, s.topic_arn]).sort()).toEqual(
      [
        ["email", "iot-team@example.com", ref("aws_sns_topic", topicKey, "arn")],
        ["email", "oncall@example.com", ref("aws_sns_topic", topicKey, "arn")],
      ].sort(),
    );
    expect(Object.keys(construct.subscriptions).sort()).toEqual(["iot-team@example.com", "oncall@example.com"]);
  });

  it("lets CloudWatch use the key only for this account's alarms of this environment", () => {
    const [, key] = only(synth().json, "aws_kms_key");
    const statement = JSON.parse(key.policy).Statement.find((s: Json) => s.Sid === "AllowCloudWatchAlarmsToPublish");
    expect(statement.Condition).toEqual({
      StringEquals: { "aws:SourceAccount": ACCOUNT },
      ArnLike: { "aws:SourceArn": expect.stringMatching(new RegExp(`^arn:\\$\\{data\\.aws_partition\\.\\w+\\.partition\\}:cloudwatch:eu-west-1:${ACCOUNT}:alarm:iot-dev-\\*$`)) },
    });
  });

  it("has a topic policy: publishing only by CloudWatch for this environment's alarms, nobody else, TLS only", () => {
    const { json, construct } = synth();
    const [topicKey] = only(json, "aws_sns_topic");
    const [, policy] = only(json, "aws_sns_topic_policy");
    const topicArn = ref("aws_sns_topic", topicKey, "arn");
    expect(policy.arn).toBe(topicArn);
    const statements = JSON.parse(policy.policy).Statement;
    expect(statements).toEqual([
      {
        Sid: "AllowCloudWatchAlarmsOfThisEnvironment",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: "sns:Publish",
        Resource: topicArn,
        Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT }, ArnLike: { "aws:SourceArn": expect.stringMatching(/:cloudwatch:eu-west-1:111111111111:alarm:iot-dev-\*$/) } },
      },
      { Sid: "DenyPublishByAnyoneButAService", Effect: "Deny", Principal: "*", Action: "sns:Publish", Resource: topicArn, Condition: { Bool: { "aws:PrincipalIsAWSService": "false" } } },
      { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "sns:Publish", Resource: topicArn, Condition: { Bool: { "aws:SecureTransport": "false" } } },
    ]);
    // Every alarm the module creates falls under the pattern the topic and the key allow.
    const pattern = statements[0].Condition.ArnLike["aws:SourceArn"].split(":alarm:")[1].replace("*", "");
    for (const alarm of Object.values(resources(json, "aws_cloudwatch_metric_alarm")) as Json[]) expect(alarm.alarm_name.startsWith(pattern)).toBe(true);
    expect(construct.alarmTopicPolicy).toBeDefined();
    // With a given key the topic keeps its policy.
    expect(resources(synth({ kmsKeyArn: `arn:aws:kms:eu-west-1:${ACCOUNT}:alias/org-alarms` }).json, "aws_sns_topic_policy")).not.toEqual({});
  });

  it("uses a given key and creates none; creates no subscription when none is configured", () => {
    const kmsKeyArn = `arn:aws:kms:eu-west-1:${ACCOUNT}:alias/org-alarms`;
    const { json, construct } = synth({ kmsKeyArn, emailSubscriptions: undefined });
    expect(resources(json, "aws_kms_key")).toEqual({});
    expect(only(json, "aws_sns_topic")[1].kms_master_key_id).toBe(kmsKeyArn);
    expect(construct.kmsKeyArn).toBe(kmsKeyArn);
    expect(resources(json, "aws_sns_topic_subscription")).toEqual({});
  });
});

describe("Observability: alarms", () => {
  it("alarms on every failure path with the configured thresholds, notifying the topic on alarm and recovery", () => {
    const { json, construct } = synth({ noUpdatesMinutes: 30 });
    const topicArn = ref("aws_sns_topic", only(json, "aws_sns_topic")[0], "arn");
    const alarms = alarmsByName(json);
    const expected: [string, string, string, Json, number, string][] = [
      ["iot-dev-processor-errors", "AWS/Lambda", "Errors", { FunctionName: FUNCTION }, 3, "Sum"],
      ["iot-dev-processor-throttles", "AWS/Lambda", "Throttles", { FunctionName: FUNCTION }, 2, "Sum"],
      ["iot-dev-processor-events-dropped", "AWS/Lambda", "AsyncEventsDropped", { FunctionName: FUNCTION }, 1, "Sum"],
      ["iot-dev-processor-dlq-messages", "AWS/SQS", "ApproximateNumberOfMessagesVisible", { QueueName: DLQ }, 4, "Maximum"],
      ["iot-dev-rule-error-messages", "AWS/SQS", "ApproximateNumberOfMessagesVisible", { QueueName: ERROR_QUEUE }, 1, "Maximum"],
      ["iot-dev-invalid-events", NAMESPACE, "InvalidEvent", { service: "shadow-history" }, 5, "Sum"],
    ];
    for (const [name, namespace, metric, dimensions, threshold, statistic] of expected) {
      expect(alarms[name]).toEqual(
        expect.objectContaining({
          namespace,
          metric_name: metric,
          dimensions,
          threshold,
          statistic,
          comparison_operator: "GreaterThanOrEqualToThreshold",
          treat_missing_data: "notBreaching",
          alarm_actions: [topicArn],
          ok_actions: [topicArn],
        }),
      );
    }
    expect(alarms["iot-dev-no-shadow-updates"]).toEqual(
      expect.objectContaining({
        namespace: NAMESPACE,
        metric_name: "ShadowUpdatesAccepted",
        statistic: "Sum",
        period: 60,
        evaluation_periods: 30,
        datapoints_to_alarm: 30,
        comparison_operator: "LessThanThreshold",
        threshold: 1,
        treat_missing_data: "breaching",
        alarm_actions: [topicArn],
      }),
    );
    expect(alarms["iot-dev-no-shadow-updates"].dimensions).toBeUndefined();
    expect(Object.keys(alarms)).toHaveLength(8);
    expect(Object.keys(construct.alarms).sort()).toEqual(
      ["asyncEventsDropped", "convergenceLatency", "deadLetterMessages", "errorActionMessages", "invalidEvents", "noUpdates", "processorErrors", "processorThrottles"].sort(),
    );
  });

  it("has no no-updates alarm unless noUpdatesMinutes is set, and honours an asyncEventsDropped threshold", () => {
    const { json } = synth({ thresholds: { ...THRESHOLDS, asyncEventsDropped: 7 } });
    const alarms = alarmsByName(json);
    expect(alarms["iot-dev-no-shadow-updates"]).toBeUndefined();
    expect(alarms["iot-dev-processor-events-dropped"].threshold).toBe(7);
  });

  it("watches incoming log events when the rules' error action is a log group", () => {
    const { json } = synth({ errorQueueName: undefined, errorLogGroupName: "/aws/iot/iot-dev/rule-errors" });
    expect(alarmsByName(json)["iot-dev-rule-error-messages"]).toEqual(
      expect.objectContaining({
        namespace: "AWS/Logs",
        metric_name: "IncomingLogEvents",
        dimensions: { LogGroupName: "/aws/iot/iot-dev/rule-errors" },
        statistic: "Sum",
        threshold: 1,
        treat_missing_data: "notBreaching",
      }),
    );
    const rows = metricRows(dashboardBody(json)).map(parseRow);
    expect(rows).toContainEqual({ namespace: "AWS/Logs", name: "IncomingLogEvents", dims: { LogGroupName: "/aws/iot/iot-dev/rule-errors" } });
  });
});

describe("Observability: dashboard", () => {
  it("is one dashboard per environment whose body parses as JSON and references only metrics that exist", () => {
    const { json } = synth({ noUpdatesMinutes: 15 });
    expect(only(json, "aws_cloudwatch_dashboard")[1].dashboard_name).toBe("iot-dev-shadow-history");
    const body = dashboardBody(json);
    const rows = metricRows(body);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      const { namespace, name, dims } = parseRow(row);
      expect(EMITTED[namespace]).toBeDefined();
      expect(Object.keys(EMITTED[namespace])).toContain(name);
      expect(Object.keys(dims).sort()).toEqual([...EMITTED[namespace][name]].sort());
      const expectedValue: Record<string, string> = { FunctionName: FUNCTION, TableName: TABLE, service: "shadow-history" };
      for (const [dim, value] of Object.entries(dims)) {
        if (dim === "QueueName") expect([DLQ, ERROR_QUEUE]).toContain(value);
        else expect(value).toBe(expectedValue[dim]);
      }
    }
    for (const w of body.widgets.filter((x: Json) => x.type === "metric")) expect(w.properties.region).toBe("eu-west-1");
  });

  it("shows what on-call needs: accepted updates, processor health, stored/duplicate/invalid, queue depths, table capacity", () => {
    const rows = metricRows(dashboardBody(synth().json)).map(parseRow);
    const has = (namespace: string, name: string, dims: Record<string, string> = {}) => expect(rows).toContainEqual({ namespace, name, dims });
    has(NAMESPACE, "ShadowUpdatesAccepted");
    has(NAMESPACE, "ShadowDeltaPublished");
    has(NAMESPACE, "ShadowUpdateRejected");
    for (const m of ["Invocations", "Errors", "Duration", "Throttles"]) has("AWS/Lambda", m, { FunctionName: FUNCTION });
    for (const m of ["ShadowUpdateStored", "DuplicateSkipped", "InvalidEvent", "StoreFailed", "DriftDetected"]) has(NAMESPACE, m, { service: "shadow-history" });
    has("AWS/SQS", "ApproximateNumberOfMessagesVisible", { QueueName: DLQ });
    has("AWS/SQS", "ApproximateNumberOfMessagesVisible", { QueueName: ERROR_QUEUE });
    has("AWS/DynamoDB", "ConsumedWriteCapacityUnits", { TableName: TABLE });
    has("AWS/DynamoDB", "WriteThrottleEvents", { TableName: TABLE });
  });

  it("lists every alarm in an alarm-status widget", () => {
    const { json } = synth({ noUpdatesMinutes: 15 });
    const alarmWidget = dashboardBody(json).widgets.find((w: Json) => w.type === "alarm");
    const alarmArns = Object.keys(resources(json, "aws_cloudwatch_metric_alarm")).map((k) => ref("aws_cloudwatch_metric_alarm", k, "arn"));
    expect([...alarmWidget.properties.alarms].sort()).toEqual(alarmArns.sort());
  });

  it("leaves out the drift rule metrics when driftMetrics is false", () => {
    const names = metricRows(dashboardBody(synth({ driftMetrics: false }).json)).map((r) => parseRow(r).name);
    expect(names).toContain("ShadowUpdatesAccepted");
    expect(names).not.toContain("ShadowDeltaPublished");
    expect(names).not.toContain("ShadowUpdateRejected");
  });

  it("reads exactly the metrics the shadow rules publish, in the same namespace", () => {
    const stack = newStack();
    const rules = new ShadowRules(stack, "rules", {
      ruleNamePrefix: "iot_dev",
      resourceNamePrefix: "iot-dev",
      accountId: ACCOUNT,
      region: "eu-west-1",
      thingNamePrefix: "Thermostat-",
      namedShadows: "all",
      metricNamespace: NAMESPACE,
      processors: [{ id: "history", functionArn: `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:${FUNCTION}`, functionName: FUNCTION }],
    });
    new Observability(stack, "obs", { ...BASE, errorQueueName: rules.errorQueue?.name, noUpdatesMinutes: 10 });
    const json = JSON.parse(Testing.synth(stack));
    const published = new Set<string>(
      (Object.values(resources(json, "aws_iot_topic_rule")) as Json[]).flatMap((r) =>
        r.cloudwatch_metric.map((m: Json) => `${m.metric_namespace}|${m.metric_name}`),
      ),
    );
    const dashboardRuleMetrics = new Set(
      metricRows(dashboardBody(json))
        .map(parseRow)
        .filter((r) => r.namespace === NAMESPACE && Object.keys(r.dims).length === 0)
        .map((r) => `${r.namespace}|${r.name}`),
    );
    expect(dashboardRuleMetrics).toEqual(published);
    const noUpdates = alarmsByName(json)["iot-dev-no-shadow-updates"];
    expect(published).toContain(`${noUpdates.namespace}|${noUpdates.metric_name}`);
    // The error-queue alarm follows the queue the rules created (a Terraform reference, not a copied name).
    const queueKey = Object.keys(resources(json, "aws_sqs_queue"))[0];
    expect(alarmsByName(json)["iot-dev-rule-error-messages"].dimensions).toEqual({ QueueName: ref("aws_sqs_queue", queueKey, "name") });
  });
});

describe("Observability: processor metric names", () => {
  it("match the names the shadow-history handler emits", () => {
    expect(Object.values(PROCESSOR_METRICS).sort()).toEqual(Object.values(HANDLER_METRICS).sort());
  });
});

describe("Observability: bad input fails synth with a field-naming message", () => {
  const fields = ["processorErrors", "processorThrottles", "deadLetterMessages", "errorActionMessages", "invalidEvents", "asyncEventsDropped"] as const;
  it.each(fields.flatMap((f) => [[f, 0] as const, [f, -1] as const]))("thresholds.%s = %d", (field, value) => {
    expect(() => synth({ thresholds: { ...THRESHOLDS, [field]: value } })).toThrow(
      new RegExp(`Observability thresholds\\.${field}: ${value} must be a number greater than 0`),
    );
  });

  it.each<[string, Partial<ObservabilityProps>, RegExp]>([
    ["NaN threshold", { thresholds: { ...THRESHOLDS, invalidEvents: Number.NaN } }, /thresholds\.invalidEvents: NaN must be a number greater than 0/],
    ["both error targets", { errorLogGroupName: "/aws/iot/x" }, /errorQueueName\/errorLogGroupName: set exactly one/],
    ["no error target", { errorQueueName: undefined }, /errorQueueName\/errorLogGroupName: set exactly one/],
    ["noUpdatesMinutes 0", { noUpdatesMinutes: 0 }, /noUpdatesMinutes: 0 must be a whole number of minutes from 1 to 1440/],
    ["noUpdatesMinutes over a day", { noUpdatesMinutes: 1441 }, /noUpdatesMinutes: 1441 must be/],
    ["fractional noUpdatesMinutes", { noUpdatesMinutes: 2.5 }, /noUpdatesMinutes: 2.5 must be/],
    ["bad e-mail", { emailSubscriptions: ["oncall.example.com"] }, /emailSubscriptions\[0\]: "oncall.example.com" is not an e-mail address/],
    ["duplicate e-mail", { emailSubscriptions: ["a@example.com", "A@example.com"] }, /emailSubscriptions\[1\]: duplicate address/],
    ["key and key overrides", { kmsKeyArn: `arn:aws:kms:eu-west-1:${ACCOUNT}:alias/x`, kmsKeyOverrides: {} }, /kmsKeyArn\/kmsKeyOverrides: pass either .* not both/],
    ["key ARN typo", { kmsKeyArn: "alias/x" }, /kmsKeyArn: "alias\/x" must be a KMS key or alias ARN/],
    ["uppercase name prefix", { namePrefix: "IoT" }, /namePrefix: "IoT" must be lowercase/],
    ["bad function name", { processorFunctionName: "fn:x" }, /processorFunctionName: Lambda function name "fn:x" is invalid/],
    ["bad queue name", { deadLetterQueueName: "dlq.x" }, /deadLetterQueueName: SQS queue name "dlq.x" is invalid/],
    ["bad table name", { historyTableName: "t" }, /historyTableName: DynamoDB table name "t" is 1 characters long/],
    ["AWS/ namespace", { metricNamespace: "AWS/Lambda" }, /metricNamespace: CloudWatch metric namespace "AWS\/Lambda" is invalid/],
    ["account id", { accountId: "abc" }, /accountId: "abc" must be a 12-digit AWS account id/],
  ])("%s", (_label, overrides, message) => {
    expect(() => synth(overrides)).toThrow(message);
  });
});


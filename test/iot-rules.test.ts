import { Testing, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { IotTopicRule } from "@cdktf/provider-aws/lib/iot-topic-rule";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { escapeIotTemplate } from "../lib/iot-template";
import {
  RuleActionFailure,
  RuleEngine,
  RuleTargets,
  TopicRuleDef,
  UnsupportedSqlError,
  evaluateRule,
  loadTopicRules,
  matchesTopicFilter,
  parseIotSql,
  readSynthesizedStacks,
  renderSubstitutionTemplate,
  resolveLambdaFunction,
} from "../tools/iot-rules";
import { ShadowService } from "../tools/shadow-emulator";

// The SQL shapes the shadow-rules module emits (classic, named with a WHERE list, drift counters).
const CLASSIC_DOCS_SQL = "SELECT *, topic(3) AS thingName FROM '$aws/things/+/shadow/update/documents'";
const NAMED_DOCS_SQL =
  "SELECT *, topic(3) AS thingName, topic(6) AS shadowName FROM '$aws/things/+/shadow/name/+/update/documents' WHERE topic(6) = 'config' OR topic(6) = 'settings'";
const NAMED_DELTA_SQL = "SELECT topic(3) AS thingName, topic(6) AS shadowName FROM '$aws/things/+/shadow/name/+/update/delta'";

const CLASSIC_DOCS_TOPIC = "$aws/things/Thermostat-01/shadow/update/documents";
const NAMED_DOCS_TOPIC = "$aws/things/Thermostat-01/shadow/name/config/update/documents";

describe("matchesTopicFilter (MQTT wildcards)", () => {
  it.each([
    ["$aws/things/+/shadow/update/documents", CLASSIC_DOCS_TOPIC, true],
    ["$aws/things/+/shadow/update/documents", NAMED_DOCS_TOPIC, false],
    ["$aws/things/+/shadow/name/+/update/documents", NAMED_DOCS_TOPIC, true],
    ["$aws/things/+/shadow/name/+/update/documents", CLASSIC_DOCS_TOPIC, false],
    ["$aws/things/Thermostat-01/shadow/#", NAMED_DOCS_TOPIC, true],
    ["sensors/#", "sensors", true],
    ["sensors/+", "sensors", false],
    ["sensors/+", "sensors/", true],
    ["sensors/+/temp", "sensors/a/b/temp", false],
    ["#", "sensors/a", true],
    ["#", CLASSIC_DOCS_TOPIC, false],
    ["+/things/+/shadow/update/documents", CLASSIC_DOCS_TOPIC, false],
    ["Sensors/a", "sensors/a", false],
  ])("%s vs %s → %s", (filter, topic, expected) => {
    expect(matchesTopicFilter(filter, topic)).toBe(expected);
  });

  it.each([
    ["a/#/b", /'#' must be a whole level and the last one/],
    ["a/b#", /'#' must be a whole level/],
    ["a/b+/c", /'\+' must occupy a whole level/],
    ["", /must not be empty/],
  ])("rejects the invalid filter %j", (filter, message) => {
    expect(() => matchesTopicFilter(filter, "a/b")).toThrow(message);
  });

  it("rejects a topic name with wildcards", () => {
    expect(() => matchesTopicFilter("a/+", "a/+")).toThrow(/must not contain the wildcards/);
  });
});

describe("parseIotSql: the supported subset", () => {
  it("parses SELECT *, topic(n) AS name, FROM and a WHERE with OR", () => {
    const parsed = parseIotSql(NAMED_DOCS_SQL);
    expect(parsed.from).toBe("$aws/things/+/shadow/name/+/update/documents");
    expect(parsed.columns).toEqual([
      { kind: "all" },
      { kind: "expr", alias: "thingName", expr: { kind: "topic", level: 3 } },
      { kind: "expr", alias: "shadowName", expr: { kind: "topic", level: 6 } },
    ]);
    expect(parsed.where).toEqual({
      kind: "logical",
      op: "OR",
      left: { kind: "compare", op: "=", left: { kind: "topic", level: 6 }, right: { kind: "literal", value: "config" } },
      right: { kind: "compare", op: "=", left: { kind: "topic", level: 6 }, right: { kind: "literal", value: "settings" } },
    });
  });

  it("binds AND tighter than OR, honours parentheses and is case-insensitive for keywords", () => {
    const flat = parseIotSql("select * from 'a/+' where a = 1 or b = 2 and c = 3");
    expect(flat.where).toMatchObject({ op: "OR", right: { op: "AND" } });
    const grouped = parseIotSql("SELECT * FROM 'a/+' WHERE (a = 1 OR b = 2) AND c <> 'x'");
    expect(grouped.where).toMatchObject({ op: "AND", left: { op: "OR" }, right: { kind: "compare", op: "<>" } });
  });

  it("names a plain field column after the field and accepts literal columns with an alias", () => {
    const parsed = parseIotSql("SELECT version, current.state.reported.temp AS temp, 'v1' AS schema, 2 AS n, true AS flag FROM 'a/b'");
    expect(parsed.columns).toEqual([
      { kind: "expr", alias: "version", expr: { kind: "field", path: ["version"] } },
      { kind: "expr", alias: "temp", expr: { kind: "field", path: ["current", "state", "reported", "temp"] } },
      { kind: "expr", alias: "schema", expr: { kind: "literal", value: "v1" } },
      { kind: "expr", alias: "n", expr: { kind: "literal", value: 2 } },
      { kind: "expr", alias: "flag", expr: { kind: "literal", value: true } },
    ]);
  });

  it.each([
    ["SELECT *, timestamp() AS ts FROM 'a/b'", "function timestamp()"],
    ["SELECT * FROM 'a/b' WHERE temp > 30", "operator >"],
    ["SELECT * FROM 'a/b' WHERE temp >= 30", "operator >="],
    ["SELECT * FROM 'a/b' WHERE temp != 30", "operator !="],
    ["SELECT temp + 1 AS t FROM 'a/b'", "operator +"],
    ["SELECT * FROM 'a/b' WHERE NOT enabled", "keyword NOT"],
    ["SELECT CASE x WHEN 1 THEN 2 END AS y FROM 'a/b'", "keyword CASE"],
    ["SELECT * FROM 'a/b' WHERE topic(6) IN ('a')", "keyword IN"],
    ["SELECT VALUE state FROM 'a/b'", "keyword VALUE"],
    ["SELECT * FROM 'a/b' LIMIT 1", "keyword LIMIT"],
    ["SELECT state.reported.temp FROM 'a/b'", "without an AS alias"],
    ["SELECT topic(3) FROM 'a/b'", "without an AS alias"],
    ["SELECT state.* FROM 'a/b'", "wildcard field reference"],
    ["SELECT colors[0] AS c FROM 'a/b'", "array index"],
    ['SELECT "odd name" AS c FROM \'a/b\'', "double-quoted identifier"],
    ["SELECT * FROM 'a/b' WHERE name = 'it''s'", "quote escape"],
    ["SELECT * FROM 'a/b' WHERE name = 'a\\'b'", "escape sequence"],
    ["SELECT topic(0) AS t FROM 'a/b'", "topic() argument '0'"],
    ["SELECT topic(x) AS t FROM 'a/b'", "topic() argument 'x'"],
    ["SELECT * FROM sensors", "FROM needs a quoted topic filter"],
    ["SELECT * FROM 'a/#/b'", "invalid FROM topic filter"],
    ["SELECT * FROM 'a/b' WHERE a = 1 = 2", "chained comparison"],
    ["SELECT * FROM 'a/b';", "statement separator ;"],
    ["SELECT * FROM 'a/b", "unterminated string literal"],
    ["SELECT * 'a/b'", "expected FROM"],
  ])("fails loudly on %s (%s)", (sql, construct) => {
    let error: unknown;
    try {
      parseIotSql(sql, "my_rule");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnsupportedSqlError);
    expect((error as UnsupportedSqlError).construct).toContain(construct);
    expect((error as Error).message).toMatch(/^Topic rule "my_rule": unsupported IoT SQL: /);
  });

  it("parses startswith(input, prefix) as a function call, in WHERE and in SELECT", () => {
    const parsed = parseIotSql("SELECT startswith(topic(3), 'Hvac') AS hvac FROM 'a/+' WHERE startswith(topic(2), 'T-') AND (a = 1 OR b = 2)");
    expect(parsed.columns).toEqual([{ kind: "expr", alias: "hvac", expr: { kind: "startswith", input: { kind: "topic", level: 3 }, prefix: { kind: "literal", value: "Hvac" } } }]);
    expect(parsed.where).toEqual({
      kind: "logical",
      op: "AND",
      left: { kind: "startswith", input: { kind: "topic", level: 2 }, prefix: { kind: "literal", value: "T-" } },
      right: { kind: "logical", op: "OR", left: expect.objectContaining({ kind: "compare" }), right: expect.objectContaining({ kind: "compare" }) },
    });
    expect(parseIotSql("SELECT * FROM 'a/b' WHERE STARTSWITH(name, 'x')").where).toMatchObject({ kind: "startswith" });
  });

  it.each([
    ["SELECT * FROM 'a/b' WHERE startswith(name)", "expected ','"],
    ["SELECT * FROM 'a/b' WHERE startswith(name, 'a', 'b')", "startswith() with more than 2 arguments"],
    ["SELECT * FROM 'a/b' WHERE endswith(name, 'a')", "function endswith()"],
  ])("fails loudly on a malformed or unknown string function: %s", (sql, construct) => {
    expect(() => parseIotSql(sql, "my_rule")).toThrow(construct);
  });

  it("allows reserved-looking words as nested field names", () => {
    expect(parseIotSql("SELECT current.state.reported.value AS v FROM 'a/b'").columns[0]).toMatchObject({ alias: "v" });
  });
});

describe("evaluateRule: the event each action receives", () => {
  const documents = {
    previous: null,
    current: { state: { reported: { temp: 21 } }, metadata: { reported: { temp: { timestamp: 1700000000 } } }, version: 1 },
    timestamp: 1700000000,
  };

  it("adds the thing name from topic(3) to the whole payload for the classic shadow", () => {
    expect(evaluateRule({ sql: CLASSIC_DOCS_SQL }, CLASSIC_DOCS_TOPIC, documents)).toEqual({
      matched: true,
      event: { ...documents, thingName: "Thermostat-01" },
    });
  });

  it("adds thing and shadow names for a listed named shadow and skips unlisted ones", () => {
    expect(evaluateRule({ sql: NAMED_DOCS_SQL }, NAMED_DOCS_TOPIC, documents)).toEqual({
      matched: true,
      event: { ...documents, thingName: "Thermostat-01", shadowName: "config" },
    });
    expect(evaluateRule({ sql: NAMED_DOCS_SQL }, "$aws/things/Thermostat-01/shadow/name/firmware/update/documents", documents)).toEqual({
      matched: false,
      reason: "where",
    });
    expect(evaluateRule({ sql: NAMED_DOCS_SQL }, CLASSIC_DOCS_TOPIC, documents)).toEqual({ matched: false, reason: "topic" });
  });

  it("lets a SELECT alias override a same-named payload field (a device cannot spoof the thing name)", () => {
    const result = evaluateRule({ sql: CLASSIC_DOCS_SQL }, CLASSIC_DOCS_TOPIC, { ...documents, thingName: "Someone-Else" });
    expect(result).toMatchObject({ matched: true, event: { thingName: "Thermostat-01" } });
  });

  it("omits Undefined columns: topic levels that do not exist and missing fields", () => {
    const sql = "SELECT topic(3) AS thingName, topic(9) AS extra, current.state.reported.humidity AS h, current.version AS version FROM '$aws/things/+/shadow/#'";
    expect(evaluateRule({ sql }, CLASSIC_DOCS_TOPIC, documents)).toEqual({ matched: true, event: { thingName: "Thermostat-01", version: 1 } });
    // Trap: on the classic topic, level 6 exists ("documents"), so topic(6) is only a shadow name on the named form.
    expect(evaluateRule({ sql: "SELECT topic(6) AS shadowName FROM '$aws/things/+/shadow/#'" }, CLASSIC_DOCS_TOPIC, documents)).toEqual({
      matched: true,
      event: { shadowName: "documents" },
    });
    expect(evaluateRule({ sql: NAMED_DELTA_SQL }, "$aws/things/T-2/shadow/name/config/update/delta", { state: { setpoint: 20 } })).toEqual({
      matched: true,
      event: { thingName: "T-2", shadowName: "config" },
    });
  });

  it("follows the documented = / <> / AND / OR semantics for types and Undefined", () => {
    const where = (clause: string, payload: object) => evaluateRule({ sql: `SELECT * FROM 'a/b' WHERE ${clause}` }, "a/b", payload).matched;
    expect(where("n = 1", { n: 1.0 })).toBe(true);
    expect(where("n = '1'", { n: 1 })).toBe(false); // mismatched types: false
    expect(where("n <> '1'", { n: 1 })).toBe(true); // mismatched types: true
    expect(where("missing <> 'x'", {})).toBe(false); // Undefined never matches
    expect(where("missing = 'x' OR n = 1", { n: 1 })).toBe(false); // Undefined OR true is Undefined
    expect(where("flag AND n = 1", { flag: "TRUE", n: 1 })).toBe(true); // "true"/"false" strings act as Booleans
    expect(where("flag", { flag: "yes" })).toBe(false);
    expect(where("obj = obj2", { obj: { a: 1, b: [1, 2] }, obj2: { b: [1, 2], a: 1 } })).toBe(true);
    expect(where("arr = arr2", { arr: [1, 2], arr2: [2, 1] })).toBe(false);
    expect(where("x = y", { x: null, y: null })).toBe(true);
  });

  it("evaluates startswith like AWS: case-sensitive, Undefined or null gives Undefined, numbers and Booleans as strings", () => {
    const where = (clause: string, payload: object, topic = "$aws/things/Thermostat-01/shadow/update/documents") =>
      evaluateRule({ sql: `SELECT * FROM '$aws/things/+/shadow/#' WHERE ${clause}` }, topic, payload).matched;
    expect(where("startswith(topic(3), 'Thermostat-')", {})).toBe(true);
    expect(where("startswith(topic(3), 'Hvac')", {})).toBe(false);
    expect(where("startswith(topic(3), 'Hvac')", {}, "$aws/things/HvacUnit-7/shadow/update/documents")).toBe(true);
    expect(where("startswith(topic(3), 'thermostat-')", {})).toBe(false); // case-sensitive
    expect(where("startswith(topic(3), '')", {})).toBe(true);
    expect(where("startswith(topic(3), topic(3))", {})).toBe(true);
    expect(where("startswith(topic(9), 'T')", {})).toBe(false); // Undefined level
    expect(where("startswith(missing, 'T')", {})).toBe(false);
    expect(where("startswith(n, 'T')", { n: null })).toBe(false);
    expect(where("startswith(n, '12')", { n: 123 })).toBe(true);
    expect(where("startswith(flag, 'tr')", { flag: true })).toBe(true);
    // Undefined inside AND/OR stays Undefined: the message does not match.
    expect(where("startswith(missing, 'T') OR topic(3) = 'Thermostat-01'", {})).toBe(false);
    expect(() => where("startswith(obj, 'x')", { obj: { a: 1 } })).toThrow(/startswith\(\) on an object argument/);
    expect(evaluateRule({ sql: "SELECT startswith(topic(3), 'Therm') AS mine FROM '$aws/things/+/shadow/#'" }, CLASSIC_DOCS_TOPIC, {})).toEqual({ matched: true, event: { mine: true } });
  });

  it("keeps each product line to its own things: the prefix filter combines with the shadow-name list", () => {
    const sql =
      "SELECT *, topic(3) AS thingName, topic(6) AS shadowName FROM '$aws/things/+/shadow/name/+/update/documents' WHERE startswith(topic(3), 'Hvac') AND (topic(6) = 'maintenance' OR topic(6) = 'schedule')";
    const matched = (thing: string, shadow: string) => evaluateRule({ sql }, `$aws/things/${thing}/shadow/name/${shadow}/update/documents`, { current: {} }).matched;
    expect(matched("Hvac-0001", "schedule")).toBe(true);
    expect(matched("Hvac-0001", "config")).toBe(false);
    expect(matched("Thermostat-01", "schedule")).toBe(false);
  });

  it("renders substitution templates against the original message", () => {
    const ctx = { topic: NAMED_DOCS_TOPIC, payload: documents };
    expect(renderSubstitutionTemplate("Updates_${topic(6)}_v${current.version}", ctx)).toBe("Updates_config_v1");
    expect(() => renderSubstitutionTemplate("${current.state.reported.humidity}", ctx, "r")).toThrow(/substitution template \$\{current.state.reported.humidity\} is Undefined/);
    expect(() => renderSubstitutionTemplate("${timestamp()}", ctx, "r")).toThrow(UnsupportedSqlError);
  });
});

/** A stack with the rule shapes of the platform: lambda + metric + error action, and a disabled rule. */
function ruleStack() {
  const app = Testing.app();
  const stack = new TerraformStack(app, "rules");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  const fn = new LambdaFunction(stack, "processor", {
    functionName: "iot-dev-shadow-history",
    role: "arn:aws:iam::111111111111:role/processor",
    runtime: "nodejs22.x",
    architectures: ["arm64"],
    handler: "index.handler",
    filename: "dist/functions/shadow-history.zip",
    environment: { variables: { TABLE_NAME: "iot-dev-shadow-history" } },
  });
  const common = {
    sqlVersion: "2016-03-23",
    errorAction: { sqs: { queueUrl: "https://sqs.eu-west-1.amazonaws.com/111111111111/iot-dev-rule-errors", roleArn: "arn:aws:iam::111111111111:role/err", useBase64: false } },
  };
  new IotTopicRule(stack, "classic-documents", {
    name: "iot_dev_classic_documents",
    enabled: true,
    sql: CLASSIC_DOCS_SQL,
    lambda: [{ functionArn: fn.arn }],
    cloudwatchMetric: [
      { metricName: "ShadowUpdatesAccepted", metricNamespace: "IotShadow/dev", metricValue: "1", metricUnit: "Count", roleArn: "arn:aws:iam::111111111111:role/metric" },
    ],
    ...common,
  });
  new IotTopicRule(stack, "named-documents", {
    name: "iot_dev_named_documents",
    enabled: true,
    sql: NAMED_DOCS_SQL,
    lambda: [{ functionArn: fn.arn }],
    cloudwatchMetric: [
      {
        metricName: escapeIotTemplate("ShadowUpdates_${topic(6)}"),
        metricNamespace: "IotShadow/dev",
        metricValue: "1",
        metricUnit: "Count",
        roleArn: "arn:aws:iam::111111111111:role/metric",
      },
    ],
    ...common,
  });
  new IotTopicRule(stack, "named-delta", {
    name: "iot_dev_named_delta",
    enabled: false,
    sql: NAMED_DELTA_SQL,
    cloudwatchMetric: [{ metricName: "ShadowDeltaPublished", metricNamespace: "IotShadow/dev", metricValue: "1", metricUnit: "Count", roleArn: "arn:aws:iam::111111111111:role/metric" }],
    ...common,
  });
  return stack;
}

describe("loadTopicRules: rules out of the synthesized stack", () => {
  const stack = ruleStack();
  const tfJson = JSON.parse(Testing.synth(stack)) as { resource: { aws_iot_topic_rule: Record<string, { cloudwatch_metric: Array<{ metric_name: string }> }> } };

  it("reads name, SQL, actions and the error action, un-escaping $${...} templates", () => {
    expect(tfJson.resource.aws_iot_topic_rule["named-documents"].cloudwatch_metric[0].metric_name).toBe("ShadowUpdates_$${topic(6)}");
    const rules = loadTopicRules(tfJson);
    expect(rules.map((r) => [r.name, r.enabled])).toEqual([
      ["iot_dev_classic_documents", true],
      ["iot_dev_named_delta", false],
      ["iot_dev_named_documents", true],
    ]);
    const named = rules.find((r) => r.name === "iot_dev_named_documents")!;
    expect(named).toEqual({
      logicalId: "named-documents",
      name: "iot_dev_named_documents",
      sql: NAMED_DOCS_SQL,
      sqlVersion: "2016-03-23",
      enabled: true,
      description: undefined,
      actions: [
        {
          kind: "cloudwatch_metric",
          metricName: "ShadowUpdates_${topic(6)}",
          metricNamespace: "IotShadow/dev",
          metricValue: "1",
          metricUnit: "Count",
          metricTimestamp: undefined,
          roleArn: "arn:aws:iam::111111111111:role/metric",
        },
        { kind: "lambda", functionArn: "${aws_lambda_function.processor.arn}" },
      ],
      errorAction: { kind: "sqs", queueUrl: "https://sqs.eu-west-1.amazonaws.com/111111111111/iot-dev-rule-errors", roleArn: "arn:aws:iam::111111111111:role/err", useBase64: false },
    });
  });

  it("resolves a rule's lambda action to the function resource of the stack", () => {
    const [rule] = loadTopicRules(tfJson);
    const action = rule.actions.find((a) => a.kind === "lambda");
    if (action?.kind !== "lambda") throw new Error("expected a lambda action");
    expect(resolveLambdaFunction(tfJson, action.functionArn)).toEqual({
      kind: "resource",
      function: {
        logicalId: "processor",
        functionName: "iot-dev-shadow-history",
        handler: "index.handler",
        runtime: "nodejs22.x",
        filename: "dist/functions/shadow-history.zip",
        environment: { TABLE_NAME: "iot-dev-shadow-history" },
      },
    });
    expect(resolveLambdaFunction(tfJson, "arn:aws:lambda:eu-west-1:111111111111:function:iot-dev-shadow-history")).toMatchObject({
      kind: "resource",
      function: { logicalId: "processor" },
    });
    expect(resolveLambdaFunction(tfJson, "arn:aws:lambda:eu-west-1:111111111111:function:other")).toEqual({ kind: "arn", functionName: "other" });
    expect(resolveLambdaFunction(tfJson, "${data.terraform_remote_state.data.outputs.fn_arn}")).toEqual({
      kind: "unresolved",
      reference: "${data.terraform_remote_state.data.outputs.fn_arn}",
    });
  });

  it("reads the stacks of a cdktf.out directory through its manifest", () => {
    const outDir = Testing.fullSynth(ruleStack());
    const stacks = readSynthesizedStacks(outDir);
    expect(stacks.map((s) => s.name)).toEqual(["rules"]);
    expect(loadTopicRules(stacks[0].tfJson)).toHaveLength(3);
  });

  const rule = (overrides: Record<string, unknown>) => ({
    resource: { aws_iot_topic_rule: { r: { name: "r1", enabled: true, sql: CLASSIC_DOCS_SQL, sql_version: "2016-03-23", ...overrides } } },
  });

  it.each([
    [{ sql: "SELECT * FROM '${var.topic}'" }, /aws_iot_topic_rule.r.sql holds a Terraform interpolation/],
    [{ name: "iot-dev-rule" }, /aws_iot_topic_rule.r.name: IoT topic rule name "iot-dev-rule" is invalid; allowed: letters, digits and underscores only/],
    [{ count: 2 }, /uses "count"; the local rule loader cannot expand it/],
    [{ enabled: "${var.enabled}" }, /enabled must be a literal boolean/],
    [{ error_action: { sqs: { queue_url: "q", role_arn: "r" }, cloudwatch_logs: { log_group_name: "g", role_arn: "r" } } }, /error_action must hold exactly one action/],
    [{ cloudwatch_metric: [{ metric_name: "${aws_x.y.name}", metric_namespace: "n", metric_value: "1", metric_unit: "Count", role_arn: "r" }] }, /metric_name holds a Terraform interpolation/],
  ])("fails loudly on %j", (overrides, message) => {
    expect(() => loadTopicRules(rule(overrides))).toThrow(message);
  });

  it("returns no rules for a stack without topic rules", () => {
    expect(loadTopicRules({ resource: {} })).toEqual([]);
    expect(loadTopicRules({})).toEqual([]);
  });
});

describe("RuleEngine: routing like AWS IoT", () => {
  const tfJson = JSON.parse(Testing.synth(ruleStack())) as object;

  function recordingTargets(opts: { failInvoke?: boolean } = {}) {
    const invocations: Array<{ functionArn: string; event: Record<string, unknown> }> = [];
    const metrics: Array<[string, string, number, string]> = [];
    const failures: RuleActionFailure[] = [];
    const targets: RuleTargets = {
      invokeLambda: async (functionArn, event) => {
        if (opts.failInvoke) throw new Error("TooManyRequestsException");
        invocations.push({ functionArn, event });
      },
      putMetric: (namespace, name, value, unit) => {
        metrics.push([namespace, name, value, unit]);
      },
      onError: (_rule, failure) => {
        failures.push(failure);
      },
    };
    return { targets, invocations, metrics, failures };
  }

  it("runs every action of each matching enabled rule with the evaluated event", async () => {
    const { targets, invocations, metrics, failures } = recordingTargets();
    const engine = new RuleEngine(loadTopicRules(tfJson), targets);
    expect(engine.rules.map((r) => r.name)).toEqual(["iot_dev_classic_documents", "iot_dev_named_documents"]);

    const report = await engine.publish(NAMED_DOCS_TOPIC, { previous: null, current: { state: {}, metadata: {}, version: 1 }, timestamp: 1 });
    expect(report.dispatched.map((d) => d.rule)).toEqual(["iot_dev_named_documents"]);
    expect(invocations).toEqual([
      {
        functionArn: "${aws_lambda_function.processor.arn}",
        event: { previous: null, current: { state: {}, metadata: {}, version: 1 }, timestamp: 1, thingName: "Thermostat-01", shadowName: "config" },
      },
    ]);
    expect(metrics).toEqual([["IotShadow/dev", "ShadowUpdates_config", 1, "Count"]]);
    expect(failures).toEqual([]);

    // The disabled delta rule never fires; the rejected topic has no rule.
    expect((await engine.publish("$aws/things/Thermostat-01/shadow/name/config/update/delta", { state: {} })).dispatched).toEqual([]);
  });

  it("sends an invoke failure to the rule's error action path", async () => {
    const { targets, metrics, failures } = recordingTargets({ failInvoke: true });
    const engine = new RuleEngine(loadTopicRules(tfJson), targets);
    const report = await engine.publish(CLASSIC_DOCS_TOPIC, { current: { version: 1 } });
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({
      rule: { name: "iot_dev_classic_documents" },
      action: { kind: "lambda" },
      topic: CLASSIC_DOCS_TOPIC,
      event: { thingName: "Thermostat-01" },
      errorAction: { kind: "sqs", queueUrl: "https://sqs.eu-west-1.amazonaws.com/111111111111/iot-dev-rule-errors" },
    });
    expect((failures[0].error as Error).message).toBe("TooManyRequestsException");
    // The other action still ran.
    expect(metrics).toHaveLength(1);
    expect(report.dispatched[0].outcomes.map((o) => [o.action.kind, o.ok])).toEqual([
      ["cloudwatch_metric", true],
      ["lambda", false],
    ]);
  });

  const base: TopicRuleDef = { logicalId: "r", name: "r1", sql: CLASSIC_DOCS_SQL, sqlVersion: "2016-03-23", enabled: true, actions: [] };

  it("treats a metric value that is not a number as a failed action", async () => {
    const { targets, failures } = recordingTargets();
    const rule: TopicRuleDef = {
      ...base,
      actions: [{ kind: "cloudwatch_metric", metricName: "m", metricNamespace: "n", metricValue: "${thingName}", metricUnit: "Count", roleArn: "r" }],
    };
    await new RuleEngine([rule], targets).publish(CLASSIC_DOCS_TOPIC, { thingName: "abc" });
    expect((failures[0].error as Error).message).toMatch(/metric value "abc" is not a number/);
  });

  it.each<[string, Partial<TopicRuleDef>, RegExp]>([
    ["unsupported SQL", { sql: "SELECT *, timestamp() AS ts FROM 'a/b'" }, /Topic rule "r1": unsupported IoT SQL: function timestamp\(\)/],
    ["another SQL version", { sqlVersion: "2015-10-08" }, /sql_version 2015-10-08 \(only 2016-03-23 is implemented\)/],
    ["an action it cannot route", { actions: [{ kind: "other", type: "republish", config: {} }] }, /cannot route a "republish" action/],
    ["an sqs action without a queue target", { actions: [{ kind: "sqs", queueUrl: "q", roleArn: "r", useBase64: false }] }, /has an sqs action: pass targets.sendToQueue/],
    [
      "an unsupported metric template",
      { actions: [{ kind: "cloudwatch_metric", metricName: "m", metricNamespace: "n", metricValue: "1", metricUnit: "${upper('count')}", roleArn: "r" }] },
      /function upper\(\)/,
    ],
  ])("refuses to start with %s", (_label, overrides, message) => {
    expect(() => new RuleEngine([{ ...base, ...overrides }], recordingTargets().targets)).toThrow(message);
  });

  it("refuses duplicate rule names but ignores what a disabled rule uses", () => {
    expect(() => new RuleEngine([base, { ...base, logicalId: "r2" }], recordingTargets().targets)).toThrow(/two rules are named "r1"/);
    expect(new RuleEngine([{ ...base, enabled: false, sql: "SELECT nonsense(" }], recordingTargets().targets).rules).toEqual([]);
  });

  it("carries shadow emulator messages end to end: accepted updates reach the processor with thing and shadow names", async () => {
    const { targets, invocations, metrics } = recordingTargets();
    const engine = new RuleEngine(loadTopicRules(tfJson), targets);
    const shadows = new ShadowService({ now: () => 1_700_000_000_000 });
    const pending: Array<Promise<unknown>> = [];
    shadows.subscribe((topic, payload) => pending.push(engine.publish(topic, payload)));

    shadows.update("Thermostat-01", undefined, { state: { reported: { temp: 21 } } });
    shadows.update("Thermostat-01", "config", { state: { desired: { setpoint: 20 } } });
    shadows.update("Thermostat-01", "firmware", { state: { reported: { version: "1.2.3" } } });
    shadows.update("Thermostat-01", "config", { state: { desired: { setpoint: 19 } }, version: 7 }); // stale: rejected
    await Promise.all(pending);

    expect(invocations.map((i) => [i.event.thingName, i.event.shadowName, (i.event.current as { version: number }).version])).toEqual([
      ["Thermostat-01", undefined, 1],
      ["Thermostat-01", "config", 1],
    ]);
    expect(invocations[1].event).toMatchObject({ previous: null, current: { state: { desired: { setpoint: 20 } } }, timestamp: 1_700_000_000 });
    expect(metrics.map((m) => m[1])).toEqual(["ShadowUpdatesAccepted", "ShadowUpdates_config"]);
  });
});

import { TerraformStack, TerraformVariable, Testing } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { ShadowRules, ShadowRulesProps } from "../modules/shadow-rules";

type Json = Record<string, any>;

const ACCOUNT = "111111111111";
const NAMESPACE = "IotShadow/thermostat/dev";
const HISTORY = {
  id: "history",
  functionArn: `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:iot-dev-shadow-history`,
  functionName: "iot-dev-shadow-history",
};
const HVAC = { id: "hvac", functionArn: `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:iot-dev-hvac-consumer`, functionName: "iot-dev-hvac-consumer" };

const BASE: ShadowRulesProps = {
  ruleNamePrefix: "iot_dev",
  resourceNamePrefix: "iot-dev",
  accountId: ACCOUNT,
  region: "eu-west-1",
  thingNamePrefix: "Thermostat-",
  processors: [HISTORY],
  metricNamespace: NAMESPACE,
};
const MINE = "startswith(topic(3), 'Thermostat-')";

function newStack(): TerraformStack {
  const stack = new TerraformStack(Testing.app(), "test");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  return stack;
}

function synth(overrides: Partial<ShadowRulesProps> = {}): { json: Json; construct: ShadowRules; raw: string } {
  const stack = newStack();
  const construct = new ShadowRules(stack, "rules", { ...BASE, ...overrides });
  const raw = Testing.synth(stack);
  return { json: JSON.parse(raw), construct, raw };
}

const resources = (json: Json, type: string): Json => json.resource?.[type] ?? {};
const rulesByName = (json: Json): Record<string, Json> =>
  Object.fromEntries(Object.values(resources(json, "aws_iot_topic_rule")).map((r: Json) => [r.name, r]));
/** "${aws_iot_topic_rule.<key>.arn}" -> the rule config it points at. */
const ref = (type: string, key: string, attr: string) => "${" + `${type}.${key}.${attr}` + "}";
const keyOf = (json: Json, type: string, pred: (r: Json) => boolean): string => {
  const hit = Object.entries(resources(json, type)).find(([, r]) => pred(r as Json));
  if (!hit) throw new Error(`no ${type} matches`);
  return hit[0];
};
const policyOf = (json: Json, name: string): Json => {
  const p = Object.values(resources(json, "aws_iam_role_policy")).find((r: Json) => r.name === name) as Json;
  return JSON.parse(p.policy);
};

describe("ShadowRules: rule SQL and topic filters", () => {
  it("uses the exact event-contract SQL for the classic shadow and a listed set of named shadows, for the product line's things only", () => {
    const rules = rulesByName(synth({ namedShadows: ["config", "telemetry"] }).json);
    expect(rules.iot_dev_shadow_documents_classic.sql).toBe(`SELECT *, topic(3) AS thingName FROM '$aws/things/+/shadow/update/documents' WHERE ${MINE}`);
    expect(rules.iot_dev_shadow_documents_named.sql).toBe(
      `SELECT *, topic(3) AS thingName, topic(6) AS shadowName FROM '$aws/things/+/shadow/name/+/update/documents' WHERE ${MINE} AND (topic(6) = 'config' OR topic(6) = 'telemetry')`,
    );
  });

  it('routes every named shadow with "+" and only the prefix in WHERE when namedShadows is "all"', () => {
    const rules = rulesByName(synth({ namedShadows: "all" }).json);
    expect(rules.iot_dev_shadow_documents_named.sql).toBe(
      `SELECT *, topic(3) AS thingName, topic(6) AS shadowName FROM '$aws/things/+/shadow/name/+/update/documents' WHERE ${MINE}`,
    );
  });

  it("counts delta and rejected updates with one rule per topic filter, classic and named", () => {
    const rules = rulesByName(synth({ namedShadows: ["config"] }).json);
    expect(rules.iot_dev_shadow_delta_classic.sql).toBe(`SELECT topic(3) AS thingName FROM '$aws/things/+/shadow/update/delta' WHERE ${MINE}`);
    expect(rules.iot_dev_shadow_rejected_classic.sql).toBe(`SELECT topic(3) AS thingName FROM '$aws/things/+/shadow/update/rejected' WHERE ${MINE}`);
    expect(rules.iot_dev_shadow_delta_named.sql).toBe(
      `SELECT topic(3) AS thingName, topic(6) AS shadowName FROM '$aws/things/+/shadow/name/+/update/delta' WHERE ${MINE} AND topic(6) = 'config'`,
    );
    expect(rules.iot_dev_shadow_rejected_named.sql).toBe(
      `SELECT topic(3) AS thingName, topic(6) AS shadowName FROM '$aws/things/+/shadow/name/+/update/rejected' WHERE ${MINE} AND topic(6) = 'config'`,
    );
  });

  it("filters every rule, drift counters included, on the thing-name prefix; an empty prefix routes every thing", () => {
    const filtered = Object.values(resources(synth({ namedShadows: ["config"], thingNamePrefix: "Hvac" }).json, "aws_iot_topic_rule")) as Json[];
    expect(filtered).toHaveLength(6);
    for (const r of filtered) expect(r.sql).toContain(" WHERE startswith(topic(3), 'Hvac')");
    const open = rulesByName(synth({ namedShadows: ["config", "schedule"], thingNamePrefix: "" }).json);
    expect(open.iot_dev_shadow_documents_classic.sql).toBe("SELECT *, topic(3) AS thingName FROM '$aws/things/+/shadow/update/documents'");
    expect(open.iot_dev_shadow_documents_named.sql).toBe(
      "SELECT *, topic(3) AS thingName, topic(6) AS shadowName FROM '$aws/things/+/shadow/name/+/update/documents' WHERE topic(6) = 'config' OR topic(6) = 'schedule'",
    );
  });

  it("gives every rule sql_version 2016-03-23 and a valid IoT rule name derived from the prefix", () => {
    const { json, construct } = synth({ namedShadows: "all" });
    const rules = Object.values(resources(json, "aws_iot_topic_rule")) as Json[];
    expect(rules).toHaveLength(6);
    for (const r of rules) {
      expect(r.sql_version).toBe("2016-03-23");
      expect(r.name).toMatch(/^iot_dev_shadow_[a-z_]+$/);
      expect(r.name.length).toBeLessThanOrEqual(128);
    }
    expect(construct.ruleNames).toEqual({
      documentsClassic: "iot_dev_shadow_documents_classic",
      documentsNamed: "iot_dev_shadow_documents_named",
      deltaClassic: "iot_dev_shadow_delta_classic",
      deltaNamed: "iot_dev_shadow_delta_named",
      rejectedClassic: "iot_dev_shadow_rejected_classic",
      rejectedNamed: "iot_dev_shadow_rejected_named",
    });
  });

  it("creates only the classic rules by default, only documents rules without driftMetrics, only named rules without classicShadow", () => {
    expect(Object.keys(rulesByName(synth().json)).sort()).toEqual([
      "iot_dev_shadow_delta_classic",
      "iot_dev_shadow_documents_classic",
      "iot_dev_shadow_rejected_classic",
    ]);
    expect(Object.keys(rulesByName(synth({ namedShadows: ["a"], driftMetrics: false }).json)).sort()).toEqual([
      "iot_dev_shadow_documents_classic",
      "iot_dev_shadow_documents_named",
    ]);
    expect(Object.keys(rulesByName(synth({ classicShadow: false, namedShadows: "all", driftMetrics: false }).json))).toEqual([
      "iot_dev_shadow_documents_named",
    ]);
  });

  it("keeps IoT expressions away from Terraform interpolation: no unescaped IoT template reaches the JSON", () => {
    const { raw, json } = synth({ namedShadows: "all", errorAction: { kind: "cloudwatch-logs" } });
    // Every "${" not written as "$${" must be a Terraform reference to a resource or data source.
    const unescaped = [...raw.matchAll(/(?<!\$)\$\{([^}]*)\}/g)].map((m) => m[1]);
    expect(unescaped.length).toBeGreaterThan(0);
    for (const expr of unescaped) expect(expr).toMatch(/^(aws_[a-z0-9_]+|data\.aws_[a-z0-9_]+)\.[A-Za-z0-9_-]+\.[a-z_]+$/);
    for (const r of Object.values(resources(json, "aws_iot_topic_rule")) as Json[]) {
      expect(r.sql).toContain("topic(3)");
      expect(r.sql).not.toContain("${");
      expect(r.cloudwatch_metric[0].metric_timestamp).toBeUndefined();
    }
  });
});

describe("ShadowRules: actions per rule", () => {
  it("gives each documents rule one lambda, one metric and one error action", () => {
    const { json } = synth({ namedShadows: ["config"] });
    const rules = rulesByName(json);
    const queueKey = keyOf(json, "aws_sqs_queue", () => true);
    const metricsRoleKey = keyOf(json, "aws_iam_role", (r) => r.name === "iot-dev-rule-metrics");
    const errorRoleKey = keyOf(json, "aws_iam_role", (r) => r.name === "iot-dev-rule-errors");
    for (const name of ["iot_dev_shadow_documents_classic", "iot_dev_shadow_documents_named"]) {
      const r = rules[name];
      expect(r.enabled).toBe(true);
      expect(r.lambda).toEqual([{ function_arn: HISTORY.functionArn }]);
      expect(r.cloudwatch_metric).toEqual([
        {
          metric_namespace: NAMESPACE,
          metric_name: "ShadowUpdatesAccepted",
          metric_value: "1",
          metric_unit: "Count",
          role_arn: ref("aws_iam_role", metricsRoleKey, "arn"),
        },
      ]);
      expect(r.error_action).toEqual({
        sqs: { queue_url: ref("aws_sqs_queue", queueKey, "url"), role_arn: ref("aws_iam_role", errorRoleKey, "arn"), use_base64: false },
      });
    }
  });

  it("gives drift rules a metric and the error action but no processor", () => {
    const rules = rulesByName(synth().json);
    expect(rules.iot_dev_shadow_delta_classic.lambda).toBeUndefined();
    expect(rules.iot_dev_shadow_delta_classic.cloudwatch_metric.map((m: Json) => m.metric_name)).toEqual(["ShadowDeltaPublished"]);
    expect(rules.iot_dev_shadow_rejected_classic.cloudwatch_metric.map((m: Json) => m.metric_name)).toEqual(["ShadowUpdateRejected"]);
    expect(Object.keys(rules.iot_dev_shadow_rejected_classic.error_action)).toEqual(["sqs"]);
  });

  it("fans out to N processors with one permission per (rule, processor), scoped to that rule and account", () => {
    const { json, construct } = synth({ namedShadows: ["config"], processors: [HISTORY, HVAC], driftMetrics: false });
    const rules = resources(json, "aws_iot_topic_rule");
    const permissions = Object.values(resources(json, "aws_lambda_permission")) as Json[];
    expect(permissions).toHaveLength(4);
    for (const [ruleKey, rule] of Object.entries(rules) as [string, Json][]) {
      expect(rule.lambda).toEqual([{ function_arn: HISTORY.functionArn }, { function_arn: HVAC.functionArn }]);
      const forRule = permissions.filter((p) => p.source_arn === ref("aws_iot_topic_rule", ruleKey, "arn"));
      expect(forRule.map((p) => p.function_name).sort()).toEqual([HVAC.functionName, HISTORY.functionName].sort());
      for (const p of forRule) {
        expect(p).toEqual(
          expect.objectContaining({ action: "lambda:InvokeFunction", principal: "iot.amazonaws.com", source_account: ACCOUNT, statement_id: `AllowIotRule-${rule.name}` }),
        );
      }
    }
    expect(Object.keys(construct.permissions).sort()).toEqual(["documentsClassic-history", "documentsClassic-hvac", "documentsNamed-history", "documentsNamed-hvac"]);
  });

  it("derives construct ids from names: reordering processors changes no resource address", () => {
    const a = synth({ processors: [HISTORY, HVAC] }).json;
    const b = synth({ processors: [HVAC, HISTORY] }).json;
    for (const type of ["aws_lambda_permission", "aws_iot_topic_rule", "aws_iam_role"]) {
      expect(Object.keys(resources(b, type)).sort()).toEqual(Object.keys(resources(a, type)).sort());
    }
    expect(Object.keys(resources(a, "aws_lambda_permission")).every((k) => /history|hvac/.test(k))).toBe(true);
  });

  it("creates the rules disabled when enabled is false", () => {
    const rules = Object.values(resources(synth({ enabled: false }).json, "aws_iot_topic_rule")) as Json[];
    expect(rules.map((r) => r.enabled)).toEqual([false, false, false]);
  });

  it("accepts processor ARNs and names that are tokens (resolved by Terraform)", () => {
    const stack = newStack();
    const arn = new TerraformVariable(stack, "fn_arn", { type: "string" }).stringValue;
    const name = new TerraformVariable(stack, "fn_name", { type: "string" }).stringValue;
    new ShadowRules(stack, "rules", { ...BASE, processors: [{ id: "history", functionArn: arn, functionName: name }] });
    const json = JSON.parse(Testing.synth(stack));
    const permission = Object.values(resources(json, "aws_lambda_permission"))[0] as Json;
    expect(permission.function_name).toBe("${var.fn_name}");
  });
});

describe("ShadowRules: roles, key and error target", () => {
  it("lets only AWS IoT of this account, for this module's rules, assume each role", () => {
    const { json } = synth();
    const roles = Object.values(resources(json, "aws_iam_role")) as Json[];
    expect(roles.map((r) => r.name).sort()).toEqual(["iot-dev-rule-errors", "iot-dev-rule-metrics"]);
    for (const role of roles) {
      const trust = JSON.parse(role.assume_role_policy);
      expect(trust.Statement).toHaveLength(1);
      const [s] = trust.Statement;
      expect(s.Effect).toBe("Allow");
      expect(s.Principal).toEqual({ Service: "iot.amazonaws.com" });
      expect(s.Action).toBe("sts:AssumeRole");
      expect(s.Condition.StringEquals).toEqual({ "aws:SourceAccount": ACCOUNT });
      expect(s.Condition.ArnLike["aws:SourceArn"]).toMatch(new RegExp(`:iot:eu-west-1:${ACCOUNT}:rule/iot_dev_shadow_\\*$`));
    }
  });

  it("allows the metrics role exactly cloudwatch:PutMetricData in the rule namespace", () => {
    const policy = policyOf(synth().json, "put-rule-metrics");
    expect(policy.Statement).toEqual([
      expect.objectContaining({
        Effect: "Allow",
        Action: "cloudwatch:PutMetricData",
        Resource: "*",
        Condition: { StringEquals: { "cloudwatch:namespace": NAMESPACE } },
      }),
    ]);
  });

  it("allows the sqs error role to send to that one queue and use that one key, nothing else", () => {
    const { json, construct } = synth();
    const queueKey = keyOf(json, "aws_sqs_queue", () => true);
    const keyKey = keyOf(json, "aws_kms_key", () => true);
    const policy = policyOf(json, "deliver-failed-messages");
    expect(policy.Statement.map(({ Sid: _sid, ...s }: Json) => s)).toEqual([
      { Effect: "Allow", Action: "sqs:SendMessage", Resource: ref("aws_sqs_queue", queueKey, "arn") },
      { Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: ref("aws_kms_key", keyKey, "arn") },
    ]);
    expect(construct.errorQueue).toBeDefined();
    expect(construct.errorLogGroup).toBeUndefined();
  });

  it("keeps failed messages 14 days in a queue encrypted with a rotating CMK, reachable over TLS only", () => {
    const { json } = synth();
    const [[queueKey, queue]] = Object.entries(resources(json, "aws_sqs_queue")) as [string, Json][];
    const [[keyKey, key]] = Object.entries(resources(json, "aws_kms_key")) as [string, Json][];
    expect(queue).toEqual(
      expect.objectContaining({ name: "iot-dev-rule-errors", message_retention_seconds: 1209600, kms_master_key_id: ref("aws_kms_key", keyKey, "arn") }),
    );
    expect(queue.lifecycle).toEqual({ prevent_destroy: true });
    expect(key.enable_key_rotation).toBe(true);
    expect(key.lifecycle).toEqual({ prevent_destroy: true });
    // SQS uses the key through the error role's IAM policy: the key policy needs no service grant.
    expect(JSON.parse(key.policy).Statement.map((s: Json) => s.Sid)).toEqual(["EnableIamPoliciesOfThisAccount"]);
    expect(Object.values(resources(json, "aws_kms_alias"))).toEqual([{ name: "alias/iot-dev-rule-errors", target_key_id: ref("aws_kms_key", keyKey, "key_id") }]);
    const queuePolicy = JSON.parse((Object.values(resources(json, "aws_sqs_queue_policy"))[0] as Json).policy);
    expect(queuePolicy.Statement[0]).toEqual(
      expect.objectContaining({ Effect: "Deny", Action: "sqs:*", Resource: ref("aws_sqs_queue", queueKey, "arn"), Condition: { Bool: { "aws:SecureTransport": false } } }),
    );
  });

  it("lets only the error action's role send to the error queue and only the operator role receive or delete", () => {
    const operator = `arn:aws:iam::${ACCOUNT}:role/iot-platform-operator`;
    const { json } = synth({ operatorRoleArn: operator });
    const queue = ref("aws_sqs_queue", keyOf(json, "aws_sqs_queue", () => true), "arn");
    const errorRole = ref("aws_iam_role", keyOf(json, "aws_iam_role", (r) => r.name === "iot-dev-rule-errors"), "arn");
    const statements = JSON.parse((Object.values(resources(json, "aws_sqs_queue_policy"))[0] as Json).policy).Statement;
    expect(statements.slice(1)).toEqual([
      { Sid: "OnlyTheSenderRoleSends", Effect: "Deny", Principal: "*", Action: "sqs:SendMessage", Resource: queue, Condition: { ArnNotEquals: { "aws:PrincipalArn": errorRole } } },
      {
        Sid: "OnlyTheOperatorRoleReads",
        Effect: "Deny",
        Principal: "*",
        Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage"],
        Resource: queue,
        Condition: { ArnNotEquals: { "aws:PrincipalArn": operator } },
      },
    ]);
    // Without an operator role nobody may read the queue (the secure default).
    const locked = JSON.parse((Object.values(resources(synth().json, "aws_sqs_queue_policy"))[0] as Json).policy).Statement;
    expect(locked[2]).toEqual({ Sid: "NobodyReadsWithoutAnOperatorRole", Effect: "Deny", Principal: "*", Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage"], Resource: queue });
  });

  it("writes to an encrypted log group instead when errorAction is cloudwatch-logs", () => {
    const { json, construct } = synth({ errorAction: { kind: "cloudwatch-logs", retentionDays: 731 } });
    expect(resources(json, "aws_sqs_queue")).toEqual({});
    const [[groupKey, group]] = Object.entries(resources(json, "aws_cloudwatch_log_group")) as [string, Json][];
    const keyKey = keyOf(json, "aws_kms_key", () => true);
    expect(group).toEqual(expect.objectContaining({ name: "/aws/iot/iot-dev/rule-errors", retention_in_days: 731, kms_key_id: ref("aws_kms_key", keyKey, "arn") }));
    const errorRoleKey = keyOf(json, "aws_iam_role", (r) => r.name === "iot-dev-rule-errors");
    for (const rule of Object.values(resources(json, "aws_iot_topic_rule")) as Json[]) {
      expect(rule.error_action).toEqual({
        cloudwatch_logs: { log_group_name: ref("aws_cloudwatch_log_group", groupKey, "name"), role_arn: ref("aws_iam_role", errorRoleKey, "arn") },
      });
    }
    const policy = policyOf(json, "deliver-failed-messages");
    const arn = ref("aws_cloudwatch_log_group", groupKey, "arn");
    expect(policy.Statement).toEqual([
      expect.objectContaining({ Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"], Resource: [arn, `${arn}:log-stream:*`] }),
    ]);
    const keyPolicy = JSON.parse((Object.values(resources(json, "aws_kms_key"))[0] as Json).policy);
    expect(keyPolicy.Statement.map((s: Json) => s.Sid)).toEqual(["EnableIamPoliciesOfThisAccount", "AllowCloudWatchLogsForItsLogGroups"]);
    const logs = keyPolicy.Statement[1];
    expect(logs.Principal.Service).toMatch(/^logs\.eu-west-1\.\$\{data\.aws_partition\.\w+\.dns_suffix\}$/);
    expect(logs.Condition.ArnEquals["kms:EncryptionContext:aws:logs:arn"]).toMatch(new RegExp(`:logs:eu-west-1:${ACCOUNT}:log-group:/aws/iot/iot-dev/rule-errors$`));
    expect(construct.errorLogGroup).toBeDefined();
    expect(synth({ errorAction: { kind: "cloudwatch-logs" } }).json.resource.aws_cloudwatch_log_group[groupKey].retention_in_days).toBe(365);
  });

  it("uses an existing key when kmsKey is given and creates none", () => {
    const kmsKey = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/0f0e0d0c-0b0a-0908-0706-050403020100`;
    const { json, construct } = synth({ kmsKey });
    expect(resources(json, "aws_kms_key")).toEqual({});
    expect(construct.kmsKeyArn).toBe(kmsKey);
    expect((Object.values(resources(json, "aws_sqs_queue"))[0] as Json).kms_master_key_id).toBe(kmsKey);
  });

  it("drops prevent_destroy only when asked", () => {
    const { json } = synth({ preventDestroy: false, kmsKeyOverrides: { deletionWindowInDays: 7 } });
    const key = Object.values(resources(json, "aws_kms_key"))[0] as Json;
    expect(key.lifecycle).toBeUndefined();
    expect(key.deletion_window_in_days).toBe(7);
  });
});

describe("ShadowRules: bad input fails synth with a field-naming message", () => {
  const long = "a".repeat(65);
  it.each<[string, Partial<ShadowRulesProps>, RegExp]>([
    ["hyphenated rule prefix", { ruleNamePrefix: "iot-dev" }, /ruleNamePrefix: IoT topic rule name "iot-dev_shadow_documents_classic" is invalid; allowed: letters, digits and underscores only/],
    ["rule prefix too long", { ruleNamePrefix: "x".repeat(110) }, /ruleNamePrefix: IoT topic rule name .* is \d+ characters long; allowed 1-128/],
    ["rule prefix too long for the permission statement id", { ruleNamePrefix: "x".repeat(70) }, /ruleNamePrefix \(shorten it\): Lambda permission statement id .* is \d+ characters long; allowed 1-100/],
    ["shadow name with a slash", { namedShadows: ["ok", "bad/name"] }, /namedShadows\[1\]: shadow name "bad\/name" is invalid/],
    ["shadow name over 64 bytes", { namedShadows: [long] }, /namedShadows\[0\]: shadow name .* is 65 bytes long; allowed 1-64 bytes/],
    ["duplicate shadow name", { namedShadows: ["a", "a"] }, /namedShadows\[1\]: duplicate shadow name "a"/],
    ["no shadow routed", { classicShadow: false, namedShadows: [] }, /classicShadow\/namedShadows: selects no shadow at all/],
    ["unknown error-action kind", { errorAction: { kind: "sns" } as unknown as ShadowRulesProps["errorAction"] }, /errorAction\.kind: unknown error-action kind "sns"; use "sqs" or "cloudwatch-logs"/],
    ["log retention CloudWatch does not accept", { errorAction: { kind: "cloudwatch-logs", retentionDays: 100 } }, /errorAction\.retentionDays: 100 is not accepted by CloudWatch Logs/],
    ["no processor", { processors: [] }, /processors: needs at least one processor/],
    ["duplicate processor id", { processors: [HISTORY, { ...HVAC, id: "history" }] }, /processors\[1\]\.id: duplicate processor id "history"/],
    ["processor id with a slash", { processors: [{ ...HISTORY, id: "a/b" }] }, /processors\[0\]\.id: "a\/b" must be/],
    ["processor ARN that is not a Lambda ARN", { processors: [{ ...HISTORY, functionArn: "arn:aws:sqs:eu-west-1:111111111111:q" }] }, /processors\[0\]\.functionArn: .* must be a Lambda function ARN/],
    ["both kmsKey and kmsKeyOverrides", { kmsKey: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/0f0e0d0c-0b0a-0908-0706-050403020100`, kmsKeyOverrides: {} }, /kmsKey\/kmsKeyOverrides: pass either .* not both/],
    ["kmsKey alias instead of key ARN", { kmsKey: `arn:aws:kms:eu-west-1:${ACCOUNT}:alias/x` }, /kmsKey: .* must be a KMS key ARN/],
    ["deletion window out of range", { kmsKeyOverrides: { deletionWindowInDays: 3 } }, /kmsKeyOverrides\.deletionWindowInDays: must be a whole number from 7 to 30, got 3/],
    ["account id with 11 digits", { accountId: "12345678901" }, /accountId: "12345678901" must be a 12-digit AWS account id/],
    ["region typo", { region: "eu-west" }, /region: "eu-west" must look like an AWS region/],
    ["AWS/ metric namespace", { metricNamespace: "AWS/IoT" }, /metricNamespace: CloudWatch metric namespace "AWS\/IoT" is invalid/],
    ["uppercase resource prefix", { resourceNamePrefix: "IoT-Dev" }, /resourceNamePrefix: "IoT-Dev" must be lowercase/],
    ["no thing-name prefix", { thingNamePrefix: undefined as unknown as string }, /thingNamePrefix: is required: the product line's thing-name prefix/],
    ["thing-name prefix with a quote", { thingNamePrefix: "Th'x" }, /thingNamePrefix: IoT thing name "Th'x" is invalid/],
    ["thing-name prefix of 128 characters", { thingNamePrefix: "T".repeat(128) }, /thingNamePrefix: is 128 characters; thing names have at most 128, so use at most 127/],
    ["operator role that is not a role ARN", { operatorRoleArn: "arn:aws:iam::111111111111:user/ops" }, /operatorRoleArn: .* must be an IAM role ARN/],
    ["operator role of another account", { operatorRoleArn: "arn:aws:iam::222222222222:role/ops" }, /operatorRoleArn: .* is a role of account 222222222222; use a role of account 111111111111/],
  ])("%s", (_label, overrides, message) => {
    expect(() => synth(overrides)).toThrow(message);
  });
});


import { blockingFindings, checkStack, formatReport } from "../tools/offline-checks";
import { synthAll, resourcesOf, TfJson } from "./helpers/synth-app";

const { built, stacks } = synthAll();

/** The attribute holding each AWS resource's name, where two equal names would collide at apply time. */
const NAME_ATTRIBUTES: Record<string, string> = {
  aws_iot_topic_rule: "name",
  aws_iot_thing: "name",
  aws_iot_thing_type: "name",
  aws_iot_thing_group: "name",
  aws_iot_policy: "name",
  aws_iot_provisioning_template: "name",
  aws_dynamodb_table: "name",
  aws_lambda_function: "function_name",
  aws_iam_role: "name",
  aws_cloudwatch_log_group: "name",
  aws_sqs_queue: "name",
  aws_sns_topic: "name",
  aws_kms_alias: "name",
  aws_cloudwatch_metric_alarm: "alarm_name",
  aws_cloudwatch_dashboard: "dashboard_name",
  aws_s3_bucket: "bucket",
};

function accountOf(stack: TfJson): string {
  const [provider] = stack.provider.aws;
  return `${provider.allowed_account_ids[0]}/${provider.region}`;
}

describe("two product lines from the same modules", () => {
  it("HVAC synthesizes next to thermostats with its own thing type, shadows and extra processor", () => {
    const hvac = stacks["hvac-dev-platform"];
    expect(resourcesOf(hvac, "aws_iot_thing_type").map(([, r]) => r.name)).toEqual(["HvacUnit"]);
    const functions = resourcesOf(hvac, "aws_lambda_function").map(([, r]) => r.function_name).sort();
    expect(functions).toEqual(["hvac-dev-filter-alerts", "hvac-dev-shadow-history"]);
    const [[, rule]] = resourcesOf(hvac, "aws_iot_topic_rule").filter(([, r]) => r.name === "hvac_dev_shadow_documents_named");
    expect(rule.lambda).toHaveLength(2);
    // Both processors are invocable only by that rule (one permission per rule x processor).
    const permissions = resourcesOf(hvac, "aws_lambda_permission").filter(([, p]) => p.source_arn.includes("rule-documentsNamed"));
    expect(permissions).toHaveLength(2);
    expect(resourcesOf(hvac, "aws_iot_topic_rule").some(([, r]) => r.name.includes("classic"))).toBe(false);
    const filterFn = resourcesOf(hvac, "aws_lambda_function").find(([, r]) => r.function_name === "hvac-dev-filter-alerts")![1];
    expect(filterFn.environment.variables).toEqual(expect.objectContaining({ POWERTOOLS_SERVICE_NAME: "filter-alerts", POWERTOOLS_METRICS_NAMESPACE: "IotShadow/hvac/dev" }));
    expect(filterFn.environment.variables.TABLE_NAME).toBeUndefined();
  });

  it("no two stacks in one account declare a resource with the same AWS name", () => {
    const seen = new Map<string, string>();
    const collisions: string[] = [];
    for (const [stackName, stack] of Object.entries(stacks)) {
      for (const [type, attr] of Object.entries(NAME_ATTRIBUTES)) {
        for (const [name, r] of resourcesOf(stack, type)) {
          const value = r[attr];
          if (typeof value !== "string" || value.includes("${")) continue;
          const key = `${accountOf(stack)} ${type} ${value}`;
          const other = seen.get(key);
          if (other) collisions.push(`${key}: ${other} and ${stackName}.${name}`);
          else seen.set(key, `${stackName}.${name}`);
        }
      }
    }
    expect(collisions).toEqual([]);
    expect(seen.size).toBeGreaterThan(100);
  });

  it("metric namespaces and default tags differ per product line and environment within an account and region; state keys everywhere", () => {
    const platform = built.environments.map((e) => stacks[e.platform.node.id]);
    expect(platform.length).toBe(Object.keys(stacks).filter((n) => n.endsWith("-platform")).length);
    // The history processor's (the pre-provisioning hook emits no metrics).
    const namespaceOf = (s: TfJson) => resourcesOf(s, "aws_lambda_function").find(([, f]) => String(f.function_name).endsWith("-shadow-history"))![1].environment.variables.POWERTOOLS_METRICS_NAMESPACE;
    const lineOf = (s: TfJson) => {
      const tags = s.provider.aws[0].default_tags[0].tags;
      return `${tags["product-line"]}/${tags.environment}`;
    };
    // CloudWatch namespaces are per account and region: alarms would count another environment's updates there.
    const perAccount = new Map<string, TfJson[]>();
    for (const s of platform) perAccount.set(accountOf(s), [...(perAccount.get(accountOf(s)) ?? []), s]);
    for (const [account, group] of perAccount) {
      expect({ account, namespaces: new Set(group.map(namespaceOf)).size, lines: new Set(group.map(lineOf)).size }).toEqual({ account, namespaces: group.length, lines: group.length });
    }
    // Across accounts too, another product line or environment class never shares a namespace.
    const namespaceByLine = new Map(platform.map((s) => [lineOf(s), namespaceOf(s)]));
    expect(new Set(namespaceByLine.values()).size).toBe(namespaceByLine.size);
    expect(namespaceByLine.size).toBeGreaterThan(1);
    const keys = Object.values(stacks).map((s) => s.terraform.backend.s3?.key ?? s.terraform.backend.local.path);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe("isolation and retention in the synthesized stacks (issue 20)", () => {
  const platforms = built.environments.map((e) => e.platform.node.id);
  const configOf = (name: string) => built.environments.find((e) => e.platform.node.id === name)!.config;

  it.each(platforms)("%s: every topic rule keeps to the product line's thing-name prefix", (name) => {
    const rules = resourcesOf(stacks[name], "aws_iot_topic_rule");
    expect(rules.length).toBeGreaterThan(0);
    for (const [, rule] of rules) expect(rule.sql).toContain(` WHERE startswith(topic(3), '${configOf(name).thingNamePrefix}')`);
  });

  it.each(platforms)("%s: failure queues take messages only from their sender role and give them only to the operator role", (name) => {
    const stack = stacks[name];
    // Buffered ingestion's queues have their own policies (test/buffered-ingestion.test.ts).
    const ingest = (ref: string) => /_ingest-/.test(ref);
    const policies = resourcesOf(stack, "aws_sqs_queue_policy").filter(([, p]) => !ingest(p.queue_url)).map(([, p]) => JSON.parse(p.policy));
    // One per processor dead-letter queue, plus the rule error queue when the error action is sqs.
    expect(policies.length).toBe(resourcesOf(stack, "aws_sqs_queue").filter(([id]) => !ingest(id)).length);
    for (const policy of policies) {
      const bySid = Object.fromEntries(policy.Statement.map((st: TfJson) => [st.Sid, st]));
      expect(bySid.OnlyTheSenderRoleSends.Condition.ArnNotEquals["aws:PrincipalArn"]).toMatch(/^\$\{aws_iam_role\.[\w-]+\.arn\}$/);
      expect(bySid.OnlyTheOperatorRoleReads.Condition.ArnNotEquals["aws:PrincipalArn"]).toBe(configOf(name).failureQueues.operatorRoleArn);
      expect(bySid.DenyInsecureTransport.Condition).toEqual({ Bool: { "aws:SecureTransport": false } });
    }
  });

  it.each(platforms)("%s: the alarm topic accepts notifications only from CloudWatch for the environment's alarms", (name) => {
    const stack = stacks[name];
    const [[topicKey, topic]] = resourcesOf(stack, "aws_sns_topic");
    const [[, policy]] = resourcesOf(stack, "aws_sns_topic_policy");
    expect(policy.arn).toBe(`\${aws_sns_topic.${topicKey}.arn}`);
    const [allow] = JSON.parse(policy.policy).Statement;
    const envPrefix = topic.name.replace(/-alarms$/, "");
    const { account } = configOf(name);
    expect(allow.Condition.ArnLike["aws:SourceArn"]).toMatch(new RegExp(`:cloudwatch:${account.region}:${account.id}:alarm:${envPrefix}-\\*$`));
    for (const [, alarm] of resourcesOf(stack, "aws_cloudwatch_metric_alarm")) expect(alarm.alarm_name.startsWith(`${envPrefix}-`)).toBe(true);
  });

  it("keeps rule error payloads weeks in dev and a year in prod; prod history retention is a stated choice", () => {
    const errorLog = (name: string) => resourcesOf(stacks[name], "aws_cloudwatch_log_group").find(([, g]) => g.name.endsWith("/rule-errors"))?.[1];
    expect(errorLog("hvac-dev-platform")?.retention_in_days).toBe(14);
    // Queues keep at most 14 days anyway (SQS maximum).
    for (const [, q] of resourcesOf(stacks["iot-dev-platform"], "aws_sqs_queue")) expect(q.message_retention_seconds).toBeLessThanOrEqual(14 * 86400);
    const table = (name: string) => resourcesOf(stacks[name], "aws_dynamodb_table")[0][1];
    expect(table("iot-dev-data").ttl).toEqual({ attribute_name: "expiresAt", enabled: true });
    expect(table("iot-prod-data").ttl).toBeUndefined(); // ttlDays: "none" in environments/prod.ts
    expect(table("hvac-prod-data").ttl).toBeUndefined();
  });

  it("sets the IoT log level of each account from its environments' config: WARN in the prod account", () => {
    const level = (account: string) => resourcesOf(stacks[`iot-${account}-eu-west-1-baseline`], "aws_iot_logging_options")[0][1].default_log_level;
    expect(level("111111111111")).toBe("INFO");
    expect(level("222222222222")).toBe("INFO");
    expect(level("333333333333")).toBe("WARN");
  });

  it("every Lambda function of a staging or prod platform reserves concurrency, extra processors included", () => {
    const production = Object.keys(stacks).filter((n) => /-(staging|prod)-platform$/.test(n));
    expect(production).toEqual(expect.arrayContaining(["iot-prod-platform", "hvac-prod-platform"]));
    const unreserved = production.flatMap((name) =>
      resourcesOf(stacks[name], "aws_lambda_function")
        .filter(([, fn]) => !(fn.reserved_concurrent_executions >= 1))
        .map(([address]) => `${name} ${address}`),
    );
    expect(unreserved).toEqual([]);
  });

  it("pins the history key's kms:ViaService to DynamoDB of the stack's region", () => {
    for (const name of platforms) {
      const doc = Object.values(stacks[name].data.aws_iam_policy_document as Record<string, TfJson>).find((d) => d.statement.some((st: TfJson) => st.sid === "UseHistoryTableKeyThroughDynamoDB"))!;
      const st = doc.statement.find((x: TfJson) => x.sid === "UseHistoryTableKeyThroughDynamoDB");
      expect(st.condition).toEqual([{ test: "StringEquals", variable: "kms:ViaService", values: [expect.stringMatching(/^dynamodb\.\$\{data\.aws_region\.\w+\.region\}\./)] }]);
    }
  });
});

describe("offline checks on every real stack", () => {
  it.each(Object.keys(stacks))("%s has no unwaived finding", (name) => {
    const blocking = blockingFindings(checkStack(name, stacks[name]));
    if (blocking.length) throw new Error(formatReport(blocking));
  });
});

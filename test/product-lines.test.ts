import { blockingFindings, checkStack, formatReport } from "../tools/offline-checks";
import { synthAll, resourcesOf, TfJson } from "./helpers/synth-app";

const { stacks } = synthAll();

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

  it("metric namespaces, state keys and default tags differ per product line and environment", () => {
    const platform = Object.entries(stacks).filter(([n]) => n.endsWith("-platform"));
    const namespaces = platform.map(([, s]) => resourcesOf(s, "aws_lambda_function")[0][1].environment.variables.POWERTOOLS_METRICS_NAMESPACE);
    expect(new Set(namespaces).size).toBe(platform.length);
    const tags = platform.map(([, s]) => s.provider.aws[0].default_tags[0].tags);
    expect(new Set(tags.map((t) => `${t["product-line"]}/${t.environment}`)).size).toBe(platform.length);
    const keys = Object.values(stacks).map((s) => s.terraform.backend.s3?.key ?? s.terraform.backend.local.path);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe("offline checks on every real stack", () => {
  it.each(Object.keys(stacks))("%s has no unwaived finding", (name) => {
    const blocking = blockingFindings(checkStack(name, stacks[name]));
    if (blocking.length) throw new Error(formatReport(blocking));
  });
});

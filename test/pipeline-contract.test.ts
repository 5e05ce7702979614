/**
 * The event contract between infrastructure and code, for every environment:
 * each topic rule with a Lambda action, evaluated on real update/documents
 * messages from the shadow emulator, must build an event the processor's
 * parser (functions/shadow-history/event.ts) accepts with the right thing and
 * shadow name. Changing the rule SQL or the parser without the other fails here.
 */
import { environments } from "../environments";
import { dev } from "../environments/dev";
import { historyTableCreateInput } from "../modules/history-store/schema";
import { historyTableName } from "../tools/history-reader";
import { RuleEngine, TopicRuleDef, evaluateRule, loadTopicRules, resolveLambdaFunction } from "../tools/iot-rules";
import { checkLambdaContract, describeQueueConsumers, documentsSamples, iotInvokePermitted, synthesizedTable } from "../tools/pipeline";
import { TfJson, synthAll } from "./helpers/synth-app";

interface EnvUnderTest {
  readonly label: string;
  readonly platform: TfJson;
  readonly data: TfJson;
  readonly classic: boolean;
  readonly named: readonly string[] | "all";
  readonly naming: { namePrefix: string; environment: string; productLine: string };
  /** A thing of the environment's own thing-name space. */
  readonly thing: string;
  readonly thingNamePrefix: string;
}

function environmentsUnderTest(props: Parameters<typeof synthAll>[0], suffix = ""): EnvUnderTest[] {
  const { built, stacks } = synthAll(props);
  return built.environments.map(({ config, data, platform }) => ({
    label: `${platform.node.id}${suffix}`,
    platform: stacks[platform.node.id],
    data: stacks[data.node.id],
    classic: config.shadows.classic,
    named: config.shadows.named,
    naming: config,
    thing: `${config.thingNamePrefix}42`,
    thingNamePrefix: config.thingNamePrefix,
  }));
}

// Every real environment, plus dev routing every named shadow ("all", the `+` filter with no WHERE).
const ENVS: EnvUnderTest[] = [
  ...environmentsUnderTest({}),
  ...environmentsUnderTest({ environments: { dev: { ...dev, shadows: { classic: true, named: "all" } } } }, " (named: all)"),
];
const THING = "Thermostat-42";
/** A thing no checked-in product line owns. */
const STRANGER = "Sprinkler-7";

/** Shadow names that must reach the processor; for "all", names nobody listed anywhere. */
function routedShadows(env: EnvUnderTest): (string | undefined)[] {
  const named = env.named === "all" ? ["config", "ota-status_2:b"] : [...env.named];
  return [...(env.classic ? [undefined] : []), ...named];
}

/** Rules that deliver to a processor: a lambda action, or an sqs action to a queue a function drains (buffered ingestion). */
const lambdaRules = (env: EnvUnderTest) => loadTopicRules(env.platform).filter((r) => r.enabled && r.actions.some((a) => a.kind === "lambda" || a.kind === "sqs"));

describe.each(ENVS)("event contract: $label", (env) => {
  it("has rules with Lambda actions, all evaluable by the local engine", () => {
    expect(lambdaRules(env).length).toBeGreaterThan(0);
    const noop = { invokeLambda: async () => undefined, putMetric: () => undefined, sendToQueue: () => undefined, putLogEvent: () => undefined, onError: () => undefined };
    expect(() => new RuleEngine(loadTopicRules(env.platform), noop)).not.toThrow();
  });

  it.each([["first update (previous null)", 0], ["later update (previous set)", 1]])(
    "every routed shadow reaches exactly one Lambda rule whose event the processor accepts: %s",
    (_label, index) => {
      for (const shadowName of routedShadows(env)) {
        const sample = documentsSamples(env.thing, [shadowName])[index];
        expect(sample.payload.previous === null).toBe(index === 0);
        const results = checkLambdaContract(lambdaRules(env), sample);
        expect({ shadowName, rules: results.length }).toEqual({ shadowName, rules: 1 });
        expect({ shadowName, problems: results[0].problems }).toEqual({ shadowName, problems: [] });
        expect(results[0].event).toMatchObject({ thingName: env.thing, current: sample.payload.current });
        if (shadowName === undefined) expect(results[0].event).not.toHaveProperty("shadowName");
        else expect(results[0].event.shadowName).toBe(shadowName);
      }
    },
  );

  it("every Lambda rule targets a function of the stack that IoT is permitted to invoke for that rule", () => {
    for (const rule of lambdaRules(env)) {
      // The parser checked above is the history processor's (other processors reuse it): make sure each rule feeds that processor.
      const consumers = describeQueueConsumers(env.platform);
      const targetOf = (a: (typeof rule.actions)[number]) => (a.kind === "lambda" ? a.functionArn : a.kind === "sqs" ? consumers.find((c) => c.queueUrlRef === a.queueUrl)?.functionArn : undefined);
      const bundles = rule.actions.map((a) => (targetOf(a) ? resolveLambdaFunction(env.platform, targetOf(a) as string) : undefined));
      expect(bundles.some((b) => b?.kind === "resource" && b.function.filename?.endsWith("/shadow-history.zip"))).toBe(true);
      for (const action of rule.actions) {
        if (action.kind !== "lambda") continue;
        const resolved = resolveLambdaFunction(env.platform, action.functionArn);
        expect(resolved.kind).toBe("resource");
        if (resolved.kind !== "resource") continue;
        expect({ rule: rule.name, permitted: iotInvokePermitted(env.platform, rule, { logicalId: resolved.function.logicalId, functionName: resolved.function.functionName! }) }).toEqual({
          rule: rule.name,
          permitted: true,
        });
      }
    }
  });

  if (env.named !== "all") {
    it("a named shadow that is not configured is not routed (history for it is off by design)", () => {
      for (const sample of documentsSamples(env.thing, ["not-configured"])) expect(checkLambdaContract(lambdaRules(env), sample)).toEqual([]);
    });
  }

  it("a thing outside the environment's thing-name space reaches none of its rules (another product line's, or nobody's)", () => {
    const others = [STRANGER, ...ENVS.map((e) => e.thing).filter((t) => !t.startsWith(env.thingNamePrefix))];
    expect(others.length).toBeGreaterThan(1);
    const all = loadTopicRules(env.platform).filter((r) => r.enabled);
    for (const thing of others) {
      for (const shadowName of routedShadows(env)) {
        for (const sample of documentsSamples(thing, [shadowName])) expect({ thing, shadowName, rules: checkLambdaContract(lambdaRules(env), sample) }).toEqual({ thing, shadowName, rules: [] });
        // Drift counters too: another line's deltas and rejections are not counted here.
        for (const kind of ["delta", "rejected"]) {
          const topic = shadowName === undefined ? `$aws/things/${thing}/shadow/update/${kind}` : `$aws/things/${thing}/shadow/name/${shadowName}/update/${kind}`;
          expect({ topic, matched: all.filter((r) => evaluateRule(r, topic, { state: {} }).matched).map((r) => r.name) }).toEqual({ topic, matched: [] });
        }
      }
    }
  });

  it("the local table, the schema constants and the history CLI agree with the synthesized table", () => {
    const table = synthesizedTable(env.data);
    expect(table.tableName).toBe(historyTableName(env.naming));
    expect(table.createInput).toEqual(historyTableCreateInput(table.tableName));
  });
});

describe("negative controls: the contract check catches a broken rule", () => {
  const [devEnv] = ENVS;
  const rules = lambdaRules(devEnv);
  const classicRule = rules.find((r) => r.sql.includes("/shadow/update/documents"))!;
  const namedRule = rules.find((r) => r.sql.includes("/shadow/name/+/update/documents"))!;
  const withSql = (rule: TopicRuleDef, sql: string): TopicRuleDef => ({ ...rule, sql });

  it("starts from the real SQL", () => {
    expect(classicRule.sql).toContain("topic(3) AS thingName");
    expect(namedRule.sql).toContain("topic(6) AS shadowName");
  });

  it("a rule without `topic(3) AS thingName` (the AWS recipe's bug) fails the contract", () => {
    const broken = withSql(classicRule, classicRule.sql.replace(", topic(3) AS thingName", ""));
    const [result] = checkLambdaContract([broken], documentsSamples(THING, [undefined])[0]);
    expect(result.problems).toEqual(["the processor rejects the event: Invalid shadow event: thingName is missing: the topic rule must add it with `topic(3) AS thingName`"]);
  });

  it("a named-shadow rule without `topic(6) AS shadowName` fails: its history would land in the classic shadow", () => {
    const broken = withSql(namedRule, namedRule.sql.replace(", topic(6) AS shadowName", ""));
    const [result] = checkLambdaContract([broken], documentsSamples(THING, ["config"])[0]);
    expect(result.problems).toEqual(['shadowName is undefined, expected "config"']);
  });

  it("an off-by-one topic level fails", () => {
    const broken = withSql(classicRule, classicRule.sql.replace("topic(3) AS thingName", "topic(2) AS thingName"));
    const [result] = checkLambdaContract([broken], documentsSamples(THING, [undefined])[0]);
    expect(result.problems).toEqual([`thingName is "things", expected "${THING}"`]);
  });

  it("a rule with no aws_lambda_permission for it would never invoke the function", () => {
    const withoutPermissions = { ...devEnv.platform, resource: { ...devEnv.platform.resource, aws_lambda_permission: {} } };
    const fn = resolveLambdaFunction(devEnv.platform, (classicRule.actions.find((a) => a.kind === "lambda") as { functionArn: string }).functionArn);
    if (fn.kind !== "resource") throw new Error("the classic rule's function must resolve");
    const target = { logicalId: fn.function.logicalId, functionName: fn.function.functionName! };
    expect(iotInvokePermitted(devEnv.platform, classicRule, target)).toBe(true);
    expect(iotInvokePermitted(devEnv.platform, { ...classicRule, logicalId: "other_rule", name: "other_rule" }, target)).toBe(false);
    expect(iotInvokePermitted(withoutPermissions, classicRule, target)).toBe(false);
  });
});

describe("synthesizedTable refuses what the local server could not reproduce", () => {
  const table = () => structuredClone(ENVS[0].data.resource.aws_dynamodb_table) as Record<string, TfJson>;
  const only = (mutate: (t: TfJson) => void) => {
    const tables = table();
    for (const t of Object.values(tables)) mutate(t);
    return { resource: { aws_dynamodb_table: tables } };
  };

  it.each([
    ["no table", { resource: {} }, "expected exactly one aws_dynamodb_table in the stack, found: none"],
    ["a name that is a Terraform expression", only((t) => (t.name = "${var.name}")), "is a Terraform expression (${var.name}); the local harness needs a literal"],
    ["a key without an attribute block", only((t) => (t.attribute = t.attribute.slice(1))), "key attribute thingName has no attribute block"],
    ["a local secondary index", only((t) => (t.local_secondary_index = [{ name: "lsi", range_key: "updatedAt", projection_type: "ALL" }])), "local_secondary_index is not supported"],
  ])("%s", (_label, tfJson, message) => {
    expect(() => synthesizedTable(tfJson)).toThrow(message);
  });

  it("reproduces provisioned capacity", () => {
    const provisioned = only((t) => {
      t.billing_mode = "PROVISIONED";
      t.read_capacity = 5;
      t.write_capacity = 3;
      t.global_secondary_index = t.global_secondary_index.map((g: TfJson) => ({ ...g, read_capacity: 2, write_capacity: 1 }));
    });
    const { createInput } = synthesizedTable(provisioned);
    expect(createInput.BillingMode).toBeUndefined();
    expect(createInput.ProvisionedThroughput).toEqual({ ReadCapacityUnits: 5, WriteCapacityUnits: 3 });
    expect(createInput.GlobalSecondaryIndexes?.[0].ProvisionedThroughput).toEqual({ ReadCapacityUnits: 2, WriteCapacityUnits: 1 });
  });
});

// Guard against an environment list that silently shrinks to nothing.
it("covers every environment", () => {
  expect(ENVS.filter((e) => !e.label.endsWith("(named: all)"))).toHaveLength(Object.keys(environments).length);
});

/**
 * Property-based tests over environment configs: random valid configs validate,
 * synthesize (whole app) and pass the offline checks; random single-field
 * corruptions fail with an EnvironmentConfigError naming the environment and the
 * field, before any stack exists. Plus one large fleet.
 *
 * Runs: validation and corruption properties FC_RUNS (default 1000) each; the
 * synth property FC_SYNTH_RUNS (default 30), since one synth with offline
 * checks costs ~150 ms against well under 1 ms for a validation.
 */
import { Testing } from "cdktf";
import fc from "fast-check";
import { EnvironmentConfigError, resolveEnvironment } from "../lib/config-schema";
import { buildApp } from "../stacks/app";
import { blockingFindings, checkStack } from "../tools/offline-checks";
import { generatedFleet } from "../bench/fleet";
import { dev } from "../environments/dev";
import { FC_RUNS, GeneratedEnvironment, corruptedEnvironmentArb, fcParams, validEnvironmentArb } from "./helpers/arbitraries";
import { TfJson, resourcesOf, synthAll } from "./helpers/synth-app";

const SYNTH_RUNS = Number(process.env.FC_SYNTH_RUNS ?? 30);
/** Jest timeout for `runs` cases of `msPerCase`, so larger FC_RUNS / FC_SYNTH_RUNS runs are not cut off. */
const timeoutFor = (runs: number, msPerCase: number) => Math.max(60_000, runs * msPerCase);

/** Blocking offline-check findings of every synthesized stack, as "stack rule address" lines (empty when clean). */
function blockingOf(stacks: Record<string, TfJson>): string[] {
  return Object.entries(stacks).flatMap(([name, json]) => blockingFindings(checkStack(name, json)).map((f) => `${name} ${f.ruleId} ${f.address}: ${f.message}`));
}

describe("random valid environment configs", () => {
  it(`validate (${FC_RUNS} cases)`, () => {
    fc.assert(
      fc.property(validEnvironmentArb, ({ label, config }: GeneratedEnvironment) => {
        const resolved = resolveEnvironment(config, label);
        expect(resolved.environment).toBe(config.environment);
        expect(resolved.devices.things).toHaveLength(config.devices.things?.length ?? 0);
      }),
      fcParams(),
    );
  }, timeoutFor(FC_RUNS, 5));

  it(`synthesize and pass the offline checks (${SYNTH_RUNS} cases)`, () => {
    fc.assert(
      fc.property(validEnvironmentArb, ({ label, config }: GeneratedEnvironment) => {
        const { built, stacks } = synthAll({ environments: { [label]: config } });
        const [env] = built.environments;
        expect(Object.keys(stacks)).toEqual(expect.arrayContaining([`${config.namePrefix}-${config.environment}-data`, `${config.namePrefix}-${config.environment}-platform`]));
        const platform = stacks[env.platform.node.id];
        // Key generation (a dev-only opt-in) is gated by SEC023 on each certificate until waived; nothing else may block.
        const gated = config.devices.certificateMode === "generate" ? resourcesOf(platform, "aws_iot_certificate").map(([name]) => `${env.platform.node.id} SEC023 aws_iot_certificate.${name}`) : [];
        expect(blockingOf(stacks).map((f) => f.split(":")[0]).sort()).toEqual(gated.sort());
        // What the config asked for is what was synthesized.
        expect(resourcesOf(platform, "aws_iot_thing")).toHaveLength(config.devices.things?.length ?? 0);
        expect(resourcesOf(platform, "aws_lambda_function").map(([, f]) => [f.memory_size, f.timeout])).toContainEqual([config.processor?.memoryMb, config.processor?.timeoutSeconds]);
      }),
      fcParams(SYNTH_RUNS),
    );
  }, timeoutFor(SYNTH_RUNS, 1_000));
});

describe("random single-field corruptions of valid configs", () => {
  it(`fail before synthesis with an EnvironmentConfigError naming the environment and the field (${FC_RUNS} cases)`, () => {
    const corrupted = new Set<string>();
    fc.assert(
      fc.property(corruptedEnvironmentArb, ({ label, config, corruption }) => {
        const app = Testing.app();
        let error: unknown;
        try {
          buildApp(app, { environments: { [label]: config } });
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(EnvironmentConfigError);
        const e = error as EnvironmentConfigError;
        expect(e.environment).toBe(label);
        expect(e.message).toContain(`Invalid environment config "${label}"`);
        expect(e.problems.map((p) => p.field)).toContain(corruption.field);
        expect(e.message).toContain(`${corruption.field}: `);
        // Nothing half-built: validation runs before any stack is created.
        expect(app.node.children).toHaveLength(0);
        corrupted.add(corruption.field.replace(/\[\d+\]/g, "[i]").replace(/^(tags|devices\.things\[i\]\.attributes)\..+$/, "$1.<key>"));
      }),
      fcParams(),
    );
    // Every part of the config was corrupted at least once.
    for (const field of ["environment", "namePrefix", "account.id", "state.bucket", "tags.<key>", "devices.thingType.name", "devices.things[i].name", "devices.things[i].attributes.<key>", "devices.groups[i].parent", "shadows.named[i]", "shadows", "history.ttlDays", "processor.memoryMb", "processor.logRetentionDays", "rules.errorAction", "alarms.emailSubscriptions[i]", "thingNamePrefix", "failureQueues.operatorRoleArn", "(root)"]) {
      expect(corrupted).toContain(field);
    }
  }, timeoutFor(FC_RUNS, 10));
});

/**
 * Found by the properties above: configs the schema used to accept and a module
 * then rejected at synth with a construct-prop message. The schema now names the
 * environment and config field for each (see docs/reliability.md).
 */
describe("configs modules would reject are caught by the schema, naming the field", () => {
  type Cfg = { [key: string]: any };
  /** The field a problem must name: literal, or found in the mutated config (never by the position a device or group has in environments/dev.ts). */
  type Field = string | ((c: Cfg) => string);
  const indexWhere = (list: Cfg[], what: string, match: (item: Cfg) => boolean): number => {
    const i = list.findIndex(match);
    if (i < 0) throw new Error(`the test needs ${what} in environments/dev.ts`);
    return i;
  };
  const cases: [string, (c: Cfg) => void, Field, RegExp][] = [
    ["a thing named like an Object.prototype member", (c) => (c.devices.things[0].name = "toString"), "devices.things[0].name", /reserved/],
    ["a group named like an Object.prototype member", (c) => c.devices.groups.push({ name: "constructor" }), (c) => `devices.groups[${indexWhere(c.devices.groups, "a group", (g) => g.name === "constructor")}].name`, /reserved/],
    [
      "a thing outside the policy group",
      (c) => Object.assign(c.devices, { policyAttachment: "thing-group", policyGroup: "site-lab" }),
      (c) => `devices.things[${indexWhere(c.devices.things, 'a thing outside group "site-lab"', (t) => !(t.groups ?? []).includes("site-lab"))}].groups`,
      /the device policy is attached to group "site-lab", which this thing is not in/,
    ],
    ["PROVISIONED maxCapacity below the capacities", (c) => Object.assign(c.history, { billingMode: "PROVISIONED", provisioned: { readCapacity: 5, writeCapacity: 5, maxCapacity: 1 } }), "history.provisioned.maxCapacity", /at least readCapacity and writeCapacity/],
    ["PROVISIONED capacity above 40000", (c) => Object.assign(c.history, { billingMode: "PROVISIONED", provisioned: { readCapacity: 50000, writeCapacity: 5, maxCapacity: 60000 } }), "history.provisioned.readCapacity", /40000/],
    ["a 128-character thing type with fleet provisioning", (c) => Object.assign(c.devices, { thingType: { name: "T".repeat(128) }, fleetProvisioning: { enabled: true } }), "devices.thingType.name", /at most 127/],
    ["a thing name with ':' when keys are generated", (c) => Object.assign(c.devices, { certificateMode: "generate", things: [{ name: "Thermostat-lab:1" }] }), "devices.things[0].name", /':' is not allowed/],
    ["a CSR with certificateMode generate", (c) => (c.devices.certificateMode = "generate"), "devices.things[0]", /drop csrPath\/csrPem/],
    ["a thing in 11 groups", (c) => Object.assign(c.devices, { groups: Array.from({ length: 11 }, (_, i) => ({ name: `g${i}` })), things: [{ ...c.devices.things[0], groups: Array.from({ length: 11 }, (_, i) => `g${i}`) }] }), "devices.things[0].groups", /at most 10/],
    ["a thing listing a group twice", (c) => (c.devices.things[0].groups = ["site-lab", "site-lab"]), "devices.things[0].groups[1]", /twice/],
    ["a cycle of parent groups", (c) => Object.assign(c.devices, { groups: [{ name: "a", parent: "b" }, { name: "b", parent: "a" }], things: [] }), "devices.groups[0].parent", /cycle/],
    ["a group hierarchy 8 levels deep", (c) => Object.assign(c.devices, { groups: Array.from({ length: 8 }, (_, i) => ({ name: `g${i}`, ...(i ? { parent: `g${i - 1}` } : {}) })), things: [] }), "devices.groups[7].parent", /8 levels deep; AWS allows 7/],
    ["policyGroup with policyAttachment certificate", (c) => (c.devices.policyGroup = "site-lab"), "devices.policyGroup", /only used with policyAttachment "thing-group"/],
  ];

  it.each(cases)("%s", (_label, mutate, fieldOf, message) => {
    const config: Cfg = structuredClone(dev);
    mutate(config);
    const field = typeof fieldOf === "string" ? fieldOf : fieldOf(config);
    let error: unknown;
    try {
      resolveEnvironment(config, "dev");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EnvironmentConfigError);
    const problem = (error as EnvironmentConfigError).problems.find((p) => p.field === field);
    expect({ field, found: problem !== undefined, problems: (error as EnvironmentConfigError).problems }).toEqual(expect.objectContaining({ field, found: true }));
    expect(problem!.message).toMatch(message);
  });
});

describe("a large fleet", () => {
  it("1,000 devices and 10 named shadows synthesize and pass the offline checks", () => {
    const { built, stacks } = synthAll({ environments: { dev: generatedFleet(1000, 10) } });
    expect(blockingOf(stacks)).toEqual([]);
    const platform = stacks[built.environments[0].platform.node.id];
    expect(resourcesOf(platform, "aws_iot_thing")).toHaveLength(1000);
    expect(resourcesOf(platform, "aws_iot_certificate")).toHaveLength(1000);
    // The named-shadow routing covers the 10 shadows.
    const sql = resourcesOf(platform, "aws_iot_topic_rule").map(([, r]) => String(r.sql)).join("\n");
    for (let i = 1; i <= 10; i++) expect(sql).toContain(`shadow${i}`);
  });
});

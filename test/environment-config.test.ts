import { join } from "node:path";
import { TerraformStack, Testing } from "cdktf";
import { DeviceIdentity } from "../modules/device-identity";
import { ShadowRules } from "../modules/shadow-rules";
import { EnvironmentConfigError, assertAccountIsolation, assertDistinctEnvironments, resolveEnvironment, thingNamePrefixesOverlap } from "../lib/config-schema";
import { environments } from "../environments";
import { dev } from "../environments/dev";

/** A deep copy of dev with one change applied, so each case breaks exactly one field. */
function devWith(mutate: (c: any) => void): unknown {
  const copy = JSON.parse(JSON.stringify(dev));
  mutate(copy);
  return copy;
}

function errorOf(input: unknown, label = "dev"): EnvironmentConfigError {
  try {
    resolveEnvironment(input, label);
  } catch (e) {
    expect(e).toBeInstanceOf(EnvironmentConfigError);
    return e as EnvironmentConfigError;
  }
  throw new Error("expected the config to be rejected");
}

describe("environment configs", () => {
  it("every checked-in environment validates", () => {
    for (const [label, raw] of Object.entries(environments)) {
      expect(() => resolveEnvironment(raw, label)).not.toThrow();
    }
  });

  it("resolves environment-class defaults: prod is stricter", () => {
    const d = resolveEnvironment(environments.dev, "dev");
    const p = resolveEnvironment(environments.prod, "prod");
    expect(d.preventDestroy).toBe(false);
    expect(p.preventDestroy).toBe(true);
    expect(resolveEnvironment(environments.staging, "staging").preventDestroy).toBe(true);
    expect(p.history.deletionProtection).toBe(true);
    expect(d.history.deletionProtection).toBe(false);
    expect(p.processor.logRetentionDays).toBeGreaterThanOrEqual(365);
  });

  it("keeps deletion protection on in prod, and lets the other classes turn it off", () => {
    // The checked-in prod and staging files, with history.deletionProtection left out (undefined) or set.
    const asClass = (environment: "prod" | "staging", deletionProtection?: boolean) => {
      const c = JSON.parse(JSON.stringify(environments[environment]));
      delete c.history.deletionProtection;
      if (deletionProtection !== undefined) c.history.deletionProtection = deletionProtection;
      return c;
    };
    expect(resolveEnvironment(asClass("prod"), "prod").history.deletionProtection).toBe(true);
    expect(resolveEnvironment(asClass("prod", true), "prod").history.deletionProtection).toBe(true);
    expect(errorOf(asClass("prod", false), "prod").problems).toEqual([{ field: "history.deletionProtection", message: "deletion protection cannot be turned off in prod" }]);
    expect(resolveEnvironment(asClass("staging", false), "staging").history.deletionProtection).toBe(false);
    expect(resolveEnvironment(asClass("staging", true), "staging").history.deletionProtection).toBe(true);
  });

  // Each row breaks one field; the message must name the environment, the field and what is allowed.
  const badConfigs: [string, (c: any) => void, string, RegExp][] = [
    ["account id not 12 digits", (c) => (c.account.id = "12345"), "account.id", /12-digit/],
    ["region malformed", (c) => (c.account.region = "europe-1"), "account.region", /AWS region/],
    ["unknown environment", (c) => (c.environment = "qa"), "environment", /dev|staging|prod/],
    ["name prefix with uppercase", (c) => (c.namePrefix = "IoT"), "namePrefix", /lowercase/],
    ["thing name with space", (c) => (c.devices.things[1].name = "Thermostat 02"), "devices.things[1].name", /IoT thing name/],
    ["thing name too long", (c) => (c.devices.things[0].name = "T".repeat(129)), "devices.things[0].name", /1-128/],
    ["attribute value with space", (c) => (c.devices.things[0].attributes.site = "lab 2"), "devices.things[0].attributes.site", /attribute value/],
    ["attribute key with '!'", (c) => (c.devices.things[0].attributes["bad!"] = "x"), "devices.things[0].attributes.bad!", /attribute key/],
    ["four searchable attributes", (c) => c.devices.thingType.searchableAttributes.push("extra"), "devices.thingType.searchableAttributes", /at most 3/],
    ["duplicate thing", (c) => (c.devices.things[2].name = "Thermostat-01"), "devices.things[2].name", /duplicate thing name/],
    ["undefined group", (c) => (c.devices.things[0].groups = ["nope"]), "devices.things[0].groups[0]", /not defined/],
    ["missing CSR in csr mode", (c) => delete c.devices.things[0].csrPath, "devices.things[0]", /csrPath or csrPem/],
    ["key generation outside dev", (c) => ((c.environment = "staging"), (c.devices.certificateMode = "generate")), "devices.certificateMode", /only in dev/],
    ["shadow name with '/'", (c) => (c.shadows.named = ["config/x"]), "shadows.named[0]", /shadow name/],
    ["shadow name over 64 bytes", (c) => (c.shadows.named = ["s".repeat(65)]), "shadows.named[0]", /bytes/],
    ["unknown error action", (c) => (c.rules.errorAction = "sns"), "rules.errorAction", /sqs|cloudwatch-logs/],
    ["alarm threshold zero", (c) => (c.alarms.processorErrors = 0), "alarms.processorErrors", /greater than 0/],
    ["log retention not allowed by CloudWatch", (c) => (c.processor.logRetentionDays = 31), "processor.logRetentionDays", /one of/],
    ["prod log retention below a year", (c) => ((c.environment = "prod"), (c.processor.logRetentionDays = 30)), "processor.logRetentionDays", /365/],
    ["state bucket uppercase", (c) => (c.state.bucket = "My-State"), "state.bucket", /S3 bucket name/],
    ["unknown field (typo)", (c) => (c.proccessor = {}), "(root)", /proccessor/],
    ["memory out of range", (c) => (c.processor.memoryMb = 64), "processor.memoryMb", /128/],
    ["tag key reserved aws:", (c) => (c.tags["aws:owner"] = "x"), "tags.aws:owner", /tag key/],
    ["no shadow routed", (c) => (c.shadows = { classic: false, named: [] }), "shadows", /selects no shadow at all/],
    ["no thing-name prefix", (c) => delete c.thingNamePrefix, "thingNamePrefix", /expected string|Required|Invalid/],
    ["thing-name prefix with a quote", (c) => (c.thingNamePrefix = "Th'"), "thingNamePrefix", /letters, digits, ':', '_' or '-'/],
    ["a thing outside the product line's name space", (c) => (c.devices.things[1].name = "Hvac-0042"), "devices.things[1].name", /does not start with thingNamePrefix "Thermostat-"; the topic rules would drop/],
    ["fleet-provisioned names outside the name space", (c) => ((c.thingNamePrefix = "Thermostat-0"), (c.devices.things = []), (c.devices.fleetProvisioning = { enabled: true })), "thingNamePrefix", /fleet provisioning names things "Thermostat-<serial>".*Use a prefix of "Thermostat-"/],
    ["deletion protection turned off in prod", (c) => ((c.environment = "prod"), (c.history.deletionProtection = false)), "history.deletionProtection", /deletion protection cannot be turned off in prod/],
    ["prod without a history retention choice", (c) => ((c.environment = "prod"), delete c.history.ttlDays), "history.ttlDays", /prod must choose .* "none" to keep it forever/],
    ["history retention neither days nor none", (c) => (c.history.ttlDays = "forever"), "history.ttlDays", /none|expected number/],
    ["no failure-queue operator role", (c) => delete c.failureQueues, "failureQueues", /expected object|Required|Invalid/],
    ["operator role that is a user", (c) => (c.failureQueues.operatorRoleArn = "arn:aws:iam::111111111111:user/ops"), "failureQueues.operatorRoleArn", /IAM role ARN/],
    ["operator role of another account", (c) => (c.failureQueues.operatorRoleArn = "arn:aws:iam::222222222222:role/ops"), "failureQueues.operatorRoleArn", /role of account 222222222222; use a role of account 111111111111/],
    ["error log retention not allowed by CloudWatch", (c) => (c.rules.errorLogRetentionDays = 15), "rules.errorLogRetentionDays", /one of/],
    ["prod error log retention below a year", (c) => ((c.environment = "prod"), (c.rules.errorLogRetentionDays = 14)), "rules.errorLogRetentionDays", /365/],
    ["IoT DEBUG logging in prod", (c) => ((c.environment = "prod"), (c.iotLogLevel = "DEBUG")), "iotLogLevel", /WARN/],
    ["unknown IoT log level", (c) => (c.iotLogLevel = "TRACE"), "iotLogLevel", /DEBUG|INFO|WARN/],
  ];

  it.each(badConfigs)("rejects %s", (_case, mutate, field, allowed) => {
    const err = errorOf(devWith(mutate), "dev");
    expect(err.message).toContain('Invalid environment config "dev"');
    const problem = err.problems.find((p) => p.field === field);
    expect({ field, problems: err.problems }).toEqual({ field, problems: expect.arrayContaining([expect.objectContaining({ field })]) });
    expect(problem!.message).toMatch(allowed);
    expect(err.message).toContain("environments/dev.ts");
  });

  it("keeps payload retention an explicit, per-environment choice", () => {
    const d = resolveEnvironment(environments.dev, "dev");
    const s = resolveEnvironment(environments.staging, "staging");
    const p = resolveEnvironment(environments.prod, "prod");
    // Rule error log groups hold whole payloads: weeks in dev, a year in prod.
    expect([d, s, p].map((c) => c.rules.errorLogRetentionDays)).toEqual([14, 90, 365]);
    expect(resolveEnvironment(environments["hvac-dev"], "hvac-dev").rules.errorLogRetentionDays).toBe(14);
    // Prod chose "keep forever" explicitly; it resolves to no TTL.
    expect((environments.prod.history as { ttlDays?: unknown }).ttlDays).toBe("none");
    expect(p.history.ttlDays).toBeUndefined();
    expect(d.history.ttlDays).toBe(30);
    expect(resolveEnvironment(devWith((c) => (c.history.ttlDays = "none")), "dev").history.ttlDays).toBeUndefined();
    // One IoT log level per environment class unless set.
    expect([d, s, p].map((c) => c.iotLogLevel)).toEqual(["INFO", "INFO", "WARN"]);
    expect(resolveEnvironment(devWith((c) => (c.iotLogLevel = "ERROR")), "dev").iotLogLevel).toBe("ERROR");
  });

  it("gives each product line its own thing-name space: checked-in prefixes fit every thing and do not overlap in an account", () => {
    const resolved = Object.fromEntries(Object.entries(environments).map(([label, raw]) => [label, resolveEnvironment(raw, label)]));
    expect(resolved.dev.thingNamePrefix).toBe("Thermostat-");
    expect(resolved["hvac-dev"].thingNamePrefix).toBe("Hvac");
    expect(() => assertAccountIsolation(resolved)).not.toThrow();
    expect(thingNamePrefixesOverlap("Hvac", "HvacUnit-")).toBe(true);
    expect(thingNamePrefixesOverlap("Hvac", "Thermostat-")).toBe(false);
    expect(thingNamePrefixesOverlap("T", "T")).toBe(true);
  });

  it("rejects two environments of one account and region whose thing-name prefixes overlap, naming both and the field", () => {
    const a = resolveEnvironment(dev, "dev");
    const b = resolveEnvironment({ ...JSON.parse(JSON.stringify(environments["hvac-dev"])), thingNamePrefix: "Therm", devices: { thingType: { name: "Thermo" } } }, "hvac-dev");
    expect(() => assertAccountIsolation({ dev: a, "hvac-dev": b })).toThrow(
      /Environments "dev" and "hvac-dev" share account 111111111111 in eu-west-1, but thingNamePrefix "Thermostat-" and "Therm" overlap: .*environments\/dev\.ts or environments\/hvac-dev\.ts/,
    );
    // Another region of the same account is another registry: no conflict.
    const elsewhere = resolveEnvironment({ ...JSON.parse(JSON.stringify(dev)), namePrefix: "iotus", account: { id: "111111111111", region: "us-east-1" } }, "dev-us");
    expect(() => assertAccountIsolation({ dev: a, "dev-us": elsewhere })).not.toThrow();
  });

  it("rejects environments of one account that disagree on the account-wide IoT log level", () => {
    const a = resolveEnvironment(dev, "dev");
    const b = resolveEnvironment({ ...JSON.parse(JSON.stringify(environments["hvac-dev"])), iotLogLevel: "ERROR" }, "hvac-dev");
    expect(() => assertAccountIsolation({ dev: a, "hvac-dev": b })).toThrow(/iotLogLevel is "INFO" and "ERROR"\. Set the same iotLogLevel in environments\/dev\.ts and environments\/hvac-dev\.ts/);
  });

  it("rejects two environments that would share stack and resource names, naming both by label and the fix", () => {
    const a = resolveEnvironment(environments.staging, "staging");
    const copy = resolveEnvironment(environments.staging, "qa");
    expect(() => assertDistinctEnvironments([a, copy])).toThrow(
      'Environments "staging" and "qa" both have namePrefix "iot" and environment "staging", so their stacks and resources would share the names "iot-staging-...". ' +
        'Give "qa" its own namePrefix in environments/qa.ts (2-10 lowercase letters or digits, e.g. "iotqa")',
    );
    expect(() => assertDistinctEnvironments([a, resolveEnvironment({ ...JSON.parse(JSON.stringify(environments.staging)), namePrefix: "iotqa" }, "qa")])).not.toThrow();
  });

  it("rejects a second environment of a product line in the same account and region: thing type, groups and metric namespace would be shared", () => {
    // A copy of staging with its own names and thing-name space, still in staging's account and region.
    const qaInput = JSON.parse(JSON.stringify(environments.staging));
    Object.assign(qaInput, { namePrefix: "iotqa", thingNamePrefix: "Qa-" });
    qaInput.devices.things = [];
    qaInput.devices.fleetProvisioning = { enabled: false };
    const staging = resolveEnvironment(environments.staging, "staging");
    let message = "";
    try {
      assertAccountIsolation({ staging, qa: resolveEnvironment(qaInput, "qa") });
    } catch (e) {
      message = (e as Error).message;
    }
    const lines = message.split("\n");
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line).toMatch(/^Environments "staging" and "qa" share account 222222222222 in eu-west-1, and both /);
    expect(lines[0]).toMatch(/thing type "Thermostat" \(devices\.thingType\.name\).*environments\/qa\.ts in another region/);
    expect(lines[1]).toMatch(/thing group\(s\) "thermostats-staging" \(devices\.groups\)\. Rename them in environments\/qa\.ts/);
    expect(lines[2]).toMatch(/namespace "IotShadow\/thermostat\/staging" \(productLine "thermostat", environment "staging"\).*environments\/qa\.ts in another region/);
    // In another region of the same account none of these names is shared.
    qaInput.account.region = "eu-central-1";
    expect(() => assertAccountIsolation({ staging, qa: resolveEnvironment(qaInput, "qa") })).not.toThrow();
  });
});

/**
 * Issue 17 item 18: the device rules are DeviceIdentity's (modules/device-identity/inventory.ts);
 * the schema maps their issues onto config fields. One rule, one message: `npm run synth` names
 * the config field, a module user the prop, and both read the same text.
 */
describe("device rules the config shares with DeviceIdentity", () => {
  const repoRoot = join(__dirname, "..");

  /** The error DeviceIdentity throws for the devices of `config` (as the platform stack passes them). */
  function moduleError(config: any): string {
    // devices holds the props of the same names (thingType, things, groups, certificateMode, policyAttachment, policyGroup).
    const { fleetProvisioning: _fleet, ...devices } = config.devices;
    const shadowAccess = { classic: config.shadows?.classic ?? true, named: config.shadows?.named ?? [] };
    try {
      new DeviceIdentity(new TerraformStack(Testing.app(), "s"), "identity", { ...devices, namePrefix: "iot-dev", shadowAccess, csrBaseDir: repoRoot });
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error("expected DeviceIdentity to reject the devices");
  }

  const lineage = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `g${i}`, ...(i ? { parent: `g${i - 1}` } : {}) }));
  const cases: [string, (c: any) => void, string, string, RegExp][] = [
    ["a cycle of parent groups", (c) => ((c.devices.groups = [{ name: "a", parent: "b" }, { name: "b", parent: "a" }]), (c.devices.things = [])), "devices.groups[0].parent", 'groups["a"].parent', /^groups form a cycle \(a -> b -> a\)/],
    ["a hierarchy 8 levels deep", (c) => ((c.devices.groups = lineage(8)), (c.devices.things = [])), "devices.groups[7].parent", 'groups["g7"].parent', /^group "g7" is 8 levels deep; AWS allows 7$/],
    ["an undefined parent group", (c) => (c.devices.groups[1].parent = "nope"), "devices.groups[1].parent", 'groups["site-lab"].parent', /^parent group "nope" is not defined/],
    ["a duplicate group", (c) => c.devices.groups.push({ name: "site-lab" }), "devices.groups[2].name", 'groups["site-lab"].name', /^duplicate thing group "site-lab"/],
    ["a group named like an Object.prototype member", (c) => c.devices.groups.push({ name: "constructor" }), "devices.groups[2].name", 'groups["constructor"].name', /reserved \(an Object\.prototype member cannot be a construct id\)/],
    ["a thing named like an Object.prototype member", (c) => (c.devices.things[0].name = "toString"), "devices.things[0].name", 'things["toString"].name', /reserved/],
    ["a thing in an undefined group", (c) => (c.devices.things[0].groups = ["nope"]), "devices.things[0].groups[0]", 'things["Thermostat-01"].groups[0]', /^group "nope" is not defined in groups/],
    ["a thing outside the policy group", (c) => Object.assign(c.devices, { policyAttachment: "thing-group", policyGroup: "site-lab" }), "devices.things[2].groups", 'things["Thermostat-03"].groups', /^the device policy is attached to group "site-lab"/],
    ["four searchable attributes", (c) => (c.devices.thingType.searchableAttributes = ["a", "b", "c", "d"]), "devices.thingType.searchableAttributes", "thingType.searchableAttributes", /^4 given; AWS allows at most 3$/],
  ];

  it.each(cases)("%s: the same message at the config field and at the prop", (_case, mutate, field, prop, message) => {
    const config = devWith(mutate);
    const problem = errorOf(config).problems.find((p) => p.field === field && message.test(p.message));
    expect(problem).toBeDefined();
    expect(moduleError(config).split("\n")).toContain(`DeviceIdentity ${prop}: ${problem!.message}`);
  });

  it.each([
    ["a named shadow listed twice", { classic: true, named: ["config", "config"] }, "shadows.named[1]", "shadowAccess.named[1]"],
    ["no shadow at all", { classic: false, named: [] }, "shadows", "shadowAccess"],
  ])("%s (the shadow selection, lib/shadow-selection.ts): the same message at shadows and at shadowAccess", (_case, shadows, field, prop) => {
    const config = devWith((c) => (c.shadows = shadows));
    const problem = errorOf(config).problems.find((p) => p.field === field);
    expect(problem).toBeDefined();
    expect(moduleError(config).split("\n")).toContain(`DeviceIdentity ${prop}: ${problem!.message}`);
  });
});

/** Issue 17 item 18: processor ids are ShadowRules' rule (processorIdIssues); the config maps it onto extraProcessors. */
describe("processor ids the config shares with ShadowRules", () => {
  const ARN = (name: string) => `arn:aws:lambda:eu-west-1:111111111111:function:${name}`;
  function moduleError(ids: string[]): string {
    try {
      new ShadowRules(new TerraformStack(Testing.app(), "s"), "rules", {
        ruleNamePrefix: "iot_dev",
        resourceNamePrefix: "iot-dev",
        accountId: "111111111111",
        region: "eu-west-1",
        thingNamePrefix: "Thermostat-",
        metricNamespace: "IotShadow/thermostat/dev",
        processors: ids.map((id) => ({ id, functionArn: ARN(`iot-dev-${id}`), functionName: `iot-dev-${id}` })),
      });
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error("expected ShadowRules to reject the processors");
  }

  it.each([
    ["an extra processor named like the history processor", ["shadow-history"], "extraProcessors[0].id", "processors[1].id"],
    ["two extra processors with one id", ["alerts", "alerts"], "extraProcessors[1].id", "processors[2].id"],
  ])("%s: the same message at the config field and at the prop", (_case, extraIds, field, prop) => {
    const config = devWith((c) => (c.extraProcessors = extraIds.map((id) => ({ id, bundle: "hvac-filter-alerts" }))));
    const problem = errorOf(config).problems.find((p) => p.field === field);
    expect(problem?.message).toMatch(/^duplicate processor id "[a-z-]+"; ids must be unique$/);
    expect(moduleError(["shadow-history", ...extraIds])).toContain(`${prop}: ${problem!.message}`);
  });
});

import { EnvironmentConfigError, assertDistinctEnvironments, resolveEnvironment } from "../lib/config-schema";
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
    ["no shadow routed", (c) => (c.shadows = { classic: false, named: [] }), "shadows", /routes no shadow/],
  ];

  it.each(badConfigs)("rejects %s", (_case, mutate, field, allowed) => {
    const err = errorOf(devWith(mutate), "dev");
    expect(err.message).toContain('Invalid environment config "dev"');
    const problem = err.problems.find((p) => p.field === field);
    expect({ field, problems: err.problems }).toEqual({ field, problems: expect.arrayContaining([expect.objectContaining({ field })]) });
    expect(problem!.message).toMatch(allowed);
    expect(err.message).toContain("environments/dev.ts");
  });

  it("rejects two product lines that would share stack and resource names", () => {
    const a = resolveEnvironment(dev, "dev");
    const b = resolveEnvironment({ ...JSON.parse(JSON.stringify(dev)), productLine: "hvac" }, "hvac-dev");
    expect(() => assertDistinctEnvironments([a, b])).toThrow(/share namePrefix\+environment "iot-dev"/);
  });
});

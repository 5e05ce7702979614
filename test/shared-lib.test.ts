import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { AWS_NAME_RULES, checkName } from "../lib/aws-names";
import { escapeIotTemplate, iotSubstitution, THING_NAME_POLICY_VARIABLE } from "../lib/iot-template";
import { Naming } from "../lib/naming";
import { interpolations } from "../tools/offline-checks/expressions";

describe("IoT template escaping", () => {
  it("turns ${...} into $${...} so Terraform leaves IoT templates alone", () => {
    expect(escapeIotTemplate("${topic(3)}/x/${timestamp()}")).toBe("$${topic(3)}/x/$${timestamp()}");
    expect(iotSubstitution("topic(6)")).toBe("$${topic(6)}");
    expect(THING_NAME_POLICY_VARIABLE).toBe("$${iot:Connection.Thing.ThingName}");
  });

  it("is idempotent: an already escaped template is not escaped twice", () => {
    expect(escapeIotTemplate(escapeIotTemplate("${topic(3)}"))).toBe("$${topic(3)}");
  });

  it.each([
    "${topic(3)}",
    "$aws/things/${topic(3)}/shadow/name/${topic(6)}",
    "${topic(3)}${timestamp()}",
    "arn:aws:iot:eu-west-1:111111111111:client/${iot:Connection.Thing.ThingName}",
    "cost: $5, {braces} and a lone $",
  ])("leaves nothing Terraform would interpolate, and Terraform's unescaping gives back %p", (template) => {
    const escaped = escapeIotTemplate(template);
    // The scanner the offline checks (TF004) use to find what Terraform would evaluate.
    expect(interpolations(escaped)).toEqual([]);
    // Terraform turns "$${" into a literal "${": IoT receives exactly the template.
    expect(escaped.replace(/\$\$\{/g, () => "${")).toBe(template);
  });
});

describe("AWS name rules and naming", () => {
  it.each([
    ["iotTopicRule", "iot_dev_shadow", true],
    ["iotTopicRule", "iot-dev-shadow", false],
    ["iotShadow", "s".repeat(64), true],
    ["iotShadow", "é".repeat(33), false], // 66 bytes: the limit is in bytes
    ["lambdaFunction", "f".repeat(65), false],
    ["s3Bucket", "192.168.1.1", false],
    ["s3Bucket", "My-Bucket", false],
    ["kmsAlias", "alias/aws/x", false],
  ] as const)("%s %s -> valid %s", (rule, value, valid) => {
    expect(checkName(AWS_NAME_RULES[rule], value) === undefined).toBe(valid);
  });

  it("derives names from prefix and environment only, checked against the AWS rules", () => {
    const naming = new Naming({ namePrefix: "iot", environment: "dev", productLine: "thermostat" });
    expect(naming.stack("data")).toBe("iot-dev-data");
    expect(naming.historyTable).toBe("iot-dev-shadow-history");
    expect(naming.topicRulePrefix).toBe("iot_dev");
    expect(naming.metricNamespace).toBe("IotShadow/thermostat/dev");
    expect(() => naming.name("lambdaFunction", "x".repeat(60))).toThrow(/name for x+: Lambda function name .* allowed 1-64/);
  });
});

describe("provider imports", () => {
  const root = join(__dirname, "..");
  function sources(dir: string): string[] {
    return readdirSync(dir).flatMap((entry) => {
      const path = join(dir, entry);
      if (["node_modules", "dist", "cdktf.out", ".git"].includes(entry)) return [];
      if (statSync(path).isDirectory()) return sources(path);
      return /\.(ts|mjs|js)$/.test(entry) ? [path] : [];
    });
  }

  it("imports @cdktf/provider-aws only by deep path (the root barrel costs ~9x synth time)", () => {
    // bench/synth-child.ts loads the barrel on purpose, as the benchmark's baseline.
    const offenders = sources(root)
      .filter((f) => relative(root, f) !== join("bench", "synth-child.ts") && relative(root, f) !== join("test", "shared-lib.test.ts"))
      .filter((f) => /(from\s+|require\()\s*["']@cdktf\/provider-aws["']/.test(readFileSync(f, "utf8")))
      .map((f) => relative(root, f));
    expect(offenders).toEqual([]);
  });
});

/**
 * The local AWS (tools/local-aws): moto on 127.0.0.1 with the IoT extension. Every API the
 * extension adds is called through @aws-sdk/client-iot, as the AWS provider calls it, and must
 * read back what was written. Needs `npm run tools:terraform` (the virtualenv with moto).
 * Traffic goes to the launcher on 127.0.0.1 only; every server started here is stopped here.
 */
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { existsSync, readFileSync } from "node:fs";
import { request } from "node:http";
import { createInterface } from "node:readline";
import {
  CreatePolicyCommand,
  CreateProvisioningTemplateCommand,
  CreateProvisioningTemplateVersionCommand,
  CreateThingGroupCommand,
  CreateThingTypeCommand,
  CreateTopicRuleCommand,
  DeletePolicyCommand,
  DeleteProvisioningTemplateCommand,
  DeleteThingTypeCommand,
  DeleteTopicRuleCommand,
  DescribeEventConfigurationsCommand,
  DescribeProvisioningTemplateCommand,
  DescribeProvisioningTemplateVersionCommand,
  DescribeThingTypeCommand,
  GetPolicyCommand,
  GetTopicRuleCommand,
  GetV2LoggingOptionsCommand,
  IoTClient,
  ListProvisioningTemplatesCommand,
  ListProvisioningTemplateVersionsCommand,
  ListTagsForResourceCommand,
  SetV2LoggingOptionsCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateEventConfigurationsCommand,
  UpdateProvisioningTemplateCommand,
  UpdateThingTypeCommand,
  DescribeThingGroupCommand,
} from "@aws-sdk/client-iot";
import { LAUNCHER, LocalAws, localAwsPython, startLocalAws } from "../../tools/local-aws";

const ACCOUNT = "111111111111";
const REGION = "eu-west-1";
const ROLE = `arn:aws:iam::${ACCOUNT}:role/local-aws-test`;
const TEMPLATE_BODY = JSON.stringify({ Parameters: { SerialNumber: { Type: "String" } }, Resources: {} });

let aws: LocalAws;
let iot: IoTClient;

/** SDK client settings for the local AWS: its endpoint, dummy credentials, no retries (a failure shows at once). */
const localClientConfig = () => ({ endpoint: aws.endpoint, region: REGION, credentials: { accessKeyId: "local-aws-dummy", secretAccessKey: "local-aws-dummy" }, maxAttempts: 1 });

beforeAll(async () => {
  aws = await startLocalAws({ accountId: ACCOUNT });
  iot = new IoTClient(localClientConfig());
});

afterAll(async () => {
  iot?.destroy();
  await aws?.stop();
});

/** The error name a call fails with (undefined when it succeeds). */
async function errorOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (err) {
    return (err as Error).name;
  }
}

const tagsOf = async (resourceArn: string) => (await iot.send(new ListTagsForResourceCommand({ resourceArn }))).tags ?? [];

/** Listening TCP sockets on a port from /proc/net/tcp{,6}: local address as the kernel prints it. */
function listeningAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  return ["/proc/net/tcp", "/proc/net/tcp6"].flatMap((file) =>
    existsSync(file)
      ? readFileSync(file, "utf8")
          .split("\n")
          .slice(1)
          .map((line) => line.trim().split(/\s+/))
          .filter((f) => f.length > 3 && f[3] === "0A" && f[1].endsWith(`:${hexPort}`))
          .map((f) => f[1].split(":")[0])
      : [],
  );
}

/** A raw request to the launcher (127.0.0.1 only). */
function localRequest(port: number, method: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("launcher", () => {
  it("reports a free port on 127.0.0.1, the account and the added APIs", () => {
    expect(aws.host).toBe("127.0.0.1");
    expect(aws.endpoint).toBe(`http://127.0.0.1:${aws.port}`);
    expect(aws.port).toBeGreaterThan(0);
    expect(aws.accountId).toBe(ACCOUNT);
    expect(aws.iotExtension).toEqual(
      expect.arrayContaining([
        "TagResource",
        "UntagResource",
        "ListTagsForResource",
        "CreateProvisioningTemplate",
        "DescribeProvisioningTemplate",
        "UpdateProvisioningTemplate",
        "DeleteProvisioningTemplate",
        "ListProvisioningTemplates",
        "SetV2LoggingOptions",
        "GetV2LoggingOptions",
        "UpdateEventConfigurations",
        "DescribeEventConfigurations",
        "UpdateThingType",
      ]),
    );
  });

  it("listens on 127.0.0.1 only (the kernel's socket table, when there is one)", () => {
    if (!existsSync("/proc/net/tcp")) return; // not Linux: the ready line's host (above) is all there is
    // 0100007F is 127.0.0.1 in /proc/net/tcp's little-endian hex; 00000000 would be 0.0.0.0.
    expect(listeningAddresses(aws.port)).toEqual(["0100007F"]);
  });

  it("runs every request in the given account", async () => {
    const { thingTypeArn } = await iot.send(new CreateThingTypeCommand({ thingTypeName: "AccountProbe" }));
    expect(thingTypeArn).toBe(`arn:aws:iot:${REGION}:${ACCOUNT}:thingtype/AccountProbe`);
  });

  it("stop() stops the server: the process exits and the port refuses connections", async () => {
    const other = await startLocalAws();
    try {
      expect(await localRequest(other.port, "GET", "/moto-api/")).toBeLessThan(500);
    } finally {
      await other.stop();
    }
    expect(() => process.kill(other.pid, 0)).toThrow(/ESRCH/);
    await expect(localRequest(other.port, "GET", "/moto-api/")).rejects.toThrow(/ECONNREFUSED/);
    if (existsSync("/proc/net/tcp")) expect(listeningAddresses(other.port)).toEqual([]);
    await other.stop(); // idempotent
  });

  it("stops when its stdin closes (the parent went away) and on SIGTERM", async () => {
    for (const how of ["stdin", "SIGTERM"] as const) {
      const child = spawn(localAwsPython(), [LAUNCHER], { stdio: ["pipe", "pipe", "ignore"] });
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      const lines = createInterface({ input: child.stdout! });
      try {
        const ready = JSON.parse((await lines[Symbol.asyncIterator]().next()).value as string);
        expect(ready).toEqual(expect.objectContaining({ ready: true, host: "127.0.0.1" }));
        if (how === "stdin") child.stdin!.end();
        else child.kill("SIGTERM");
        expect([how, await exited]).toEqual([how, 0]);
        await expect(localRequest(ready.port, "GET", "/moto-api/")).rejects.toThrow(/ECONNREFUSED/);
      } finally {
        lines.close();
        if (child.exitCode === null && child.signalCode === null) {
          child.kill("SIGKILL");
          await exited;
        }
      }
    }
  });

  it("names `npm run tools:terraform` when the virtualenv is missing", async () => {
    await expect(startLocalAws({ venv: "/nonexistent/venv" })).rejects.toThrow(/npm run tools:terraform/);
  });
});

describe("tags (TagResource, UntagResource, ListTagsForResource)", () => {
  it("records tags given at creation for thing types, thing groups, policies and topic rules", async () => {
    const { thingTypeArn } = await iot.send(new CreateThingTypeCommand({ thingTypeName: "Tagged", tags: [{ Key: "env", Value: "dev" }] }));
    expect(await tagsOf(thingTypeArn!)).toEqual([{ Key: "env", Value: "dev" }]);

    const { thingGroupArn } = await iot.send(new CreateThingGroupCommand({ thingGroupName: "tagged-group", tags: [{ Key: "team", Value: "iot" }] }));
    expect(await tagsOf(thingGroupArn!)).toEqual([{ Key: "team", Value: "iot" }]);

    const { policyArn } = await iot.send(
      new CreatePolicyCommand({ policyName: "tagged-policy", policyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [] }), tags: [{ Key: "a", Value: "1" }] }),
    );
    expect(await tagsOf(policyArn!)).toEqual([{ Key: "a", Value: "1" }]);

    // CreateTopicRule carries tags in the x-amz-tagging header, URL-query encoded.
    await iot.send(
      new CreateTopicRuleCommand({
        ruleName: "tagged_rule",
        topicRulePayload: { sql: "SELECT * FROM 'a/b'", actions: [], ruleDisabled: false },
        tags: "product-line=thermostat&note=a%20b",
      }),
    );
    const { ruleArn } = await iot.send(new GetTopicRuleCommand({ ruleName: "tagged_rule" }));
    expect(await tagsOf(ruleArn!)).toEqual([
      { Key: "note", Value: "a b" },
      { Key: "product-line", Value: "thermostat" },
    ]);
  });

  it("lists no tags for a resource created without any", async () => {
    const { thingTypeArn } = await iot.send(new CreateThingTypeCommand({ thingTypeName: "Untagged" }));
    expect(await tagsOf(thingTypeArn!)).toEqual([]);
  });

  it("tags, untags and lists; a deleted or unknown ARN is ResourceNotFoundException", async () => {
    const { policyArn } = await iot.send(new CreatePolicyCommand({ policyName: "tag-cycle", policyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [] }) }));
    await iot.send(new TagResourceCommand({ resourceArn: policyArn, tags: [{ Key: "x", Value: "1" }, { Key: "y", Value: "2" }] }));
    expect(await tagsOf(policyArn!)).toEqual([{ Key: "x", Value: "1" }, { Key: "y", Value: "2" }]);
    await iot.send(new TagResourceCommand({ resourceArn: policyArn, tags: [{ Key: "x", Value: "changed" }] }));
    await iot.send(new UntagResourceCommand({ resourceArn: policyArn, tagKeys: ["y", "never-set"] }));
    expect(await tagsOf(policyArn!)).toEqual([{ Key: "x", Value: "changed" }]);

    await iot.send(new DeletePolicyCommand({ policyName: "tag-cycle" }));
    expect(await errorOf(tagsOf(policyArn!))).toBe("ResourceNotFoundException");
    const unknown = `arn:aws:iot:${REGION}:${ACCOUNT}:thingtype/NoSuchType`;
    expect(await errorOf(tagsOf(unknown))).toBe("ResourceNotFoundException");
    expect(await errorOf(iot.send(new TagResourceCommand({ resourceArn: unknown, tags: [{ Key: "k", Value: "v" }] })))).toBe("ResourceNotFoundException");
    expect(await errorOf(iot.send(new UntagResourceCommand({ resourceArn: unknown, tagKeys: ["k"] })))).toBe("ResourceNotFoundException");
    // Another account's ARN is not this account's resource.
    expect(await errorOf(tagsOf(policyArn!.replace(ACCOUNT, "999999999999")))).toBe("ResourceNotFoundException");
  });

  it("a re-created resource starts from its own tags, not the old ones", async () => {
    const { thingTypeArn } = await iot.send(new CreateThingTypeCommand({ thingTypeName: "Recreated", tags: [{ Key: "old", Value: "1" }] }));
    await iot.send(new DeleteThingTypeCommand({ thingTypeName: "Recreated" }));
    await iot.send(new CreateThingTypeCommand({ thingTypeName: "Recreated", tags: [{ Key: "new", Value: "2" }] }));
    expect(await tagsOf(thingTypeArn!)).toEqual([{ Key: "new", Value: "2" }]);
    await iot.send(new DeleteTopicRuleCommand({ ruleName: "tagged_rule" }));
    expect(await errorOf(iot.send(new GetTopicRuleCommand({ ruleName: "tagged_rule" })))).toBe("ResourceNotFoundException");
  });
});

describe("provisioning templates", () => {
  const name = "iot-dev-fleet";
  const hook = { targetArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:pre-provision`, payloadVersion: "2020-04-01" };

  it("create -> describe -> list -> update -> versions -> tags -> delete -> not found", async () => {
    const created = await iot.send(
      new CreateProvisioningTemplateCommand({
        templateName: name,
        description: "fleet provisioning",
        templateBody: TEMPLATE_BODY,
        enabled: true,
        provisioningRoleArn: ROLE,
        preProvisioningHook: hook,
        tags: [{ Key: "env", Value: "dev" }],
      }),
    );
    const arn = `arn:aws:iot:${REGION}:${ACCOUNT}:provisioningtemplate/${name}`;
    expect(created).toEqual(expect.objectContaining({ templateArn: arn, templateName: name, defaultVersionId: 1 }));
    expect(await errorOf(iot.send(new CreateProvisioningTemplateCommand({ templateName: name, templateBody: TEMPLATE_BODY, provisioningRoleArn: ROLE })))).toBe(
      "ResourceAlreadyExistsException",
    );

    const described = await iot.send(new DescribeProvisioningTemplateCommand({ templateName: name }));
    expect(described).toEqual(
      expect.objectContaining({
        templateArn: arn,
        templateName: name,
        description: "fleet provisioning",
        templateBody: TEMPLATE_BODY,
        enabled: true,
        provisioningRoleArn: ROLE,
        preProvisioningHook: hook,
        defaultVersionId: 1,
        type: "FLEET_PROVISIONING",
      }),
    );
    expect(described.creationDate).toBeInstanceOf(Date);

    const listed = await iot.send(new ListProvisioningTemplatesCommand({}));
    expect(listed.templates).toEqual([expect.objectContaining({ templateArn: arn, templateName: name, enabled: true, description: "fleet provisioning" })]);

    await iot.send(new UpdateProvisioningTemplateCommand({ templateName: name, description: "updated", enabled: false, provisioningRoleArn: `${ROLE}-2`, removePreProvisioningHook: true }));
    const updated = await iot.send(new DescribeProvisioningTemplateCommand({ templateName: name }));
    expect(updated).toEqual(expect.objectContaining({ description: "updated", enabled: false, provisioningRoleArn: `${ROLE}-2` }));
    expect(updated.preProvisioningHook).toBeUndefined();

    // The provider changes template_body through a new default version.
    const body2 = JSON.stringify({ Parameters: {}, Resources: { thing: { Type: "AWS::IoT::Thing" } } });
    const version = await iot.send(new CreateProvisioningTemplateVersionCommand({ templateName: name, templateBody: body2, setAsDefault: true }));
    expect(version).toEqual(expect.objectContaining({ versionId: 2, isDefaultVersion: true }));
    expect((await iot.send(new DescribeProvisioningTemplateCommand({ templateName: name }))).templateBody).toBe(body2);
    expect((await iot.send(new DescribeProvisioningTemplateVersionCommand({ templateName: name, versionId: 1 }))).templateBody).toBe(TEMPLATE_BODY);
    const versions = await iot.send(new ListProvisioningTemplateVersionsCommand({ templateName: name }));
    expect(versions.versions?.map((v) => [v.versionId, v.isDefaultVersion])).toEqual([
      [1, false],
      [2, true],
    ]);
    await iot.send(new UpdateProvisioningTemplateCommand({ templateName: name, defaultVersionId: 1 }));
    expect((await iot.send(new DescribeProvisioningTemplateCommand({ templateName: name }))).templateBody).toBe(TEMPLATE_BODY);

    expect(await tagsOf(arn)).toEqual([{ Key: "env", Value: "dev" }]);
    await iot.send(new TagResourceCommand({ resourceArn: arn, tags: [{ Key: "owner", Value: "platform" }] }));
    await iot.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ["env"] }));
    expect(await tagsOf(arn)).toEqual([{ Key: "owner", Value: "platform" }]);

    await iot.send(new DeleteProvisioningTemplateCommand({ templateName: name }));
    expect(await errorOf(iot.send(new DescribeProvisioningTemplateCommand({ templateName: name })))).toBe("ResourceNotFoundException");
    expect(await errorOf(iot.send(new DeleteProvisioningTemplateCommand({ templateName: name })))).toBe("ResourceNotFoundException");
    expect(await errorOf(iot.send(new UpdateProvisioningTemplateCommand({ templateName: name, enabled: true })))).toBe("ResourceNotFoundException");
    expect(await errorOf(tagsOf(arn))).toBe("ResourceNotFoundException");
    expect((await iot.send(new ListProvisioningTemplatesCommand({}))).templates).toEqual([]);
  });

  it("refuses a template body that is not JSON", async () => {
    expect(await errorOf(iot.send(new CreateProvisioningTemplateCommand({ templateName: "bad", templateBody: "{not json", provisioningRoleArn: ROLE })))).toBe(
      "InvalidRequestException",
    );
  });
});

describe("account settings", () => {
  it("V2 logging options: not configured until set, then read back and replaced", async () => {
    expect(await errorOf(iot.send(new GetV2LoggingOptionsCommand({})))).toBe("NotConfiguredException");
    await iot.send(new SetV2LoggingOptionsCommand({ roleArn: ROLE, defaultLogLevel: "WARN", disableAllLogs: false }));
    expect(await iot.send(new GetV2LoggingOptionsCommand({}))).toEqual(expect.objectContaining({ roleArn: ROLE, defaultLogLevel: "WARN", disableAllLogs: false }));
    await iot.send(new SetV2LoggingOptionsCommand({ roleArn: ROLE, defaultLogLevel: "ERROR", disableAllLogs: true }));
    expect(await iot.send(new GetV2LoggingOptionsCommand({}))).toEqual(expect.objectContaining({ defaultLogLevel: "ERROR", disableAllLogs: true }));
  });

  it("event configurations: every event type, off by default; an update changes only what it names", async () => {
    const before = await iot.send(new DescribeEventConfigurationsCommand({}));
    expect(Object.keys(before.eventConfigurations ?? {})).toEqual(expect.arrayContaining(["THING", "THING_GROUP", "THING_TYPE", "JOB", "POLICY", "CERTIFICATE"]));
    expect(Object.values(before.eventConfigurations ?? {}).every((c) => c.Enabled === false)).toBe(true);

    await iot.send(new UpdateEventConfigurationsCommand({ eventConfigurations: { THING: { Enabled: true }, THING_GROUP_MEMBERSHIP: { Enabled: true } } }));
    const after = await iot.send(new DescribeEventConfigurationsCommand({}));
    expect(after.eventConfigurations?.THING).toEqual({ Enabled: true });
    expect(after.eventConfigurations?.THING_GROUP_MEMBERSHIP).toEqual({ Enabled: true });
    expect(after.eventConfigurations?.POLICY).toEqual({ Enabled: false });
    expect(after.lastModifiedDate!.getTime()).toBeGreaterThanOrEqual(before.lastModifiedDate!.getTime());

    await iot.send(new UpdateEventConfigurationsCommand({ eventConfigurations: { THING: { Enabled: false } } }));
    expect((await iot.send(new DescribeEventConfigurationsCommand({}))).eventConfigurations?.THING).toEqual({ Enabled: false });
  });
});

describe("UpdateThingType", () => {
  it("updates the properties of an existing thing type; an unknown one is ResourceNotFoundException", async () => {
    await iot.send(new CreateThingTypeCommand({ thingTypeName: "Thermostat", thingTypeProperties: { thingTypeDescription: "v1", searchableAttributes: ["model"] } }));
    await iot.send(new UpdateThingTypeCommand({ thingTypeName: "Thermostat", thingTypeProperties: { thingTypeDescription: "v2" } }));
    const described = await iot.send(new DescribeThingTypeCommand({ thingTypeName: "Thermostat" }));
    expect(described.thingTypeProperties).toEqual({ thingTypeDescription: "v2", searchableAttributes: ["model"] });
    expect(await errorOf(iot.send(new UpdateThingTypeCommand({ thingTypeName: "NoSuchType", thingTypeProperties: { thingTypeDescription: "x" } })))).toBe(
      "ResourceNotFoundException",
    );
  });
});

describe("moto's own APIs keep working next to the extension", () => {
  it("thing groups and policies are still moto's, and POST /moto-api/reset clears the extension's state too", async () => {
    await iot.send(new CreateThingGroupCommand({ thingGroupName: "reset-probe", tags: [{ Key: "k", Value: "v" }] }));
    expect((await iot.send(new DescribeThingGroupCommand({ thingGroupName: "reset-probe" }))).thingGroupName).toBe("reset-probe");
    expect(await errorOf(iot.send(new GetPolicyCommand({ policyName: "never-created" })))).toBe("ResourceNotFoundException");
    await iot.send(new CreateProvisioningTemplateCommand({ templateName: "reset-probe", templateBody: TEMPLATE_BODY, provisioningRoleArn: ROLE }));

    expect(await localRequest(aws.port, "POST", "/moto-api/reset")).toBe(200);
    expect(await errorOf(iot.send(new DescribeThingGroupCommand({ thingGroupName: "reset-probe" })))).toBe("ResourceNotFoundException");
    expect((await iot.send(new ListProvisioningTemplatesCommand({}))).templates).toEqual([]);
    expect(await errorOf(iot.send(new GetV2LoggingOptionsCommand({})))).toBe("NotConfiguredException");
  });
});

describe("S3 and CloudWatch mends (tools/local-aws/test_extensions.py)", () => {
  it("pass their Python tests against a real moto server, through boto3 and raw RPC v2 CBOR", () => {
    // The CBOR side needs a CBOR client as the provider's; the Python test has one (cbor2) and boto3.
    const result = spawnSync(localAwsPython(), ["-m", "unittest", "-v", join(__dirname, "..", "..", "tools", "local-aws", "test_extensions.py")], { encoding: "utf8", timeout: 120_000 });
    const summary = result.stderr.split("\n").filter((l) => / \.\.\. |^Ran |^OK|^FAILED/.test(l)).join("\n");
    expect([result.status, summary]).toEqual([0, expect.stringMatching(/Ran 7 tests[\s\S]*OK/)]);
  });
});

describe("drift mends: thing principal type and Lambda dead-letter config", () => {
  it("records AttachThingPrincipal's thingPrincipalType and reports it in ListThingPrincipalsV2", async () => {
    const { CreateThingCommand, CreateKeysAndCertificateCommand, AttachThingPrincipalCommand, DetachThingPrincipalCommand, ListThingPrincipalsV2Command } = await import("@aws-sdk/client-iot");
    await iot.send(new CreateThingCommand({ thingName: "principal-type-probe" }));
    const exclusive = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
    const shared = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
    await iot.send(new AttachThingPrincipalCommand({ thingName: "principal-type-probe", principal: exclusive.certificateArn, thingPrincipalType: "EXCLUSIVE_THING" }));
    await iot.send(new AttachThingPrincipalCommand({ thingName: "principal-type-probe", principal: shared.certificateArn }));
    const listed = await iot.send(new ListThingPrincipalsV2Command({ thingName: "principal-type-probe" }));
    const byArn = Object.fromEntries((listed.thingPrincipalObjects ?? []).map((o) => [o.principal, o.thingPrincipalType]));
    expect(byArn).toEqual({ [exclusive.certificateArn!]: "EXCLUSIVE_THING", [shared.certificateArn!]: "NON_EXCLUSIVE_THING" });
    const onlyExclusive = await iot.send(new ListThingPrincipalsV2Command({ thingName: "principal-type-probe", thingPrincipalType: "EXCLUSIVE_THING" }));
    expect(onlyExclusive.thingPrincipalObjects?.map((o) => o.principal)).toEqual([exclusive.certificateArn]);
    await iot.send(new DetachThingPrincipalCommand({ thingName: "principal-type-probe", principal: exclusive.certificateArn }));
    expect((await iot.send(new ListThingPrincipalsV2Command({ thingName: "principal-type-probe" }))).thingPrincipalObjects?.map((o) => o.principal)).toEqual([shared.certificateArn]);
  });

  it("returns the DeadLetterConfig a function was created and updated with", async () => {
    const { LambdaClient, CreateFunctionCommand, GetFunctionConfigurationCommand, UpdateFunctionConfigurationCommand } = await import("@aws-sdk/client-lambda");
    const { createZip } = await import("../../modules/shadow-processor/zip");
    const { IAMClient, CreateRoleCommand } = await import("@aws-sdk/client-iam");
    const iam = new IAMClient(localClientConfig());
    const trust = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }] };
    const role = (await iam.send(new CreateRoleCommand({ RoleName: "dlq-probe", AssumeRolePolicyDocument: JSON.stringify(trust) }))).Role!.Arn!;
    iam.destroy();
    const lambda = new LambdaClient(localClientConfig());
    try {
      const dlq = `arn:aws:sqs:${REGION}:${ACCOUNT}:probe-dlq`;
      await lambda.send(
        new CreateFunctionCommand({
          FunctionName: "dlq-probe",
          Runtime: "nodejs22.x",
          Role: role,
          Handler: "index.handler",
          Code: { ZipFile: createZip([{ name: "index.js", data: Buffer.from("exports.handler = async () => 1;") }]) },
          DeadLetterConfig: { TargetArn: dlq },
        }),
      );
      expect((await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: "dlq-probe" }))).DeadLetterConfig).toEqual({ TargetArn: dlq });
      await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: "dlq-probe", DeadLetterConfig: { TargetArn: `${dlq}-2` } }));
      expect((await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: "dlq-probe" }))).DeadLetterConfig).toEqual({ TargetArn: `${dlq}-2` });
    } finally {
      lambda.destroy();
    }
  });
});

describe("CloudWatch through the AWS SDK for JavaScript (AWS JSON 1.0, bridged like RPC v2 CBOR)", () => {
  it("writes and lists alarms and dashboards, and maps a missing dashboard to its error", async () => {
    const { CloudWatchClient, PutMetricAlarmCommand, DescribeAlarmsCommand, PutDashboardCommand, ListDashboardsCommand, GetDashboardCommand } = await import("@aws-sdk/client-cloudwatch");
    const cw = new CloudWatchClient(localClientConfig());
    try {
      await cw.send(new PutMetricAlarmCommand({ AlarmName: "js-alarm", MetricName: "Errors", Namespace: "AWS/Lambda", Statistic: "Sum", Period: 60, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: "GreaterThanOrEqualToThreshold" }));
      const alarms = await cw.send(new DescribeAlarmsCommand({ AlarmNames: ["js-alarm"] }));
      expect(alarms.MetricAlarms?.map((a) => [a.AlarmName, a.Threshold, a.StateUpdatedTimestamp instanceof Date])).toEqual([["js-alarm", 1, true]]);
      await cw.send(new PutDashboardCommand({ DashboardName: "js-dashboard", DashboardBody: JSON.stringify({ widgets: [] }) }));
      expect((await cw.send(new ListDashboardsCommand({}))).DashboardEntries?.map((d) => d.DashboardName)).toContain("js-dashboard");
      await expect(cw.send(new GetDashboardCommand({ DashboardName: "missing" }))).rejects.toMatchObject({ name: "ResourceNotFound" });
    } finally {
      cw.destroy();
    }
  });
});

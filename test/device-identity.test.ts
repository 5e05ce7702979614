import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join, resolve } from "path";
import { TerraformOutput, TerraformStack, Testing } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DeviceIdentity, DeviceIdentityProps, FleetProvisioningProps, deviceInventoryIssues } from "../modules/device-identity";
import { testCsr } from "../tools/test-csr";

type Json = Record<string, any>;

const CSR_DIR = resolve(__dirname, "fixtures/csr");
const csrOf = (name: string) => readFileSync(join(CSR_DIR, `${name}.csr`), "utf8");
const ARN = "arn:aws:iot:eu-west-1:111111111111";
const V = "$${iot:Connection.Thing.ThingName}";

/** A stand-in for the built hook bundle: the module only packages the directory. */
const HOOK_BUNDLE = mkdtempSync(join(tmpdir(), "provisioning-hook-bundle-"));
writeFileSync(join(HOOK_BUNDLE, "index.js"), "exports.handler = async () => ({ allowProvisioning: false });\n");
/** Fleet provisioning with the module's hook, as every environment uses it. */
const FLEET: FleetProvisioningProps = { enabled: true, preProvisioningHook: { bundleDir: HOOK_BUNDLE } };

const BASE: DeviceIdentityProps = {
  namePrefix: "iot-test",
  thingType: { name: "Thermostat", description: "Room thermostat", searchableAttributes: ["model", "site"] },
  groups: [
    { name: "fleet", description: "All devices" },
    { name: "site-lab", parent: "fleet", attributes: { site: "lab" } },
  ],
  things: [
    { name: "Sensor-A", attributes: { model: "T100", site: "lab" }, groups: ["site-lab"], csrPath: "Sensor-A.csr" },
    { name: "Sensor-B", attributes: { model: "T200" }, groups: ["fleet", "site-lab"], csrPath: "Sensor-B.csr" },
  ],
  csrBaseDir: CSR_DIR,
  accountId: "111111111111",
  region: "eu-west-1",
};

interface Synth {
  json: Json;
  text: string;
  identity: DeviceIdentity;
}

/** Synthesizes one DeviceIdentity; `outputs` adds a TerraformOutput per `identity.outputs` value, as a stack would. */
function synth(overrides: Partial<DeviceIdentityProps> = {}, withOutputs = false): Synth {
  const app = Testing.app();
  const stack = new TerraformStack(app, "test");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  const identity = new DeviceIdentity(stack, "identity", { ...BASE, ...overrides });
  if (withOutputs) {
    for (const [key, value] of Object.entries(identity.outputs)) {
      if (value !== undefined) new TerraformOutput(stack, key, { value });
    }
  }
  const text = Testing.synth(stack);
  return { json: JSON.parse(text), text, identity };
}

const resources = (json: Json, type: string): Json[] => Object.values(json.resource?.[type] ?? {});
const addressOf = (json: Json, type: string, pred: (r: Json) => boolean): string => {
  const entry = Object.entries(json.resource?.[type] ?? {}).find(([, r]) => pred(r as Json));
  if (!entry) throw new Error(`no ${type} matches`);
  return `${type}.${entry[0]}`;
};
const policyNamed = (json: Json, name: string): Json => JSON.parse(resources(json, "aws_iot_policy").find((p) => p.name === name)!.policy);

const REQUESTS = ["update", "get", "delete"];
const REPLIES = ["update/accepted", "update/rejected", "update/delta", "update/documents", "get/accepted", "get/rejected", "delete/accepted", "delete/rejected"];
const arns = (type: string, stems: string[], suffixes: string[]) => stems.flatMap((s) => suffixes.map((x) => `${ARN}:${type}/${s}/${x}`));

describe("device policy", () => {
  const { json, text } = synth();

  it("allows exactly connect-as-self and the device's own classic and named shadow topics", () => {
    const stems = [`$aws/things/${V}/shadow`, `$aws/things/${V}/shadow/name/*`];
    expect(policyNamed(json, "iot-test-device")).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "ConnectAsOwnThing",
          Effect: "Allow",
          Action: ["iot:Connect"],
          Resource: [`${ARN}:client/${V}`],
          Condition: { Bool: { "iot:Connection.Thing.IsAttached": "true" } },
        },
        { Sid: "PublishShadowRequests", Effect: "Allow", Action: ["iot:Publish"], Resource: arns("topic", stems, REQUESTS) },
        { Sid: "SubscribeShadowReplies", Effect: "Allow", Action: ["iot:Subscribe"], Resource: arns("topicfilter", stems, REPLIES) },
        { Sid: "ReceiveShadowReplies", Effect: "Allow", Action: ["iot:Receive"], Resource: arns("topic", stems, REPLIES) },
      ],
    });
  });

  it("escapes the policy variable so Terraform leaves it alone", () => {
    expect(text).toContain("client/$${iot:Connection.Thing.ThingName}");
    expect(text).not.toMatch(/(?<!\$)\$\{iot:/);
  });

  it("has no iot:* action, no bare * resource, and the right resource type per action", () => {
    for (const p of resources(json, "aws_iot_policy")) {
      for (const st of JSON.parse(p.policy).Statement) {
        expect(st.Action).not.toContain("iot:*");
        expect(st.Resource).not.toContain("*");
        for (const r of st.Resource as string[]) {
          if (st.Action.includes("iot:Subscribe")) expect(r).toMatch(/:topicfilter\//);
          if (st.Action.includes("iot:Publish") || st.Action.includes("iot:Receive")) expect(r).toMatch(/:topic\//);
        }
      }
    }
  });

  it("can be narrowed to listed named shadows only", () => {
    const narrowed = synth({ shadowAccess: { classic: false, named: ["config"] } }).json;
    const doc = policyNamed(narrowed, "iot-test-device");
    expect(doc.Statement[1].Resource).toEqual(arns("topic", [`$aws/things/${V}/shadow/name/config`], REQUESTS));
    expect(doc.Statement[2].Resource).toEqual(arns("topicfilter", [`$aws/things/${V}/shadow/name/config`], REPLIES));
  });

  it("reads account, region and partition from data sources when not given", () => {
    const { json: j } = synth({ accountId: undefined, region: undefined });
    const connect = policyNamed(j, "iot-test-device").Statement[0].Resource[0];
    expect(connect).toMatch(
      /^arn:\$\{data\.aws_partition\.[\w-]+\.partition\}:iot:\$\{data\.aws_region\.[\w-]+\.region\}:\$\{data\.aws_caller_identity\.[\w-]+\.account_id\}:client\/\$\$\{iot:Connection\.Thing\.ThingName\}$/,
    );
  });
});

describe("things, certificates and attachments (csr mode, the default)", () => {
  const { json, text, identity } = synth({}, true);

  it("creates the thing type with description and searchable attributes", () => {
    expect(resources(json, "aws_iot_thing_type")).toEqual([
      { name: "Thermostat", properties: { description: "Room thermostat", searchable_attributes: ["model", "site"] } },
    ]);
  });

  it("creates each thing with its type and attributes", () => {
    const things = resources(json, "aws_iot_thing");
    expect(things.map((t) => t.name).sort()).toEqual(["Sensor-A", "Sensor-B"]);
    const a = things.find((t) => t.name === "Sensor-A")!;
    expect(a.attributes).toEqual({ model: "T100", site: "lab" });
    expect(a.thing_type_name).toMatch(/^\$\{aws_iot_thing_type\.[\w-]+\.name\}$/);
  });

  it("creates ACTIVE certificates from each device's CSR", () => {
    const certs = resources(json, "aws_iot_certificate");
    expect(certs).toHaveLength(2);
    expect(certs.every((c) => c.active === true)).toBe(true);
    expect(certs.map((c) => c.csr).sort()).toEqual([csrOf("Sensor-A"), csrOf("Sensor-B")].sort());
  });

  it("attaches every certificate to its own thing and the device policy to every certificate", () => {
    const policy = addressOf(json, "aws_iot_policy", (p) => p.name === "iot-test-device");
    for (const name of ["Sensor-A", "Sensor-B"]) {
      const thing = addressOf(json, "aws_iot_thing", (t) => t.name === name);
      const cert = addressOf(json, "aws_iot_certificate", (c) => c.csr === csrOf(name));
      expect(resources(json, "aws_iot_thing_principal_attachment")).toContainEqual({
        thing: `\${${thing}.name}`,
        principal: `\${${cert}.arn}`,
        thing_principal_type: "EXCLUSIVE_THING",
      });
      expect(resources(json, "aws_iot_policy_attachment")).toContainEqual({ policy: `\${${policy}.name}`, target: `\${${cert}.arn}` });
    }
    expect(resources(json, "aws_iot_thing_principal_attachment")).toHaveLength(2);
    expect(resources(json, "aws_iot_policy_attachment")).toHaveLength(2);
  });

  it("keeps no private key anywhere: no private_key reference, no key parameter, no KMS key", () => {
    expect(text).not.toContain("private_key");
    expect(json.resource.aws_ssm_parameter).toBeUndefined();
    expect(json.resource.aws_kms_key).toBeUndefined();
    expect(Object.keys(json.output)).toEqual(
      expect.arrayContaining(["thingNames", "thingArns", "certificateArns", "certificateIds", "policyNames", "dataEndpoint"]),
    );
  });

  it("exposes the ATS data endpoint, thing and certificate ARNs as outputs", () => {
    expect(resources({ resource: json.data }, "aws_iot_endpoint")).toEqual([{ endpoint_type: "iot:Data-ATS" }]);
    expect(json.output.dataEndpoint.value).toMatch(/^\$\{data\.aws_iot_endpoint\.[\w-]+\.endpoint_address\}$/);
    expect(Object.keys(json.output.thingArns.value)).toEqual(["Sensor-A", "Sensor-B"]);
    expect(json.output.certificateIds.value["Sensor-A"]).toMatch(/^\$\{aws_iot_certificate\.[\w-]+\.id\}$/);
    expect(Object.keys(identity.things)).toEqual(["Sensor-A", "Sensor-B"]);
    expect(Object.keys(identity.certificates)).toEqual(["Sensor-A", "Sensor-B"]);
  });

  it("accepts an inline CSR PEM instead of a path", () => {
    const pem = csrOf("Sensor-C");
    const j = synth({ things: [{ name: "Sensor-C", csrPem: pem }] }).json;
    expect(resources(j, "aws_iot_certificate")).toEqual([{ active: true, csr: pem }]);
  });

  it("has no lifecycle by default and prevent_destroy on things, certificates, type and policies when asked", () => {
    expect(text).not.toContain("prevent_destroy");
    const guarded = synth({ preventDestroy: true, fleetProvisioning: FLEET }).json;
    for (const type of ["aws_iot_thing", "aws_iot_certificate", "aws_iot_thing_type", "aws_iot_policy", "aws_dynamodb_table", "aws_kms_key", "aws_cloudwatch_log_group"]) {
      const rs = resources(guarded, type);
      expect(rs.length).toBeGreaterThan(0);
      for (const r of rs) expect(r.lifecycle).toEqual({ prevent_destroy: true });
    }
  });
});

describe("stable addresses", () => {
  it("reordering things and groups changes no Terraform address or value", () => {
    const things = [
      { name: "Sensor-A", csrPath: "Sensor-A.csr", groups: ["g1"] },
      { name: "Sensor-B", csrPath: "Sensor-B.csr", groups: ["g2", "g1"] },
      { name: "Sensor-C", csrPath: "Sensor-C.csr" },
    ];
    const groups = [{ name: "g1" }, { name: "g2", parent: "g1" }];
    const first = synth({ things, groups }).json;
    const second = synth({ things: [things[2], things[0], things[1]], groups: [groups[1], groups[0]] }).json;
    for (const type of Object.keys(first.resource)) {
      expect(Object.keys(second.resource[type]).sort()).toEqual(Object.keys(first.resource[type]).sort());
    }
    expect(second.resource).toEqual(first.resource);
    expect(Object.keys(first.resource.aws_iot_thing).every((k) => /_Sensor-(A|B|C)_thing_/.test(k))).toBe(true);
  });
});

describe("thing groups", () => {
  it("creates groups with parent, description and attributes, and a membership per thing and group", () => {
    const { json } = synth();
    const fleet = addressOf(json, "aws_iot_thing_group", (g) => g.name === "fleet");
    expect(resources(json, "aws_iot_thing_group")).toEqual(
      expect.arrayContaining([
        { name: "fleet", properties: { description: "All devices" } },
        { name: "site-lab", parent_group_name: `\${${fleet}.name}`, properties: { attribute_payload: { attributes: { site: "lab" } } } },
      ]),
    );
    const members = resources(json, "aws_iot_thing_group_membership").map((m) => [m.thing_name, m.thing_group_name]);
    const ref = (type: string, name: string) => `\${${addressOf(json, type, (r) => r.name === name)}.name}`;
    expect(members).toHaveLength(3);
    expect(members).toEqual(
      expect.arrayContaining([
        [ref("aws_iot_thing", "Sensor-A"), ref("aws_iot_thing_group", "site-lab")],
        [ref("aws_iot_thing", "Sensor-B"), ref("aws_iot_thing_group", "fleet")],
        [ref("aws_iot_thing", "Sensor-B"), ref("aws_iot_thing_group", "site-lab")],
      ]),
    );
  });

  it("attaches the policy once to the policy group instead of each certificate", () => {
    const { json } = synth({ policyAttachment: "thing-group", policyGroup: "fleet" });
    const fleet = addressOf(json, "aws_iot_thing_group", (g) => g.name === "fleet");
    const policy = addressOf(json, "aws_iot_policy", (p) => p.name === "iot-test-device");
    expect(resources(json, "aws_iot_policy_attachment")).toEqual([{ policy: `\${${policy}.name}`, target: `\${${fleet}.arn}` }]);
    expect(resources(json, "aws_iot_thing_principal_attachment")).toHaveLength(2);
  });
});

describe("key generation (explicit opt-in)", () => {
  const gen: Partial<DeviceIdentityProps> = {
    certificateMode: "generate",
    allowKeyGeneration: true,
    things: [{ name: "Sensor-A" }, { name: "Sensor-B" }],
  };

  it("stores each private key only in an SSM SecureString encrypted with a created, rotating KMS key", () => {
    const { json } = synth(gen, true);
    const key = addressOf(json, "aws_kms_key", () => true);
    expect(resources(json, "aws_kms_key")[0]).toEqual(expect.objectContaining({ enable_key_rotation: true, deletion_window_in_days: 30 }));
    expect(resources(json, "aws_kms_alias")).toEqual([{ name: "alias/iot-test-device-keys", target_key_id: `\${${key}.key_id}` }]);
    // SSM uses the key on the caller's behalf: the policy leaves access to the account's IAM policies.
    expect(JSON.parse(resources(json, "aws_kms_key")[0].policy).Statement).toEqual([
      { Sid: "EnableIamPoliciesOfThisAccount", Effect: "Allow", Principal: { AWS: expect.stringMatching(/^arn:[^:]+:iam::[^:]+:root$/) }, Action: "kms:*", Resource: "*" },
    ]);
    for (const name of ["Sensor-A", "Sensor-B"]) {
      const param = resources(json, "aws_ssm_parameter").find((p) => p.name === `/iot-test/device-keys/${name}/private-key`)!;
      expect(param).toEqual(expect.objectContaining({ type: "SecureString", key_id: `\${${key}.arn}` }));
      expect(param.value).toMatch(new RegExp(`^\\$\\{aws_iot_certificate\\.identity_things_${name}_certificate_[0-9A-F]{8}\\.private_key\\}$`));
    }
    expect(resources(json, "aws_iot_certificate").every((c) => c.csr === undefined && c.active === true)).toBe(true);
  });

  it("never puts a private key into an output", () => {
    const { json } = synth(gen, true);
    expect(JSON.stringify(json.output)).not.toContain("private_key");
    expect(JSON.stringify(json.output)).not.toContain("aws_ssm_parameter");
  });

  it("uses a given KMS key instead of creating one", () => {
    const kmsKeyArn = "arn:aws:kms:eu-west-1:111111111111:key/0d3c1a52-7a8e-4c4e-9f57-2b1b8c2b9e11";
    const { json } = synth({ ...gen, keyStorage: { kmsKeyArn } });
    expect(json.resource.aws_kms_key).toBeUndefined();
    expect(resources(json, "aws_ssm_parameter").every((p) => p.key_id === kmsKeyArn)).toBe(true);
  });
});

describe("fleet provisioning", () => {
  const TEMPLATE_ARN = `${ARN}:provisioningtemplate/iot-test-fleet`;

  it("creates an enabled template, a role trusted only for this template, and a claim policy limited to provisioning topics", () => {
    const { json, identity } = synth({ certificateMode: "fleet-provisioning", things: [], fleetProvisioning: FLEET });
    const [template] = resources(json, "aws_iot_provisioning_template");
    const role = addressOf(json, "aws_iam_role", (r) => r.name === "iot-test-provisioning");
    expect(template).toEqual(
      expect.objectContaining({ name: "iot-test-fleet", enabled: true, type: "FLEET_PROVISIONING", provisioning_role_arn: `\${${role}.arn}` }),
    );
    expect(JSON.parse(template.template_body)).toEqual({
      Parameters: { SerialNumber: { Type: "String" }, "AWS::IoT::Certificate::Id": { Type: "String" } },
      Resources: {
        thing: {
          Type: "AWS::IoT::Thing",
          OverrideSettings: { AttributePayload: "MERGE", ThingTypeName: "REPLACE", ThingGroups: "DO_NOTHING" },
          Properties: { ThingName: { "Fn::Join": ["", ["Thermostat-", { Ref: "SerialNumber" }]] }, ThingTypeName: "Thermostat", AttributePayload: {} },
        },
        certificate: { Type: "AWS::IoT::Certificate", Properties: { CertificateId: { Ref: "AWS::IoT::Certificate::Id" }, Status: "ACTIVE" } },
        policy: { Type: "AWS::IoT::Policy", Properties: { PolicyName: "iot-test-device" } },
      },
    });
    const iamRole = resources(json, "aws_iam_role").find((r) => r.name === "iot-test-provisioning")!;
    // Issue 20 item 5: pinned to the template as well as the account (confused deputy).
    expect(JSON.parse(iamRole.assume_role_policy).Statement).toEqual([
      {
        Sid: "IotProvisioningOnly",
        Effect: "Allow",
        Principal: { Service: "iot.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": "111111111111" }, ArnLike: { "aws:SourceArn": TEMPLATE_ARN } },
      },
    ]);
    expect(resources(json, "aws_iam_role_policy_attachment")).toEqual([
      { role: `\${${role}.name}`, policy_arn: "arn:aws:iam::aws:policy/service-role/AWSIoTThingsRegistration" },
    ]);
    // The device keeps its private key by default (CreateCertificateFromCsr), and claim connections have their own client ids.
    const claimStems = ["$aws/certificates/create-from-csr/*", "$aws/provisioning-templates/iot-test-fleet/provision/*"];
    expect(policyNamed(json, "iot-test-provisioning-claim").Statement).toEqual([
      { Sid: "ConnectForProvisioning", Effect: "Allow", Action: ["iot:Connect"], Resource: [`${ARN}:client/provision-*`] },
      { Sid: "PublishReceiveProvisioning", Effect: "Allow", Action: ["iot:Publish", "iot:Receive"], Resource: claimStems.map((s) => `${ARN}:topic/${s}`) },
      { Sid: "SubscribeProvisioning", Effect: "Allow", Action: ["iot:Subscribe"], Resource: claimStems.map((s) => `${ARN}:topicfilter/${s}`) },
    ]);
    expect(json.resource.aws_iot_certificate).toBeUndefined();
    expect(identity.outputs.provisioningTemplateName).toBeDefined();
  });

  it("create-keys-and-certificate stays available as an explicit choice", () => {
    const { json } = synth({ fleetProvisioning: { ...FLEET, claimCertificateApi: "create-keys-and-certificate" } });
    expect(policyNamed(json, "iot-test-provisioning-claim").Statement[1].Resource[0]).toBe(`${ARN}:topic/$aws/certificates/create/*`);
  });

  describe("the pre-provisioning hook", () => {
    const { json, identity } = synth({ things: [...BASE.things, { name: "Thermostat-P0001", csrPem: testCsr("Thermostat-P0001") }], fleetProvisioning: FLEET });
    const fn = resources(json, "aws_lambda_function")[0];
    const fnAddress = addressOf(json, "aws_lambda_function", () => true);
    const table = addressOf(json, "aws_dynamodb_table", () => true);
    const key = addressOf(json, "aws_kms_key", () => true);
    const logGroup = addressOf(json, "aws_cloudwatch_log_group", () => true);

    it("is the template's hook, invokable by AWS IoT only for this template and account, before the template is enabled", () => {
      const [template] = resources(json, "aws_iot_provisioning_template");
      expect(template.pre_provisioning_hook).toEqual({ target_arn: `\${${fnAddress}.arn}`, payload_version: "2020-04-01" });
      const permission = addressOf(json, "aws_lambda_permission", () => true);
      expect(resources(json, "aws_lambda_permission")).toEqual([
        {
          statement_id: "AllowIotProvisioningTemplate",
          action: "lambda:InvokeFunction",
          function_name: `\${${fnAddress}.function_name}`,
          principal: "iot.amazonaws.com",
          source_arn: TEMPLATE_ARN,
          source_account: "111111111111",
        },
      ]);
      expect(template.depends_on).toContain(permission);
      expect(identity.provisioningHook?.function).toBeDefined();
    });

    it("answers within AWS IoT's 5 s, with reserved concurrency, tracing and a KMS-encrypted environment", () => {
      expect(fn).toEqual(
        expect.objectContaining({
          function_name: "iot-test-provisioning-hook",
          runtime: "nodejs22.x",
          architectures: ["arm64"],
          handler: "index.handler",
          timeout: 5,
          reserved_concurrent_executions: 10,
          tracing_config: { mode: "Active" },
          kms_key_arn: `\${${key}.arn}`,
        }),
      );
      expect(fn.environment.variables).toEqual(
        expect.objectContaining({
          ALLOWLIST_TABLE_NAME: `\${${table}.name}`,
          THING_NAME_PREFIX: "Thermostat-",
          // The Terraform-managed things the template could otherwise name: the hook refuses them.
          RESERVED_THING_NAMES: JSON.stringify(["Thermostat-P0001"]),
        }),
      );
      expect(fn.dead_letter_config).toBeUndefined();
    });

    it("logs to its own encrypted log group with retention, and keeps the allowlist in an encrypted table with PITR", () => {
      expect(resources(json, "aws_cloudwatch_log_group")).toEqual([
        { name: "/aws/lambda/iot-test-provisioning-hook", retention_in_days: 365, kms_key_id: `\${${key}.arn}` },
      ]);
      expect(resources(json, "aws_dynamodb_table")).toEqual([
        expect.objectContaining({
          name: "iot-test-device-allowlist",
          hash_key: "serialNumber",
          attribute: [{ name: "serialNumber", type: "S" }],
          billing_mode: "PAY_PER_REQUEST",
          point_in_time_recovery: { enabled: true },
          server_side_encryption: { enabled: true, kms_key_arn: `\${${key}.arn}` },
        }),
      ]);
      const keyPolicy = JSON.parse(resources(json, "aws_kms_key")[0].policy);
      expect(keyPolicy.Statement[1].Condition.ArnEquals["kms:EncryptionContext:aws:logs:arn"]).toBe("arn:aws:logs:eu-west-1:111111111111:log-group:/aws/lambda/iot-test-provisioning-hook");
      expect(resources(json, "aws_kms_key")[0].enable_key_rotation).toBe(true);
    });

    it("has a least-privilege role: read and claim allowlist items, look up things of the template's name space, logs, traces", () => {
      const role = resources(json, "aws_iam_role").find((r) => r.name === "iot-test-provisioning-hook-role")!;
      expect(JSON.parse(role.assume_role_policy).Statement).toEqual([{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }]);
      const policy = JSON.parse(resources(json, "aws_iam_role_policy")[0].policy);
      expect(policy.Statement).toEqual([
        { Sid: "WriteOwnLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: [`\${${logGroup}.arn}:*`] },
        { Sid: "ReadAndClaimAllowlistEntries", Effect: "Allow", Action: ["dynamodb:GetItem", "dynamodb:UpdateItem"], Resource: [`\${${table}.arn}`] },
        { Sid: "LookUpProvisionedThings", Effect: "Allow", Action: ["iot:DescribeThing"], Resource: [`${ARN}:thing/Thermostat-*`] },
        { Sid: "DecryptEnvironment", Effect: "Allow", Action: ["kms:Decrypt"], Resource: [`\${${key}.arn}`] },
        {
          Sid: "UseAllowlistKeyThroughDynamoDB",
          Effect: "Allow",
          Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
          Resource: [`\${${key}.arn}`],
          Condition: { StringEquals: { "kms:ViaService": "dynamodb.eu-west-1.amazonaws.com" } },
        },
        { Sid: "WriteTraces", Effect: "Allow", Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], Resource: ["*"] },
      ]);
    });
  });

  it("uses your own hook by ARN, or none only when explicitly accepted", () => {
    const hookArn = "arn:aws:lambda:eu-west-1:111111111111:function:my-hook";
    const own = synth({ fleetProvisioning: { enabled: true, preProvisioningHookArn: hookArn } }).json;
    expect(resources(own, "aws_iot_provisioning_template")[0].pre_provisioning_hook).toEqual({ target_arn: hookArn, payload_version: "2020-04-01" });
    expect(own.resource.aws_lambda_function).toBeUndefined();
    const none = synth({ fleetProvisioning: { enabled: true, allowUnvalidatedProvisioning: true } }).json;
    expect(resources(none, "aws_iot_provisioning_template")[0].pre_provisioning_hook).toBeUndefined();
  });

  it("registers listed things without a CSR but creates no certificate or attachment for them", () => {
    const { json, identity } = synth({ certificateMode: "fleet-provisioning", fleetProvisioning: FLEET, things: [{ name: "Sensor-A" }, { name: "Sensor-B", csrPath: "Sensor-B.csr" }] });
    expect(resources(json, "aws_iot_thing").map((t) => t.name).sort()).toEqual(["Sensor-A", "Sensor-B"]);
    expect(Object.keys(identity.certificates)).toEqual(["Sensor-B"]);
    expect(resources(json, "aws_iot_certificate")).toEqual([{ active: true, csr: csrOf("Sensor-B") }]);
    expect(resources(json, "aws_iot_thing_principal_attachment")).toHaveLength(1);
    expect(resources(json, "aws_iot_policy_attachment")).toHaveLength(1);
  });

  it("in thing-group mode puts provisioned things into the policy group instead of attaching the policy", () => {
    const { json } = synth({
      policyAttachment: "thing-group",
      policyGroup: "site-lab",
      things: [{ name: "Sensor-A", groups: ["site-lab"], csrPath: "Sensor-A.csr" }],
      fleetProvisioning: { ...FLEET, templateName: "thermo", thingNamePrefix: "T-", claimCertificateApi: "create-from-csr" },
    });
    const body = JSON.parse(resources(json, "aws_iot_provisioning_template")[0].template_body);
    expect(body.Resources.thing.Properties.ThingGroups).toEqual(["site-lab"]);
    expect(body.Resources.policy).toBeUndefined();
    expect(policyNamed(json, "iot-test-provisioning-claim").Statement[1].Resource).toEqual([
      `${ARN}:topic/$aws/certificates/create-from-csr/*`,
      `${ARN}:topic/$aws/provisioning-templates/thermo/provision/*`,
    ]);
    const fn = resources(json, "aws_lambda_function")[0];
    expect(fn.environment.variables).toEqual(expect.objectContaining({ THING_NAME_PREFIX: "T-", RESERVED_THING_NAMES: "[]" }));
  });

  it("uses an existing role, and registers a claim certificate from a CSR with the claim policy attached", () => {
    const roleArn = "arn:aws:iam::111111111111:role/existing-provisioning";
    const { json } = synth({ fleetProvisioning: { ...FLEET, existingRoleArn: roleArn, claimCsrPath: "Claim.csr" } });
    expect(resources(json, "aws_iam_role").map((r) => r.name)).toEqual(["iot-test-provisioning-hook-role"]);
    expect(resources(json, "aws_iot_provisioning_template")[0].provisioning_role_arn).toBe(roleArn);
    const claimCert = addressOf(json, "aws_iot_certificate", (c) => c.csr === csrOf("Claim"));
    const claimPolicy = addressOf(json, "aws_iot_policy", (p) => p.name === "iot-test-provisioning-claim");
    expect(resources(json, "aws_iot_policy_attachment")).toContainEqual({ policy: `\${${claimPolicy}.name}`, target: `\${${claimCert}.arn}` });
  });
});

describe("CSR checks (issue 20 item 12)", () => {
  const one = (name: string, csrPem: string): Partial<DeviceIdentityProps> => ({ things: [{ name, csrPem }] });

  it("accepts a CSR whose subject CN is the thing name, with an RSA 2048 or EC P-256/P-384 key", () => {
    for (const key of ["ec-p256", "ec-p384", "rsa-2048"] as const) expect(() => synth(one("Sensor-X", testCsr("Sensor-X", { key })))).not.toThrow();
  });

  it.each([
    ["a CSR made for another device", one("Sensor-A", csrOf("Sensor-B")), /things\["Sensor-A"\]\.csrPem: subject CN is "Sensor-B" but the thing is "Sensor-A"; .*CN "Sensor-A"/],
    ["a CSR file made for another device", { things: [{ name: "Sensor-A", csrPath: "Sensor-B.csr" }] }, /things\["Sensor-A"\]\.csrPath \("Sensor-B\.csr"\): subject CN is "Sensor-B" but the thing is "Sensor-A"/],
    ["a CSR without a CN", one("Device-A", readFileSync(join(CSR_DIR, "checks", "no-cn.csr"), "utf8")), /things\["Device-A"\]\.csrPem: subject has no CN; the CN must be the thing name "Device-A"/],
    ["a CSR with two CNs", one("Device-A", readFileSync(join(CSR_DIR, "checks", "two-cns.csr"), "utf8")), /things\["Device-A"\]\.csrPem: subject has 2 CNs \("Device-A", "Device-B"\)/],
    ["an RSA 1024 key", one("Sensor-W", testCsr("Sensor-W", { key: "rsa-1024" })), /things\["Sensor-W"\]\.csrPem: key is RSA 1024 bits; the minimum is RSA of at least 2048 bits or EC P-256\/P-384\/P-521; generate a new key/],
    ["an EC key on secp256k1", { things: [{ name: "Device-K1", csrPath: "checks/ec-secp256k1.csr" }] }, /things\["Device-K1"\]\.csrPath \("checks\/ec-secp256k1\.csr"\): key is EC secp256k1; the minimum is/],
    ["an Ed25519 key", { things: [{ name: "Device-Ed25519", csrPath: "checks/ed25519.csr" }] }, /things\["Device-Ed25519"\]\.csrPath .*: key type is ed25519/],
    ["a corrupted CSR", one("Sensor-A", csrOf("Sensor-A").replace(/\n[A-Za-z0-9+/]{8}/, "\nAAAAAAAA")), /things\["Sensor-A"\]\.csrPem: is not a valid PKCS#10 certificate signing request/],
    ["a weak claim CSR", { fleetProvisioning: { ...FLEET, claimCsrPem: testCsr("Claim", { key: "rsa-1024" }) } }, /fleetProvisioning\.claimCsrPem: key is RSA 1024 bits/],
  ])("refuses %s, naming the device and the fix", (_label, overrides, message) => {
    expect(() => synth(overrides as Partial<DeviceIdentityProps>)).toThrow(message);
  });

  it("checks the claim CSR's key only: its CN names no thing", () => {
    expect(() => synth({ fleetProvisioning: { ...FLEET, claimCsrPem: testCsr("any-claim-name") } })).not.toThrow();
  });
});

describe("bad input fails synth with the device and field named", () => {
  const things = BASE.things;
  const cases: [string, Partial<DeviceIdentityProps>, RegExp][] = [
    ["invalid thing name", { things: [{ name: "Sensor A", csrPath: "Sensor-A.csr" }] }, /things\["Sensor A"\]\.name: IoT thing name "Sensor A" is invalid/],
    ["thing name too long", { things: [{ name: "x".repeat(129), csrPath: "Sensor-A.csr" }] }, /\.name: IoT thing name "x+" is 129 characters long/],
    ["invalid attribute key", { things: [{ ...things[0], attributes: { "bad key": "v" } }] }, /things\["Sensor-A"\]\.attributes: thing attribute key "bad key" is invalid/],
    ["invalid attribute value", { things: [{ ...things[0], attributes: { model: "T 100" } }] }, /things\["Sensor-A"\]\.attributes\["model"\]: thing attribute value "T 100" is invalid/],
    [
      "more than 50 attributes",
      { things: [{ ...things[0], attributes: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`a${i}`, "v"])) }] },
      /things\["Sensor-A"\]\.attributes: 51 given; AWS allows at most 50/,
    ],
    ["invalid group name", { groups: [{ name: "site lab" }], things: [] }, /groups\["site lab"\]\.name: IoT thing group name "site lab" is invalid/],
    ["duplicate group", { groups: [{ name: "g" }, { name: "g" }], things: [] }, /groups\["g"\]\.name: duplicate thing group "g"/],
    ["undefined parent group", { groups: [{ name: "g", parent: "nope" }], things: [] }, /groups\["g"\]\.parent: parent group "nope" is not defined/],
    ["group cycle", { groups: [{ name: "a", parent: "b" }, { name: "b", parent: "a" }], things: [] }, /groups\["a"\]\.parent: groups form a cycle \(a -> b -> a\); remove one parent\n.*groups\["b"\]\.parent: groups form a cycle \(b -> a -> b\)/],
    ["a group its own parent", { groups: [{ name: "a", parent: "a" }], things: [] }, /groups\["a"\]\.parent: groups form a cycle \(a -> a\)/],
    [
      "group hierarchy 8 levels deep",
      { groups: Array.from({ length: 8 }, (_, i) => ({ name: `g${i}`, ...(i ? { parent: `g${i - 1}` } : {}) })), things: [] },
      /groups\["g7"\]\.parent: group "g7" is 8 levels deep; AWS allows 7/,
    ],
    ["a group named like an Object.prototype member", { groups: [{ name: "constructor" }], things: [] }, /groups\["constructor"\]\.name: "constructor" is reserved \(an Object\.prototype member cannot be a construct id\)/],
    ["a thing named like an Object.prototype member", { things: [{ name: "__proto__", csrPath: "Sensor-A.csr" }] }, /things\["__proto__"\]\.name: "__proto__" is reserved/],
    ["thing listing a group twice", { things: [{ ...things[0], groups: ["fleet", "fleet"] }] }, /things\["Sensor-A"\]\.groups\[1\]: group "fleet" is listed twice/],
    ["thing in undefined group", { things: [{ ...things[0], groups: ["nope"] }] }, /things\["Sensor-A"\]\.groups\[0\]: group "nope" is not defined in groups/],
    ["too many searchable attributes", { thingType: { name: "T", searchableAttributes: ["a", "b", "c", "d"] } }, /thingType\.searchableAttributes: 4 given; AWS allows at most 3/],
    ["invalid searchable attribute", { thingType: { name: "T", searchableAttributes: ["a b"] } }, /thingType\.searchableAttributes: thing attribute key "a b" is invalid/],
    ["invalid thing type name", { thingType: { name: "Thermo stat" } }, /thingType\.name: IoT thing type name "Thermo stat" is invalid/],
    ["duplicate thing name", { things: [things[0], { ...things[1], name: "Sensor-A" }] }, /things\["Sensor-A"\]\.name: duplicate thing name "Sensor-A"/],
    ["missing CSR file", { things: [{ name: "Sensor-A", csrPath: "missing/Sensor-A.csr" }] }, /things\["Sensor-A"\]\.csrPath: CSR file "missing\/Sensor-A\.csr" does not exist \(resolved to ".*missing\/Sensor-A\.csr"\)/],
    ["csr mode without CSR", { things: [{ name: "Sensor-A" }] }, /things\["Sensor-A"\]: certificateMode "csr" needs csrPath or csrPem/],
    ["both csrPath and csrPem", { things: [{ name: "Sensor-A", csrPath: "Sensor-A.csr", csrPem: "x" }] }, /things\["Sensor-A"\]: csrPath and csrPem are both set; keep one/],
    ["CSR PEM that is not a CSR", { things: [{ name: "Sensor-A", csrPem: "hello" }] }, /things\["Sensor-A"\]\.csrPem: is not a PEM certificate signing request/],
    [
      "CSR with a private key in it",
      { things: [{ name: "Sensor-A", csrPem: `${csrOf("Sensor-A")}-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n` }] },
      /things\["Sensor-A"\]\.csrPem: contains a private key/,
    ],
    ["generate without opt-in", { certificateMode: "generate", things: [{ name: "Sensor-A" }] }, /certificateMode: "generate" puts private keys in Terraform state; set allowKeyGeneration: true/],
    ["generate with a CSR", { certificateMode: "generate", allowKeyGeneration: true }, /things\["Sensor-A"\]: certificateMode "generate" creates the key pair/],
    ["keyStorage outside generate", { keyStorage: {} }, /keyStorage: only used with certificateMode "generate"/],
    [
      "existing KMS key and new-key options both",
      { certificateMode: "generate", allowKeyGeneration: true, things: [], keyStorage: { kmsKeyArn: "arn:aws:kms:eu-west-1:111111111111:alias/x", deletionWindowInDays: 7 } },
      /keyStorage: kmsKeyArn uses an existing key, deletionWindowInDays configures a new one; drop one/,
    ],
    [
      "thing name not allowed in an SSM parameter name",
      { certificateMode: "generate", allowKeyGeneration: true, things: [{ name: "a:b" }] },
      /things\["a:b"\] \(private key parameter name\): SSM parameter name "\/iot-test\/device-keys\/a:b\/private-key" is invalid/,
    ],
    ["thing-group mode without policyGroup", { policyAttachment: "thing-group" }, /policyGroup: required when policyAttachment is "thing-group"/],
    ["policyGroup not defined", { policyAttachment: "thing-group", policyGroup: "nope" }, /policyGroup: group "nope" is not defined in groups/],
    ["policyGroup with certificate attachment", { policyGroup: "fleet" }, /policyGroup: only used with policyAttachment "thing-group"/],
    [
      "thing outside the policy group",
      { policyAttachment: "thing-group", policyGroup: "site-lab", things: [{ ...things[1], groups: ["fleet"] }] },
      /things\["Sensor-B"\]\.groups: the device policy is attached to group "site-lab", which this thing is not in/,
    ],
    ["template name too long", { fleetProvisioning: { ...FLEET, templateName: "t".repeat(37) } }, /fleetProvisioning\.templateName: IoT provisioning template name "t+" is 37 characters long/],
    ["fleet mode with fleet disabled", { certificateMode: "fleet-provisioning", fleetProvisioning: { enabled: false } }, /fleetProvisioning\.enabled: is false but certificateMode is "fleet-provisioning"/],
    ["fleet options while disabled", { fleetProvisioning: { enabled: false, templateName: "t" } }, /fleetProvisioning: enabled is false, so templateName would have no effect/],
    [
      "existing role and role name both",
      { fleetProvisioning: { ...FLEET, existingRoleArn: "arn:aws:iam::111111111111:role/r", roleName: "r2" } },
      /fleetProvisioning: existingRoleArn uses an existing role, roleName names a new one; drop one/,
    ],
    ["fleet thing group undefined", { fleetProvisioning: { ...FLEET, thingGroups: ["nope"] } }, /fleetProvisioning\.thingGroups\[0\]: group "nope" is not defined/],
    ["missing claim CSR", { fleetProvisioning: { ...FLEET, claimCsrPath: "nope.csr" } }, /fleetProvisioning\.claimCsrPath: CSR file "nope\.csr" does not exist/],
    [
      "fleet provisioning without a hook",
      { fleetProvisioning: { enabled: true } },
      /fleetProvisioning: no pre-provisioning hook, so anyone holding the claim certificate could register any serial number .*set preProvisioningHook: \{ bundleDir \}.*allowUnvalidatedProvisioning: true/,
    ],
    [
      "the module's hook and your own",
      { fleetProvisioning: { ...FLEET, preProvisioningHookArn: "arn:aws:lambda:eu-west-1:111111111111:function:h" } },
      /fleetProvisioning: preProvisioningHook and preProvisioningHookArn are exclusive; keep one/,
    ],
    ["a hook ARN that is not a function", { fleetProvisioning: { enabled: true, preProvisioningHookArn: "arn:aws:iam::111111111111:role/r" } }, /fleetProvisioning\.preProvisioningHookArn: ".*" is not a Lambda function ARN/],
    ["a relative hook bundle", { fleetProvisioning: { enabled: true, preProvisioningHook: { bundleDir: "dist/functions/provisioning-hook" } } }, /fleetProvisioning\.preProvisioningHook\.bundleDir: "dist\/functions\/provisioning-hook" must be an absolute path/],
    ["a hook bundle that is not built", { fleetProvisioning: { enabled: true, preProvisioningHook: { bundleDir: CSR_DIR } } }, /preProvisioningHook\.bundleDir: ".*" has no index\.js; run `npm run build` first/],
    ["hook concurrency 0", { fleetProvisioning: { enabled: true, preProvisioningHook: { bundleDir: HOOK_BUNDLE, reservedConcurrency: 0 } } }, /preProvisioningHook\.reservedConcurrency: must be a whole number from 1 to 1000, got 0/],
    ["hook log retention", { fleetProvisioning: { enabled: true, preProvisioningHook: { bundleDir: HOOK_BUNDLE, logRetentionDays: 2 } } }, /preProvisioningHook\.logRetentionDays: 2 is not accepted by CloudWatch Logs/],
    ["hook function name too long", { fleetProvisioning: { enabled: true, preProvisioningHook: { bundleDir: HOOK_BUNDLE, functionName: "f".repeat(60) } } }, /preProvisioningHook\.functionName \(role name <functionName>-role; use at most 59 characters\)/],
    [
      "a thing in the claim client-id space",
      { things: [{ name: "provision-1", csrPem: testCsr("provision-1") }], fleetProvisioning: FLEET },
      /things\["provision-1"\]\.name: starts with "provision-", the client-id space of claim-certificate connections/,
    ],
    ["a thing-name prefix in the claim client-id space", { fleetProvisioning: { ...FLEET, thingNamePrefix: "provision-T-" } }, /fleetProvisioning\.thingNamePrefix: "provision-T-" starts with "provision-"/],
    [
      "too many Terraform-managed things under the fleet prefix",
      { things: Array.from({ length: 200 }, (_, i) => ({ name: `Thermostat-${String(i).padStart(4, "0")}`, csrPem: testCsr(`Thermostat-${String(i).padStart(4, "0")}`) })), fleetProvisioning: FLEET },
      /fleetProvisioning\.thingNamePrefix: 200 Terraform-managed things start with "Thermostat-"; .*choose a thingNamePrefix the Terraform-managed things do not start with/,
    ],
    ["no shadow allowed", { shadowAccess: { classic: false, named: [] } }, /shadowAccess: selects no shadow at all/],
    ["a named shadow listed twice", { shadowAccess: { named: ["config", "config"] } }, /shadowAccess\.named\[1\]: duplicate shadow name "config"/],
    ["invalid shadow name", { shadowAccess: { named: ["a b"] } }, /shadowAccess\.named: shadow name "a b" is invalid/],
    ["invalid account id", { accountId: "123" }, /accountId: "123" must be a 12-digit AWS account id/],
    ["empty namePrefix", { namePrefix: "" }, /namePrefix: must not be empty/],
  ];

  it.each(cases)("%s", (_label, overrides, message) => {
    expect(() => synth(overrides)).toThrow(message);
  });

  it("reports every broken inventory rule at once, each naming its prop", () => {
    const overrides = { groups: [{ name: "a", parent: "nope" }, { name: "a" }], things: [{ name: "Sensor-A", groups: ["b"] }] };
    expect(() => synth(overrides)).toThrow(
      [
        'DeviceIdentity groups["a"].parent: parent group "nope" is not defined in groups; add it or drop parent',
        'DeviceIdentity groups["a"].name: duplicate thing group "a"; list each group once',
        'DeviceIdentity things["Sensor-A"].groups[0]: group "b" is not defined in groups; add it to groups or remove it here',
        'DeviceIdentity things["Sensor-A"]: certificateMode "csr" needs csrPath or csrPem (the device keeps its private key)',
      ].join("\n"),
    );
  });
});

describe("deviceInventoryIssues: the inventory rules as structured issues", () => {
  it("is empty for a sound inventory", () => {
    expect(deviceInventoryIssues(BASE)).toEqual([]);
  });

  it("gives each issue a path into the props (list indices) and the message the construct throws", () => {
    expect(deviceInventoryIssues({ ...BASE, groups: [{ name: "a", parent: "b" }, { name: "b", parent: "a" }], things: [{ name: "toString", csrPath: "x.csr" }] })).toEqual([
      { path: ["groups", 0, "parent"], message: "groups form a cycle (a -> b -> a); remove one parent" },
      { path: ["groups", 1, "parent"], message: "groups form a cycle (b -> a -> b); remove one parent" },
      { path: ["things", 0, "name"], message: '"toString" is reserved (an Object.prototype member cannot be a construct id); choose another name' },
    ]);
  });
});


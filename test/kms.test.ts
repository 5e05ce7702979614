import { TerraformOutput, TerraformStack, Testing } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { KeyGrant, ServiceKey, ServiceKeyProps, checkDeletionWindow, isKmsKeyArn } from "../lib/kms";

type Json = Record<string, any>;

const BASE: ServiceKeyProps = { description: "test key", aliasName: "alias/iot-dev-test", accountId: "111111111111", region: "eu-west-1" };

function synth(props: Partial<ServiceKeyProps> = {}): { key: ServiceKey; tf: Json } {
  const stack = new TerraformStack(Testing.app(), "test");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  const key = new ServiceKey(stack, { key: "my_key", alias: "my_key_alias" }, { ...BASE, ...props });
  new TerraformOutput(stack, "key_arn", { value: key.arn });
  return { key, tf: JSON.parse(Testing.synth(stack)) };
}

const policyOf = (tf: Json): Json => JSON.parse(tf.resource.aws_kms_key.my_key.policy);

describe("ServiceKey", () => {
  it("creates the key and alias directly in the scope under the given ids (no extra path segment)", () => {
    const { key, tf } = synth();
    expect(Object.keys(tf.resource.aws_kms_key)).toEqual(["my_key"]);
    expect(tf.resource.aws_kms_alias).toEqual({ my_key_alias: { name: "alias/iot-dev-test", target_key_id: "${aws_kms_key.my_key.key_id}" } });
    expect(tf.resource.aws_kms_key.my_key).toMatchObject({ description: "test key", enable_key_rotation: true, deletion_window_in_days: 30 });
    expect(tf.resource.aws_kms_key.my_key.lifecycle).toBeUndefined();
    expect(tf.output.key_arn.value).toBe("${aws_kms_key.my_key.arn}");
    expect(key.alias.friendlyUniqueId).toBe("my_key_alias");
  });

  it("without grants, the policy is the account statement only", () => {
    expect(policyOf(synth().tf)).toEqual({
      Version: "2012-10-17",
      Statement: [{ Sid: "EnableIamPoliciesOfThisAccount", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111111111111:root" }, Action: "kms:*", Resource: "*" }],
    });
  });

  it("merges cloudwatch-logs grants into one statement scoped to their log group ARNs, then adds service grants in order", () => {
    const grants: KeyGrant[] = [
      { kind: "cloudwatch-logs", logGroupName: "/aws/lambda/a" },
      { kind: "service", sid: "AllowCloudWatchAlarmsToPublish", service: "cloudwatch.amazonaws.com", actions: ["kms:Decrypt", "kms:GenerateDataKey*"] },
      { kind: "cloudwatch-logs", logGroupName: "AWSIotLogsV2" },
    ];
    const [, logs, alarms] = policyOf(synth({ grants }).tf).Statement;
    expect(logs).toEqual({
      Sid: "AllowCloudWatchLogsForItsLogGroups",
      Effect: "Allow",
      Principal: { Service: "logs.eu-west-1.amazonaws.com" },
      Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
      Resource: "*",
      Condition: {
        ArnEquals: {
          "kms:EncryptionContext:aws:logs:arn": ["arn:aws:logs:eu-west-1:111111111111:log-group:/aws/lambda/a", "arn:aws:logs:eu-west-1:111111111111:log-group:AWSIotLogsV2"],
        },
      },
    });
    expect(alarms).toEqual({ Sid: "AllowCloudWatchAlarmsToPublish", Effect: "Allow", Principal: { Service: "cloudwatch.amazonaws.com" }, Action: ["kms:Decrypt", "kms:GenerateDataKey*"], Resource: "*" });
  });

  it("conditions a service grant on aws:SourceAccount and aws:SourceArn when given (confused-deputy protection)", () => {
    const grants: KeyGrant[] = [
      {
        kind: "service",
        sid: "AllowCloudWatchAlarmsToPublish",
        service: "cloudwatch.amazonaws.com",
        actions: ["kms:Decrypt"],
        sourceAccount: "111111111111",
        sourceArnLike: "arn:aws:cloudwatch:eu-west-1:111111111111:alarm:iot-dev-*",
      },
    ];
    const [, statement] = policyOf(synth({ grants }).tf).Statement;
    expect(statement.Condition).toEqual({
      StringEquals: { "aws:SourceAccount": "111111111111" },
      ArnLike: { "aws:SourceArn": "arn:aws:cloudwatch:eu-west-1:111111111111:alarm:iot-dev-*" },
    });
  });

  it("uses the partition's DNS suffix for the logs principal, and a given one over it", () => {
    const cn = policyOf(synth({ partition: "aws-cn", region: "cn-north-1", grants: [{ kind: "cloudwatch-logs", logGroupName: "g" }] }).tf).Statement;
    expect(cn[0].Principal.AWS).toBe("arn:aws-cn:iam::111111111111:root");
    expect(cn[1].Principal.Service).toBe("logs.cn-north-1.amazonaws.com.cn");
    const given = policyOf(synth({ dnsSuffix: "example.test", grants: [{ kind: "cloudwatch-logs", logGroupName: "g" }] }).tf).Statement;
    expect(given[1].Principal.Service).toBe("logs.eu-west-1.example.test");
  });

  it("applies deletion window, prevent_destroy and a complete policy override", () => {
    const { tf } = synth({ deletionWindowInDays: 7, preventDestroy: true, policy: '{"Version":"2012-10-17","Statement":[]}' });
    expect(tf.resource.aws_kms_key.my_key).toMatchObject({ deletion_window_in_days: 7, lifecycle: { prevent_destroy: true }, policy: '{"Version":"2012-10-17","Statement":[]}' });
  });

  const logs = (logGroupName: string): KeyGrant => ({ kind: "cloudwatch-logs", logGroupName });
  const service = (over: Partial<Extract<KeyGrant, { kind: "service" }>> = {}): KeyGrant => ({ kind: "service", sid: "Sns", service: "sns.amazonaws.com", actions: ["kms:Decrypt"], ...over });
  it.each<[string, Partial<ServiceKeyProps>, RegExp]>([
    ["empty description", { description: " " }, /ServiceKey my_key description: must be 1-8192 characters/],
    ["reserved alias", { aliasName: "alias/aws/x" }, /ServiceKey my_key aliasName: KMS alias name "alias\/aws\/x" is invalid/],
    ["alias without prefix", { aliasName: "iot-dev" }, /ServiceKey my_key aliasName: KMS alias name/],
    ["account id", { accountId: "123" }, /ServiceKey my_key accountId: "123" must be a 12-digit AWS account id/],
    ["region", { region: "europe" }, /ServiceKey my_key region: "europe" must look like an AWS region/],
    ["partition", { partition: "aws-iso" }, /ServiceKey my_key partition: "aws-iso" is not one of aws, aws-cn, aws-us-gov/],
    ["deletion window", { deletionWindowInDays: 31 }, /ServiceKey my_key deletionWindowInDays: must be a whole number from 7 to 30, got 31/],
    ["policy and grants", { policy: "{}", grants: [service()] }, /pass either policy .* or grants .*, not both; drop one/],
    ["logs grant without region", { region: undefined, grants: [logs("g")] }, /ServiceKey my_key region: required with a cloudwatch-logs grant/],
    ["bad log group name", { grants: [logs("bad name")] }, /logGroupName: CloudWatch log group name "bad name" is invalid/],
    ["log group granted twice", { grants: [logs("g"), logs("g")] }, /log group "g" is granted twice; list it once/],
    ["sid with a hyphen", { grants: [service({ sid: "a-b" })] }, /grants\["a-b"\]\.sid: must be 1-100 letters and digits/],
    ["sid taken by the account statement", { grants: [service({ sid: "EnableIamPoliciesOfThisAccount" })] }, /\.sid: used twice in the key policy/],
    ["not a service principal", { grants: [service({ service: "arn:aws:iam::111111111111:root" })] }, /\.service: .* is not a service principal/],
    ["no actions", { grants: [service({ actions: [] })] }, /\.actions: list at least one kms: action/],
    ["non-kms action", { grants: [service({ actions: ["s3:GetObject"] })] }, /\.actions: s3:GetObject are not kms: actions/],
    ["unknown grant kind", { grants: [{ kind: "iam" } as unknown as KeyGrant] }, /unknown grant kind "iam"; use "cloudwatch-logs", "service" or "role-via-service"/],
    ["source account not 12 digits", { grants: [service({ sourceAccount: "123" })] }, /\.sourceAccount: "123" must be a 12-digit account id/],
    ["source ARN that is not an ARN", { grants: [service({ sourceArnLike: "alarm:*" })] }, /\.sourceArnLike: "alarm:\*" is not an ARN pattern/],
  ])("rejects %s", (_label, props, message) => {
    expect(() => synth(props)).toThrow(message);
  });
});

describe("KMS helpers", () => {
  it("checkDeletionWindow accepts 7-30 whole days only", () => {
    expect([7, 30].map(checkDeletionWindow)).toEqual([undefined, undefined]);
    expect(checkDeletionWindow(6)).toBe("must be a whole number from 7 to 30, got 6");
    expect(checkDeletionWindow(7.5)).toMatch(/got 7.5/);
  });

  it("isKmsKeyArn accepts key ARNs, not aliases", () => {
    expect(isKmsKeyArn("arn:aws:kms:eu-west-1:111111111111:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b")).toBe(true);
    expect(isKmsKeyArn("arn:aws-cn:kms:cn-north-1:111111111111:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b")).toBe(true);
    expect(isKmsKeyArn("arn:aws:kms:eu-west-1:111111111111:alias/x")).toBe(false);
    expect(isKmsKeyArn("alias/x")).toBe(false);
  });
});

import { TerraformStack, Testing } from "cdktf";
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IotCertificate } from "@cdktf/provider-aws/lib/iot-certificate";
import { IotPolicy } from "@cdktf/provider-aws/lib/iot-policy";
import { IotThing } from "@cdktf/provider-aws/lib/iot-thing";
import { IotTopicRule } from "@cdktf/provider-aws/lib/iot-topic-rule";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import {
  AccountBaseline,
  AccountBaselineProps,
  DEFAULT_EVENT_CONFIGURATIONS,
  IOT_EVENT_TYPES,
  SINGLETON_RESOURCE_TYPES,
  accountRegionFromProvider,
  findSingletonOwners,
  formatSingletonConflicts,
} from "../modules/account-baseline";
import { PREVENT_DESTROY_RESOURCE_TYPES, PreventDestroyAspect, applyPreventDestroy } from "../modules/change-safety";

type Json = Record<string, any>;

const BASE: AccountBaselineProps = {
  namePrefix: "iot-111111111111-eu-west-1",
  accountId: "111111111111",
  region: "eu-west-1",
  namedShadowNames: ["settings", "climate", "settings"],
};

function stackWith(build: (stack: TerraformStack) => void, account = "111111111111", region = "eu-west-1", id = "test"): Json {
  const app = Testing.app();
  const stack = new TerraformStack(app, id);
  new AwsProvider(stack, "aws", { region, allowedAccountIds: [account] });
  build(stack);
  return JSON.parse(Testing.synth(stack));
}

function synthBaseline(props: Partial<AccountBaselineProps> = {}): Json {
  return stackWith((s) => new AccountBaseline(s, "baseline", { ...BASE, ...props }));
}

function only(tf: Json, type: string): Json {
  const all = Object.values(tf.resource?.[type] ?? {}) as Json[];
  expect(all).toHaveLength(1);
  return all[0];
}

function newBaseline(props: Partial<AccountBaselineProps>): () => void {
  return () => {
    const app = Testing.app();
    new AccountBaseline(new TerraformStack(app, "s"), "baseline", { ...BASE, ...props } as AccountBaselineProps);
  };
}

describe("AccountBaseline defaults", () => {
  const tf = synthBaseline();

  test("fleet indexing: registry+shadow, connectivity, named shadows from a sorted de-duplicated filter, thing groups", () => {
    const indexing = only(tf, "aws_iot_indexing_configuration");
    expect(indexing.thing_indexing_configuration).toEqual({
      thing_indexing_mode: "REGISTRY_AND_SHADOW",
      thing_connectivity_indexing_mode: "STATUS",
      named_shadow_indexing_mode: "ON",
      filter: { named_shadow_names: ["climate", "settings"] },
    });
    expect(indexing.thing_group_indexing_configuration).toEqual({ thing_group_indexing_mode: "ON" });
  });

  test("logging options: WARN, logging enabled, the created role, after its policy exists", () => {
    const logging = only(tf, "aws_iot_logging_options");
    const [roleName] = Object.keys(tf.resource.aws_iam_role);
    const [policyName] = Object.keys(tf.resource.aws_iam_role_policy);
    expect(logging.default_log_level).toBe("WARN");
    expect(logging.disable_all_logs).toBe(false);
    expect(logging.role_arn).toBe(`\${aws_iam_role.${roleName}.arn}`);
    const [groupName] = Object.keys(tf.resource.aws_cloudwatch_log_group);
    expect(logging.depends_on).toEqual([`aws_iam_role_policy.${policyName}`, `aws_cloudwatch_log_group.${groupName}`]);
  });

  test("AWSIotLogsV2 is created with a year of retention before IoT would create it without one", () => {
    const group = only(tf, "aws_cloudwatch_log_group");
    expect(group.name).toBe("AWSIotLogsV2");
    expect(group.retention_in_days).toBe(365);
  });

  test("AWSIotLogsV2 is encrypted with a created rotating key that CloudWatch Logs may use for that log group only", () => {
    const [keyName] = Object.keys(tf.resource.aws_kms_key);
    const key = only(tf, "aws_kms_key");
    expect(only(tf, "aws_cloudwatch_log_group").kms_key_id).toBe(`\${aws_kms_key.${keyName}.arn}`);
    expect(key).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30, lifecycle: { prevent_destroy: true } });
    expect(only(tf, "aws_kms_alias")).toEqual({ name: "alias/iot-111111111111-eu-west-1-iot-logs", target_key_id: `\${aws_kms_key.${keyName}.key_id}` });
    expect(JSON.parse(key.policy).Statement).toEqual([
      { Sid: "EnableIamPoliciesOfThisAccount", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111111111111:root" }, Action: "kms:*", Resource: "*" },
      {
        Sid: "AllowCloudWatchLogsForItsLogGroups",
        Effect: "Allow",
        Principal: { Service: "logs.eu-west-1.amazonaws.com" },
        Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        Resource: "*",
        Condition: { ArnEquals: { "kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:111111111111:log-group:AWSIotLogsV2" } },
      },
    ]);
  });

  test("event configurations: every IoT event type is set, platform events on", () => {
    const events = only(tf, "aws_iot_event_configurations").event_configurations;
    expect(Object.keys(events).sort()).toEqual([...IOT_EVENT_TYPES].sort());
    for (const key of ["THING", "THING_GROUP", "THING_GROUP_MEMBERSHIP", "THING_TYPE", "POLICY", "CERTIFICATE"]) expect(events[key]).toBe(true);
    expect(events.JOB).toBe(false);
  });

  test("prevent_destroy on every baseline resource by default", () => {
    for (const type of ["aws_iot_indexing_configuration", "aws_iot_logging_options", "aws_iot_event_configurations", "aws_iam_role", "aws_iam_role_policy", "aws_cloudwatch_log_group", "aws_kms_key"]) {
      expect(only(tf, type).lifecycle).toEqual({ prevent_destroy: true });
    }
  });

  test("names derive from namePrefix", () => {
    expect(only(tf, "aws_iam_role").name).toBe("iot-111111111111-eu-west-1-iot-logging");
  });
});

describe("AccountBaseline logging role is least privilege", () => {
  const tf = synthBaseline();
  const role = only(tf, "aws_iam_role");
  const policy = only(tf, "aws_iam_role_policy");

  test("assumable only by iot.amazonaws.com, only on behalf of this account", () => {
    const trust = JSON.parse(role.assume_role_policy);
    expect(trust.Statement).toHaveLength(1);
    const [st] = trust.Statement;
    expect(st.Effect).toBe("Allow");
    expect(st.Principal).toEqual({ Service: "iot.amazonaws.com" });
    expect(st.Action).toBe("sts:AssumeRole");
    expect(st.Condition).toEqual({ StringEquals: { "aws:SourceAccount": "111111111111" } });
  });

  test("only writes log streams and events, only on AWSIotLogsV2 of this account and region", () => {
    const doc = JSON.parse(policy.policy);
    expect(doc.Statement).toHaveLength(1);
    const [st] = doc.Statement;
    expect(st.Effect).toBe("Allow");
    expect([...st.Action].sort()).toEqual(["logs:CreateLogStream", "logs:PutLogEvents"]);
    // Terraform creates the group with its retention and key: IoT must not create, re-retain or add filters to it.
    for (const action of ["logs:CreateLogGroup", "logs:PutRetentionPolicy", "logs:PutMetricFilter"]) expect(st.Action).not.toContain(action);
    expect(st.Resource).toEqual(["arn:aws:logs:eu-west-1:111111111111:log-group:AWSIotLogsV2:*"]);
    expect(JSON.stringify(doc)).not.toMatch(/"\*"|logs:\*|iot:/);
  });

  test("partition and permissions boundary are honoured", () => {
    const cn = synthBaseline({ partition: "aws-cn", region: "cn-north-1", loggingRole: { permissionsBoundaryArn: "arn:aws-cn:iam::111111111111:policy/boundary" } });
    expect(JSON.parse(only(cn, "aws_iam_role_policy").policy).Statement[0].Resource).toEqual(["arn:aws-cn:logs:cn-north-1:111111111111:log-group:AWSIotLogsV2:*"]);
    const [account, logs] = JSON.parse(only(cn, "aws_kms_key").policy).Statement;
    expect(account.Principal).toEqual({ AWS: "arn:aws-cn:iam::111111111111:root" });
    expect(logs.Principal).toEqual({ Service: "logs.cn-north-1.amazonaws.com.cn" });
    expect(logs.Condition.ArnEquals["kms:EncryptionContext:aws:logs:arn"]).toBe("arn:aws-cn:logs:cn-north-1:111111111111:log-group:AWSIotLogsV2");
    expect(only(cn, "aws_iam_role").permissions_boundary).toBe("arn:aws-cn:iam::111111111111:policy/boundary");
  });
});

describe("AccountBaseline options", () => {
  test("no named shadows: named shadow indexing OFF and no filter", () => {
    const indexing = only(synthBaseline({ namedShadowNames: [] }), "aws_iot_indexing_configuration");
    expect(indexing.thing_indexing_configuration.named_shadow_indexing_mode).toBe("OFF");
    expect(indexing.thing_indexing_configuration.filter).toBeUndefined();
  });

  test("reordered or duplicated shadow names synthesize the same filter", () => {
    const a = only(synthBaseline({ namedShadowNames: ["b", "a", "c"] }), "aws_iot_indexing_configuration");
    const b = only(synthBaseline({ namedShadowNames: ["c", "a", "b", "a"] }), "aws_iot_indexing_configuration");
    expect(a).toEqual(b);
  });

  test("custom fields for aggregation queries", () => {
    const indexing = only(synthBaseline({ customFields: [{ name: "shadow.name.climate.reported.temperature", type: "Number" }] }), "aws_iot_indexing_configuration");
    expect(indexing.thing_indexing_configuration.custom_field).toEqual([{ name: "shadow.name.climate.reported.temperature", type: "Number" }]);
  });

  test("log level per environment class; DISABLED also disables all logs", () => {
    expect(only(synthBaseline({ logLevel: "INFO" }), "aws_iot_logging_options").default_log_level).toBe("INFO");
    const off = only(synthBaseline({ logLevel: "DISABLED" }), "aws_iot_logging_options");
    expect(off.default_log_level).toBe("DISABLED");
    expect(off.disable_all_logs).toBe(true);
  });

  test("event overrides replace single keys and keep the other defaults", () => {
    const events = only(synthBaseline({ eventConfigurations: { JOB: true, POLICY: false } }), "aws_iot_event_configurations").event_configurations;
    expect(events).toEqual({ ...DEFAULT_EVENT_CONFIGURATIONS, JOB: true, POLICY: false });
  });

  test("existing logging role: no role created, its ARN is used", () => {
    const tf = synthBaseline({ existingLoggingRoleArn: "arn:aws:iam::111111111111:role/iot-logging" });
    expect(tf.resource.aws_iam_role).toBeUndefined();
    expect(tf.resource.aws_iam_role_policy).toBeUndefined();
    expect(only(tf, "aws_iot_logging_options").role_arn).toBe("arn:aws:iam::111111111111:role/iot-logging");
  });

  test("log group overrides, or no log group at all", () => {
    const kms = "arn:aws:kms:eu-west-1:111111111111:key/0f2d6d6e-1111-2222-3333-444455556666";
    const withKey = synthBaseline({ logGroup: { retentionInDays: 731, kmsKeyArn: kms } });
    expect(only(withKey, "aws_cloudwatch_log_group")).toMatchObject({ retention_in_days: 731, kms_key_id: kms });
    expect(withKey.resource.aws_kms_key).toBeUndefined();
    expect(withKey.resource.aws_kms_alias).toBeUndefined();
    const unmanaged = synthBaseline({ manageLogGroup: false });
    expect(unmanaged.resource.aws_cloudwatch_log_group).toBeUndefined();
    expect(unmanaged.resource.aws_kms_key).toBeUndefined();
    expect(only(unmanaged, "aws_iot_logging_options").depends_on).toHaveLength(1);
  });

  test("preventDestroy: false leaves lifecycle off", () => {
    const tf = synthBaseline({ preventDestroy: false });
    expect(JSON.stringify(tf.resource)).not.toContain("prevent_destroy");
  });

  test("construct IDs do not depend on props (stable addresses)", () => {
    const a = synthBaseline();
    const b = synthBaseline({ namedShadowNames: [], logLevel: "ERROR" });
    for (const type of [...SINGLETON_RESOURCE_TYPES, "aws_cloudwatch_log_group", "aws_kms_key", "aws_kms_alias"]) expect(Object.keys(a.resource[type])).toEqual(Object.keys(b.resource[type]));
  });
});

describe("AccountBaseline rejects invalid props with the field and the fix", () => {
  test.each<[string, Partial<AccountBaselineProps>, RegExp]>([
    ["namePrefix", { namePrefix: "iot_dev" }, /namePrefix "iot_dev" is invalid; use letters and digits joined by single hyphens/],
    ["accountId", { accountId: "12345" }, /AccountBaseline accountId: "12345" must be a 12-digit AWS account id/],
    ["region", { region: "europe" }, /AccountBaseline region: "europe" must look like an AWS region/],
    ["role name length", { namePrefix: "x".repeat(60) }, /loggingRole\.name \(shorten namePrefix or set loggingRole\.name\): IAM role name .* is 72 characters long; allowed 1-64/],
    [
      "existing role and overrides",
      { existingLoggingRoleArn: "arn:aws:iam::111111111111:role/r", loggingRole: { name: "r" } },
      /pass either existingLoggingRoleArn \(use your role\) or loggingRole \(overrides for a new role\), not both/,
    ],
    ["existing role ARN", { existingLoggingRoleArn: "role/r" }, /existingLoggingRoleArn "role\/r" is not an IAM role ARN/],
    ["shadow name", { namedShadowNames: ["bad name"] }, /namedShadowNames: shadow name "bad name" is invalid/],
    ["filter quota", { namedShadowNames: Array.from({ length: 11 }, (_, i) => `s${i}`) }, /11 names but the fleet indexing filter allows 10; .*maxNamedShadowNames/],
    ["named indexing without names", { namedShadowNames: [], namedShadowIndexing: true }, /namedShadowIndexing is true but namedShadowNames is empty/],
    ["names with indexing off", { namedShadowIndexing: false }, /namedShadowNames are given but namedShadowIndexing is false/],
    ["named indexing needs shadows", { thingIndexing: "REGISTRY" }, /named shadow indexing needs thingIndexing "REGISTRY_AND_SHADOW", got "REGISTRY"/],
    ["connectivity without indexing", { namedShadowNames: [], thingIndexing: "OFF" }, /thingConnectivityIndexing needs thing indexing/],
    ["thingIndexing value", { thingIndexing: "ALL" as never }, /thingIndexing "ALL" is invalid; allowed: OFF, REGISTRY, REGISTRY_AND_SHADOW/],
    ["logLevel value", { logLevel: "TRACE" as never }, /logLevel "TRACE" is invalid; allowed: DEBUG, INFO, ERROR, WARN, DISABLED/],
    ["event key", { eventConfigurations: { THINGS: true } as never }, /eventConfigurations key "THINGS" is not an IoT event type; allowed: THING,/],
    ["event value", { eventConfigurations: { THING: "yes" } as never }, /eventConfigurations\.THING must be true or false/],
    ["log retention", { logGroup: { retentionInDays: 100 } }, /logGroup\.retentionInDays 100 is not a CloudWatch Logs retention; allowed: 1, 3, 5/],
    ["log group key", { logGroup: { kmsKeyArn: "alias/x" } }, /logGroup\.kmsKeyArn "alias\/x" is not a KMS key ARN/],
    ["log group key alias length", { namePrefix: "x".repeat(250), loggingRole: { name: "r" } }, /namePrefix \(log group key alias; shorten namePrefix\): KMS alias name .* allowed 7-256/],
    ["log group overrides without a log group", { manageLogGroup: false, logGroup: {} }, /logGroup overrides need manageLogGroup: true/],
    ["custom field name", { customFields: [{ name: "temperature", type: "Number" }] }, /customFields name "temperature" is invalid/],
    ["custom field type", { customFields: [{ name: "attributes.model", type: "Text" as never }] }, /customFields "attributes.model" type "Text" is invalid/],
    [
      "duplicate custom field",
      { customFields: [{ name: "attributes.model", type: "String" }, { name: "attributes.model", type: "String" }] },
      /customFields lists "attributes.model" twice/,
    ],
  ])("%s", (_label, props, message) => {
    expect(newBaseline(props)).toThrow(message);
  });

  test("a raised quota admits more names, up to the quota, and indexes every one of them", () => {
    const names = (n: number) => Array.from({ length: n }, (_, i) => `s${String(i).padStart(2, "0")}`);
    const indexing = only(synthBaseline({ namedShadowNames: names(20), maxNamedShadowNames: 20 }), "aws_iot_indexing_configuration");
    expect(indexing.thing_indexing_configuration.filter.named_shadow_names).toEqual(names(20));
    expect(newBaseline({ namedShadowNames: names(21), maxNamedShadowNames: 20 })).toThrow(/namedShadowNames has 21 names but the fleet indexing filter allows 20/);
  });
});

describe("singleton ownership", () => {
  const baselineStack = (account: string, region: string, id: string) =>
    stackWith((s) => new AccountBaseline(s, "baseline", { ...BASE, accountId: account, region }), account, region, id);
  const envStack = (account: string, region: string, id: string) =>
    stackWith((s) => new DynamodbTable(s, "history", { name: "h", hashKey: "pk", attribute: [{ name: "pk", type: "S" }] }), account, region, id);

  test("one baseline per account/region and environment stacks without singletons: no conflict", () => {
    const stacks = {
      "iot-111111111111-eu-west-1-baseline": baselineStack("111111111111", "eu-west-1", "a"),
      "iot-222222222222-eu-west-1-baseline": baselineStack("222222222222", "eu-west-1", "b"),
      "iot-111111111111-us-east-1-baseline": baselineStack("111111111111", "us-east-1", "c"),
      "iot-dev-data": envStack("111111111111", "eu-west-1", "d"),
    };
    expect(findSingletonOwners(stacks, accountRegionFromProvider)).toEqual([]);
  });

  test("two stacks in the same account and region declaring the singletons are reported per type", () => {
    const stacks = {
      "iot-dev-platform": baselineStack("111111111111", "eu-west-1", "a"),
      "iot-111111111111-eu-west-1-baseline": baselineStack("111111111111", "eu-west-1", "b"),
    };
    const conflicts = findSingletonOwners(stacks);
    expect(conflicts.map((c) => c.type).sort()).toEqual([...SINGLETON_RESOURCE_TYPES].sort());
    for (const c of conflicts) {
      expect(c.accountRegion).toBe("111111111111/eu-west-1");
      expect(c.stacks).toEqual(["iot-111111111111-eu-west-1-baseline", "iot-dev-platform"]);
    }
    expect(formatSingletonConflicts(conflicts)).toMatch(/aws_iot_logging_options in 111111111111\/eu-west-1: iot-111111111111-eu-west-1-baseline: aws_iot_logging_options\.\S+, iot-dev-platform:/);
  });

  test("two declarations inside one stack are a conflict too", () => {
    const tf = stackWith((s) => {
      new AccountBaseline(s, "one", BASE);
      new AccountBaseline(s, "two", { ...BASE, loggingRole: { name: "second-iot-logging" } });
    });
    const conflicts = findSingletonOwners({ solo: tf });
    expect(conflicts).toHaveLength(3);
    expect(conflicts[0].stacks).toEqual(["solo"]);
    expect(conflicts[0].declarations).toHaveLength(2);
  });

  test("the account/region comes from the provider; a stack without a pinned account is rejected", () => {
    expect(accountRegionFromProvider("x", baselineStack("333333333333", "eu-central-1", "x"))).toBe("333333333333/eu-central-1");
    const unpinned = JSON.parse(
      Testing.synthScope((scope) => {
        new AwsProvider(scope, "aws", { region: "eu-west-1" });
        new AccountBaseline(scope, "baseline", BASE);
      }),
    );
    expect(() => findSingletonOwners({ unpinned })).toThrow(/stack "unpinned": its aws provider must set region and allowed_account_ids/);
  });
});

describe("applyPreventDestroy", () => {
  function statefulZoo(stack: TerraformStack): void {
    const nested = new Construct(stack, "identity");
    new IotCertificate(nested, "cert", { active: true, csr: "csr" });
    new IotThing(nested, "thing", { name: "t1" });
    new IotPolicy(nested, "policy", { name: "p", policy: "{}" });
    new DynamodbTable(stack, "table", { name: "h", hashKey: "pk", attribute: [{ name: "pk", type: "S" }], lifecycle: { ignoreChanges: ["read_capacity"] } });
    new KmsKey(stack, "key", {});
    new S3Bucket(stack, "bucket", { bucket: "state-bucket-111111111111" });
    new SqsQueue(stack, "queue", { name: "q" });
    new IotTopicRule(stack, "rule", { name: "r", enabled: true, sql: "SELECT * FROM 't'", sqlVersion: "2016-03-23" });
    new IamRole(stack, "role", { name: "r", assumeRolePolicy: "{}" });
  }

  const lifecycles = (tf: Json): Record<string, Json | undefined> => {
    const out: Record<string, Json | undefined> = {};
    for (const [type, byName] of Object.entries(tf.resource as Json)) {
      for (const cfg of Object.values(byName as Json)) out[type] = (cfg as Json).lifecycle;
    }
    return out;
  };

  test("enabled: prevent_destroy on the data-holding types (ours and common neighbours), never on rules, queues or roles", () => {
    const tf = stackWith((s) => {
      applyPreventDestroy(s, true);
      statefulZoo(s);
    });
    const lc = lifecycles(tf);
    expect([...PREVENT_DESTROY_RESOURCE_TYPES].sort()).toEqual([
      "aws_cognito_user_pool",
      "aws_db_instance",
      "aws_dynamodb_table",
      "aws_ecr_repository",
      "aws_efs_file_system",
      "aws_elasticache_replication_group",
      "aws_elasticache_serverless_cache",
      "aws_iot_certificate",
      "aws_iot_policy",
      "aws_iot_thing",
      "aws_kms_key",
      "aws_opensearch_domain",
      "aws_rds_cluster",
      "aws_s3_bucket",
      "aws_secretsmanager_secret",
    ]);
    // The zoo holds the platform's own data-holding types; each gets prevent_destroy.
    for (const type of ["aws_dynamodb_table", "aws_iot_certificate", "aws_iot_policy", "aws_iot_thing", "aws_kms_key", "aws_s3_bucket"]) {
      expect(lc[type]?.prevent_destroy).toBe(true);
    }
    for (const type of ["aws_sqs_queue", "aws_iot_topic_rule", "aws_iam_role"]) expect(lc[type]?.prevent_destroy).toBeUndefined();
    expect(lc.aws_dynamodb_table).toEqual({ ignore_changes: ["read_capacity"], prevent_destroy: true });
  });

  test("disabled (dev): no prevent_destroy anywhere, even where a module set it; other lifecycle settings stay", () => {
    const tf = stackWith((s) => {
      statefulZoo(s);
      new KmsKey(s, "module_key", { lifecycle: { preventDestroy: true } });
      applyPreventDestroy(s, false);
    });
    expect(JSON.stringify(tf)).not.toContain("prevent_destroy");
    expect(lifecycles(tf).aws_dynamodb_table).toEqual({ ignore_changes: ["read_capacity"] });
  });

  test("the aspect validates its props", () => {
    expect(() => new PreventDestroyAspect({ enabled: "yes" as never })).toThrow(/enabled must be true or false/);
    expect(() => new PreventDestroyAspect({ enabled: true, resourceTypes: ["DynamoDB"] })).toThrow(/resourceTypes must be Terraform type names .*invalid: DynamoDB/);
  });
});

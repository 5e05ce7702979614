import { Testing, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { HistoryStore, HistoryStoreProps, dynamodbViaService, historyTableCreateInput } from "../modules/history-store";

type Json = Record<string, any>;

function synth(props: HistoryStoreProps): { store: HistoryStore; tf: Json } {
  const app = Testing.app();
  const stack = new TerraformStack(app, "test");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  const store = new HistoryStore(stack, "history", props);
  return { store, tf: JSON.parse(Testing.synth(stack)) };
}

/** The only resource (or data source) of a type, with its logical name. */
function only(tf: Json, type: string, block: "resource" | "data" = "resource"): [string, Json] {
  const entries = Object.entries(tf[block]?.[type] ?? {});
  expect(entries).toHaveLength(1);
  return entries[0] as [string, Json];
}

const ref = (type: string, name: string, attr: string) => `\${${type}.${name}.${attr}}`;

describe("HistoryStore defaults", () => {
  const { store, tf } = synth({ tableName: "iot-dev-shadow-history" });
  const [, table] = only(tf, "aws_dynamodb_table");
  const [keyName, key] = only(tf, "aws_kms_key");

  it("keys one item per (thing, shadow, version) and indexes thing + time", () => {
    expect(table).toMatchObject({
      name: "iot-dev-shadow-history",
      billing_mode: "PAY_PER_REQUEST",
      hash_key: "thingName",
      range_key: "shadowVersion",
      table_class: "STANDARD",
    });
    expect(table.attribute).toEqual([
      { name: "thingName", type: "S" },
      { name: "shadowVersion", type: "S" },
      { name: "updatedAt", type: "N" },
    ]);
    expect(table.global_secondary_index).toEqual([{ name: "byThingTime", hash_key: "thingName", range_key: "updatedAt", projection_type: "ALL" }]);
    expect(table.read_capacity).toBeUndefined();
  });

  it("synthesizes the same key schema the local test server uses", () => {
    const input = historyTableCreateInput("x");
    expect(table.attribute).toEqual(input.AttributeDefinitions.map((a) => ({ name: a.AttributeName, type: a.AttributeType })));
    expect([table.hash_key, table.range_key]).toEqual(input.KeySchema.map((k) => k.AttributeName));
    const [gsi] = input.GlobalSecondaryIndexes;
    expect(table.global_secondary_index[0]).toMatchObject({ name: gsi.IndexName, hash_key: gsi.KeySchema[0].AttributeName, range_key: gsi.KeySchema[1].AttributeName });
  });

  it("turns on PITR, SSE with its own rotating customer managed key, and deletion protection", () => {
    expect(table.point_in_time_recovery).toEqual({ enabled: true });
    expect(table.server_side_encryption).toEqual({ enabled: true, kms_key_arn: ref("aws_kms_key", keyName, "arn") });
    expect(table.deletion_protection_enabled).toBe(true);
    expect(key).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30 });
    // Explicit policy, same meaning as AWS's default: the account's IAM policies govern the key (DynamoDB uses it on the writer's behalf).
    expect(JSON.parse(key.policy).Statement).toEqual([
      {
        Sid: "EnableIamPoliciesOfThisAccount",
        Effect: "Allow",
        Principal: { AWS: expect.stringMatching(/^arn:\$\{data\.aws_partition\.\w+\.partition\}:iam::\$\{data\.aws_caller_identity\.\w+\.account_id\}:root$/) },
        Action: "kms:*",
        Resource: "*",
      },
    ]);
    expect(only(tf, "aws_kms_alias")[1]).toMatchObject({ name: "alias/iot-dev-shadow-history", target_key_id: ref("aws_kms_key", keyName, "key_id") });
    expect(store.kmsKey).toBeDefined();
  });

  it("has no TTL, no prevent_destroy and no autoscaling unless asked", () => {
    expect(table.ttl).toBeUndefined();
    expect(table.lifecycle).toEqual({ prevent_destroy: false });
    expect(key.lifecycle).toBeUndefined();
    expect(tf.resource.aws_appautoscaling_target).toBeUndefined();
    expect(store.scalingTargets).toEqual([]);
  });

  it("outputs a writer policy with exactly PutItem on the table and the key use DynamoDB needs", () => {
    const [tableName] = only(tf, "aws_dynamodb_table");
    const [, policy] = only(tf, "aws_iam_policy_document", "data");
    expect(policy.statement).toEqual([
      { sid: "PutHistoryItems", effect: "Allow", actions: ["dynamodb:PutItem"], resources: [ref("aws_dynamodb_table", tableName, "arn")] },
      {
        sid: "UseHistoryTableKeyThroughDynamoDB",
        effect: "Allow",
        actions: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
        resources: [ref("aws_kms_key", keyName, "arn")],
        // Only DynamoDB of the stack's region may use the key for a writer.
        condition: [{ test: "StringEquals", variable: "kms:ViaService", values: [expect.stringMatching(/^dynamodb\.\$\{data\.aws_region\.\w+\.region\}\.\$\{data\.aws_partition\.\w+\.dns_suffix\}$/)] }],
      },
    ]);
    expect(dynamodbViaService({ region: "eu-west-1" })).toBe("dynamodb.eu-west-1.amazonaws.com");
    expect(dynamodbViaService({ region: "cn-north-1", dnsSuffix: "amazonaws.com.cn" })).toBe("dynamodb.cn-north-1.amazonaws.com.cn");
    expect(store.writerPolicyJson).toMatch(/^\$\{TfToken\[/);
    expect(Object.keys(store.ref)).toEqual(["name", "arn", "kmsKeyArn"]);
  });
});

describe("HistoryStore options", () => {
  it("prod-style: prevent_destroy on table and key, retention through TTL, infrequent-access class", () => {
    const { store, tf } = synth({ tableName: "iot-prod-shadow-history", preventDestroy: true, ttlDays: 400, tableClass: "STANDARD_INFREQUENT_ACCESS" });
    const [, table] = only(tf, "aws_dynamodb_table");
    expect(table.lifecycle.prevent_destroy).toBe(true);
    expect(only(tf, "aws_kms_key")[1].lifecycle.prevent_destroy).toBe(true);
    expect(table.ttl).toEqual({ attribute_name: "expiresAt", enabled: true });
    expect(table.table_class).toBe("STANDARD_INFREQUENT_ACCESS");
    expect(store.ttlDays).toBe(400);
  });

  it("dev can turn deletion protection and PITR off explicitly", () => {
    const [, table] = only(synth({ tableName: "iot-dev-h", deletionProtection: false, pointInTimeRecovery: false }).tf, "aws_dynamodb_table");
    expect(table.deletion_protection_enabled).toBe(false);
    expect(table.point_in_time_recovery).toEqual({ enabled: false });
  });

  it("uses an existing key instead of creating one", () => {
    const arn = "arn:aws:kms:eu-west-1:111111111111:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b";
    const { store, tf } = synth({ tableName: "iot-dev-h", existingKmsKeyArn: arn });
    expect(tf.resource.aws_kms_key).toBeUndefined();
    expect(only(tf, "aws_dynamodb_table")[1].server_side_encryption).toEqual({ enabled: true, kms_key_arn: arn });
    expect(only(tf, "aws_iam_policy_document", "data")[1].statement[1].resources).toEqual([arn]);
    expect(store.kmsKey).toBeUndefined();
    expect(store.kmsKeyArn).toBe(arn);
  });

  it("applies key overrides", () => {
    const { tf } = synth({ tableName: "iot-dev-h", kmsKeyProps: { deletionWindowInDays: 7, aliasName: "alias/custom", description: "d", policy: '{"Version":"2012-10-17"}' } });
    expect(only(tf, "aws_kms_key")[1]).toMatchObject({ deletion_window_in_days: 7, description: "d", policy: '{"Version":"2012-10-17"}' });
    expect(only(tf, "aws_kms_alias")[1].name).toBe("alias/custom");
  });

  it("provisioned billing sets capacities and autoscales table and index reads and writes", () => {
    const { store, tf } = synth({ tableName: "iot-prod-h", billingMode: "PROVISIONED", provisionedCapacity: { readCapacity: 5, writeCapacity: 10, maxCapacity: 100 } });
    const [tableName, table] = only(tf, "aws_dynamodb_table");
    expect(table).toMatchObject({ billing_mode: "PROVISIONED", read_capacity: 5, write_capacity: 10 });
    expect(table.global_secondary_index[0]).toMatchObject({ read_capacity: 5, write_capacity: 10 });
    expect(table.lifecycle.ignore_changes).toEqual(["read_capacity", "write_capacity", "global_secondary_index"]);

    const targets = Object.values(tf.resource.aws_appautoscaling_target) as Json[];
    const tableId = `table/${ref("aws_dynamodb_table", tableName, "name")}`;
    expect(targets.map((t) => [t.resource_id, t.scalable_dimension, t.min_capacity, t.max_capacity]).sort()).toEqual(
      [
        [tableId, "dynamodb:table:ReadCapacityUnits", 5, 100],
        [tableId, "dynamodb:table:WriteCapacityUnits", 10, 100],
        [`${tableId}/index/byThingTime`, "dynamodb:index:ReadCapacityUnits", 5, 100],
        [`${tableId}/index/byThingTime`, "dynamodb:index:WriteCapacityUnits", 10, 100],
      ].sort(),
    );
    const policies = Object.values(tf.resource.aws_appautoscaling_policy) as Json[];
    expect(policies).toHaveLength(4);
    for (const p of policies) {
      expect(p.policy_type).toBe("TargetTrackingScaling");
      expect(p.target_tracking_scaling_policy_configuration.target_value).toBe(70);
    }
    expect(policies.map((p) => p.target_tracking_scaling_policy_configuration.predefined_metric_specification.predefined_metric_type).sort()).toEqual([
      "DynamoDBReadCapacityUtilization",
      "DynamoDBReadCapacityUtilization",
      "DynamoDBWriteCapacityUtilization",
      "DynamoDBWriteCapacityUtilization",
    ]);
    expect(store.scalingTargets).toHaveLength(4);
  });

  it("keeps logical ids stable and independent of options (no positional ids)", () => {
    const a = synth({ tableName: "iot-dev-h" }).tf;
    const b = synth({ tableName: "iot-dev-h", ttlDays: 30, preventDestroy: true }).tf;
    expect(Object.keys(a.resource.aws_dynamodb_table)).toEqual(Object.keys(b.resource.aws_dynamodb_table));
    expect(Object.keys(a.resource.aws_kms_key)).toEqual(Object.keys(b.resource.aws_kms_key));
  });
});

describe("HistoryStore rejects invalid props", () => {
  const key = "arn:aws:kms:eu-west-1:111111111111:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b";
  const cases: [string, HistoryStoreProps, RegExp][] = [
    ["a too short table name", { tableName: "ab" }, /HistoryStore tableName: DynamoDB table name "ab" is 2 characters long/],
    ["a table name with spaces", { tableName: "shadow history" }, /HistoryStore tableName: .*allowed: letters, digits, '_', '-' and '.'/],
    ["an unknown billing mode", { tableName: "h-t", billingMode: "ON_DEMAND" as never }, /billingMode: "ON_DEMAND" is not one of PAY_PER_REQUEST, PROVISIONED/],
    ["an unknown table class", { tableName: "h-t", tableClass: "COLD" as never }, /tableClass: "COLD" is not one of/],
    ["PROVISIONED without capacity", { tableName: "h-t", billingMode: "PROVISIONED" }, /provisionedCapacity: required when billingMode is PROVISIONED/],
    ["capacity with on-demand billing", { tableName: "h-t", provisionedCapacity: { readCapacity: 1, writeCapacity: 1, maxCapacity: 2 } }, /provisionedCapacity: only valid with billingMode "PROVISIONED"/],
    ["maxCapacity below a minimum", { tableName: "h-t", billingMode: "PROVISIONED", provisionedCapacity: { readCapacity: 5, writeCapacity: 20, maxCapacity: 10 } }, /provisionedCapacity.maxCapacity \(at least readCapacity and writeCapacity\): must be a whole number from 20/],
    ["a target utilisation over 90", { tableName: "h-t", billingMode: "PROVISIONED", provisionedCapacity: { readCapacity: 1, writeCapacity: 1, maxCapacity: 2, targetUtilizationPercent: 95 } }, /targetUtilizationPercent: must be a whole number from 20 to 90/],
    ["ttlDays 0", { tableName: "h-t", ttlDays: 0 }, /HistoryStore ttlDays: must be a whole number from 1/],
    ["an existing key and key overrides", { tableName: "h-t", existingKmsKeyArn: key, kmsKeyProps: { deletionWindowInDays: 7 } }, /either existingKmsKeyArn or kmsKeyProps, not both; drop kmsKeyProps/],
    ["an alias instead of a key ARN", { tableName: "h-t", existingKmsKeyArn: "arn:aws:kms:eu-west-1:111111111111:alias/history" }, /existingKmsKeyArn: .* is not a KMS key ARN/],
    ["a deletion window under 7 days", { tableName: "h-t", kmsKeyProps: { deletionWindowInDays: 5 } }, /kmsKeyProps.deletionWindowInDays: must be a whole number from 7 to 30, got 5/],
    ["a reserved alias", { tableName: "h-t", kmsKeyProps: { aliasName: "alias/aws/history" } }, /kmsKeyProps.aliasName: KMS alias name/],
  ];
  it.each(cases)("%s", (_label, props, message) => {
    expect(() => synth(props)).toThrow(message);
  });
});


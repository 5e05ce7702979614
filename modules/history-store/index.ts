/**
 * Shadow history storage: one DynamoDB item per (thing, shadow, version),
 * encrypted with a customer managed KMS key, with point-in-time recovery and
 * deletion protection on by default.
 */
import { createHash } from "node:crypto";
import { Token } from "cdktf";
import { Construct } from "constructs";
import { AppautoscalingPolicy } from "@cdktf/provider-aws/lib/appautoscaling-policy";
import { AppautoscalingTarget } from "@cdktf/provider-aws/lib/appautoscaling-target";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { AWS_NAME_RULES, assertName } from "../../lib/aws-names";
import { ServiceKey, checkDeletionWindow, isKmsKeyArn } from "../../lib/kms";
import { historyWriterStatements } from "./iam";
import { KEY_ATTRIBUTES, TABLE_KEY_SCHEMA, TIME_INDEX_KEY_SCHEMA, TIME_INDEX_NAME, TTL_ATTRIBUTE } from "./schema";

export * from "./schema";
export { timeRangeQuery, versionsQuery } from "./queries";
export type { HistoryQuery } from "./queries";
export { dynamodbViaService, historyWriterStatements } from "./iam";
export type { HistoryKeyScope, PolicyCondition, PolicyStatementSpec } from "./iam";

export type BillingMode = "PAY_PER_REQUEST" | "PROVISIONED";
export type TableClass = "STANDARD" | "STANDARD_INFREQUENT_ACCESS";

export interface ProvisionedCapacity {
  /** Minimum (and initial) read capacity of the table and its index. */
  readonly readCapacity: number;
  /** Minimum (and initial) write capacity of the table and its index. */
  readonly writeCapacity: number;
  /** Autoscaling ceiling for reads and writes. */
  readonly maxCapacity: number;
  /** Target utilisation autoscaling keeps, 20-90. @default 70 */
  readonly targetUtilizationPercent?: number;
}

/** Overrides for the KMS key the store creates. */
export interface HistoryKeyProps {
  /** @default "Shadow history table <tableName>" */
  readonly description?: string;
  /** Waiting period before a deleted key is gone, 7-30 days. @default 30 */
  readonly deletionWindowInDays?: number;
  /** @default "alias/<tableName>" (dots replaced by hyphens) */
  readonly aliasName?: string;
  /** Complete key policy JSON. @default the account root statement only (access is governed by IAM; DynamoDB uses the key on the caller's behalf) */
  readonly policy?: string;
}

export interface HistoryStoreProps {
  /** DynamoDB table name (3-255 of letters, digits, `_`, `-`, `.`). */
  readonly tableName: string;
  /** @default "PAY_PER_REQUEST" */
  readonly billingMode?: BillingMode;
  /** Capacity and autoscaling; required with PROVISIONED, rejected otherwise. @default undefined */
  readonly provisionedCapacity?: ProvisionedCapacity;
  /** Enables TTL on `expiresAt`; the processor writes it from the same number of days. @default undefined (keep forever) */
  readonly ttlDays?: number;
  /** @default "STANDARD" */
  readonly tableClass?: TableClass;
  /** @default true */
  readonly deletionProtection?: boolean;
  /** @default true */
  readonly pointInTimeRecovery?: boolean;
  /** Encrypt with this existing key (a key ARN, not an alias) instead of creating one. Never together with kmsKeyProps. @default undefined */
  readonly existingKmsKeyArn?: string;
  /** Overrides for the key the store creates. Never together with existingKmsKeyArn. @default undefined */
  readonly kmsKeyProps?: HistoryKeyProps;
  /** Sets Terraform `prevent_destroy` on the table and the key. @default false */
  readonly preventDestroy?: boolean;
}

/** What a writer in another stack needs (plain strings resolve through remote state). */
export interface HistoryTableRef {
  readonly name: string;
  readonly arn: string;
  readonly kmsKeyArn: string;
}

const BILLING_MODES: readonly BillingMode[] = ["PAY_PER_REQUEST", "PROVISIONED"];
const TABLE_CLASSES: readonly TableClass[] = ["STANDARD", "STANDARD_INFREQUENT_ACCESS"];

function assertInt(value: number, min: number, max: number, field: string): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`HistoryStore ${field}: must be a whole number from ${min} to ${max}, got ${value}`);
  }
}

function validate(props: HistoryStoreProps): void {
  assertName("dynamodbTable", props.tableName, "HistoryStore tableName");
  // Fixed by ./schema, checked here so an edit there cannot synthesize a table AWS refuses.
  assertName("dynamodbIndex", TIME_INDEX_NAME, "HistoryStore index name (schema.ts TIME_INDEX_NAME)");
  for (const key of [...KEY_ATTRIBUTES.map((a) => a.name), TTL_ATTRIBUTE]) assertName("dynamodbAttribute", key, "HistoryStore key or TTL attribute name (schema.ts)");
  const billingMode = props.billingMode ?? "PAY_PER_REQUEST";
  if (!BILLING_MODES.includes(billingMode)) {
    throw new Error(`HistoryStore billingMode: "${billingMode}" is not one of ${BILLING_MODES.join(", ")}`);
  }
  if (props.tableClass !== undefined && !TABLE_CLASSES.includes(props.tableClass)) {
    throw new Error(`HistoryStore tableClass: "${props.tableClass}" is not one of ${TABLE_CLASSES.join(", ")}`);
  }
  const cap = props.provisionedCapacity;
  if (billingMode === "PROVISIONED" && !cap) {
    throw new Error("HistoryStore provisionedCapacity: required when billingMode is PROVISIONED; set readCapacity, writeCapacity and maxCapacity");
  }
  if (billingMode === "PAY_PER_REQUEST" && cap) {
    throw new Error('HistoryStore provisionedCapacity: only valid with billingMode "PROVISIONED"; drop it or set billingMode');
  }
  if (cap) {
    assertInt(cap.readCapacity, 1, 40_000, "provisionedCapacity.readCapacity");
    assertInt(cap.writeCapacity, 1, 40_000, "provisionedCapacity.writeCapacity");
    assertInt(cap.maxCapacity, Math.max(cap.readCapacity, cap.writeCapacity), 40_000, "provisionedCapacity.maxCapacity (at least readCapacity and writeCapacity)");
    if (cap.targetUtilizationPercent !== undefined) assertInt(cap.targetUtilizationPercent, 20, 90, "provisionedCapacity.targetUtilizationPercent");
  }
  if (props.ttlDays !== undefined) assertInt(props.ttlDays, 1, 36_500, "ttlDays");
  if (props.existingKmsKeyArn !== undefined && props.kmsKeyProps !== undefined) {
    throw new Error("HistoryStore: pass either existingKmsKeyArn or kmsKeyProps, not both; drop kmsKeyProps to use the existing key");
  }
  const arn = props.existingKmsKeyArn;
  if (arn !== undefined && !Token.isUnresolved(arn) && !isKmsKeyArn(arn)) {
    throw new Error(`HistoryStore existingKmsKeyArn: "${arn}" is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>); aliases cannot scope IAM policies`);
  }
  const key = props.kmsKeyProps;
  const windowProblem = key?.deletionWindowInDays === undefined ? undefined : checkDeletionWindow(key.deletionWindowInDays);
  if (windowProblem) throw new Error(`HistoryStore kmsKeyProps.deletionWindowInDays: ${windowProblem}`);
  if (key?.aliasName !== undefined) assertName("kmsAlias", key.aliasName, "HistoryStore kmsKeyProps.aliasName");
}

/**
 * `<tableName><suffix>`, e.g. "iot-dev-shadow-history-byThingTime-write". A table name near its
 * 255-character limit would make that longer than a policy name may be (255, appautoscalingPolicy),
 * so the table part is then cut and an 8-character hash of the full table name keeps the name
 * unique and the same on every synth: deterministic shortening rather than rejecting a valid table name.
 */
function scalingPolicyName(tableName: string, suffix: string): string {
  const full = `${tableName}${suffix}`;
  const max = AWS_NAME_RULES.appautoscalingPolicy.maxLength;
  if (full.length <= max) return assertName("appautoscalingPolicy", full, "HistoryStore autoscaling policy name");
  const hash = createHash("sha256").update(tableName).digest("hex").slice(0, 8);
  const short = `${tableName.slice(0, max - suffix.length - hash.length - 1)}-${hash}${suffix}`;
  return assertName("appautoscalingPolicy", short, "HistoryStore autoscaling policy name");
}

export class HistoryStore extends Construct {
  public readonly table: DynamodbTable;
  /** The key the store created; undefined when existingKmsKeyArn was given. */
  public readonly kmsKey?: KmsKey;
  public readonly kmsKeyAlias?: KmsAlias;
  /** ARN of the key encrypting the table (created or existing). */
  public readonly kmsKeyArn: string;
  /** IAM policy document with exactly what a history writer needs. */
  public readonly writerPolicy: DataAwsIamPolicyDocument;
  /** `writerPolicy` rendered as JSON. */
  public readonly writerPolicyJson: string;
  /** Name, ARN and key ARN for writers in other stacks. */
  public readonly ref: HistoryTableRef;
  /** Retention in days when TTL is enabled (pass it to the processor). */
  public readonly ttlDays?: number;
  /** Autoscaling targets (table and index, read and write); empty with on-demand billing. */
  public readonly scalingTargets: AppautoscalingTarget[];

  constructor(scope: Construct, id: string, props: HistoryStoreProps) {
    super(scope, id);
    validate(props);
    const billingMode = props.billingMode ?? "PAY_PER_REQUEST";
    const preventDestroy = props.preventDestroy ?? false;
    const cap = props.provisionedCapacity;
    this.ttlDays = props.ttlDays;

    const partition = new DataAwsPartition(this, "partition");
    if (props.existingKmsKeyArn !== undefined) {
      this.kmsKeyArn = props.existingKmsKeyArn;
    } else {
      const keyProps = props.kmsKeyProps ?? {};
      // No grants: DynamoDB uses the key on the writer's behalf, which the writer's IAM policy allows.
      const key = new ServiceKey(this, { key: "kms_key", alias: "kms_key_alias" }, {
        description: keyProps.description ?? `Shadow history table ${props.tableName}`,
        aliasName: keyProps.aliasName ?? `alias/${props.tableName.replace(/\./g, "-")}`,
        accountId: new DataAwsCallerIdentity(this, "account").accountId,
        partition: partition.partition,
        deletionWindowInDays: keyProps.deletionWindowInDays,
        policy: keyProps.policy,
        preventDestroy,
      });
      this.kmsKey = key.key;
      this.kmsKeyAlias = key.alias;
      this.kmsKeyArn = key.arn;
    }

    this.table = new DynamodbTable(this, "table", {
      name: props.tableName,
      billingMode,
      readCapacity: cap?.readCapacity,
      writeCapacity: cap?.writeCapacity,
      hashKey: TABLE_KEY_SCHEMA.hashKey,
      rangeKey: TABLE_KEY_SCHEMA.rangeKey,
      attribute: KEY_ATTRIBUTES.map((a) => ({ name: a.name, type: a.type })),
      globalSecondaryIndex: [
        {
          name: TIME_INDEX_NAME,
          hashKey: TIME_INDEX_KEY_SCHEMA.hashKey,
          rangeKey: TIME_INDEX_KEY_SCHEMA.rangeKey,
          projectionType: "ALL",
          readCapacity: cap?.readCapacity,
          writeCapacity: cap?.writeCapacity,
        },
      ],
      pointInTimeRecovery: { enabled: props.pointInTimeRecovery ?? true },
      serverSideEncryption: { enabled: true, kmsKeyArn: this.kmsKeyArn },
      deletionProtectionEnabled: props.deletionProtection ?? true,
      tableClass: props.tableClass ?? "STANDARD",
      ttl: props.ttlDays !== undefined ? { attributeName: TTL_ATTRIBUTE, enabled: true } : undefined,
      lifecycle: {
        preventDestroy,
        // Autoscaling owns capacities; the index block holds its capacities, so it is ignored too.
        ignoreChanges: cap ? ["read_capacity", "write_capacity", "global_secondary_index"] : undefined,
      },
    });

    this.scalingTargets = cap ? this.autoscale(cap, props.tableName) : [];

    this.writerPolicy = new DataAwsIamPolicyDocument(this, "writer_policy", {
      // The table lives in the stack's region: only DynamoDB there may use the key for a writer.
      statement: historyWriterStatements(this.table.arn, this.kmsKeyArn, { region: new DataAwsRegion(this, "region").region, dnsSuffix: partition.dnsSuffix }),
    });
    this.writerPolicyJson = this.writerPolicy.json;
    this.ref = { name: this.table.name, arn: this.table.arn, kmsKeyArn: this.kmsKeyArn };
  }

  private autoscale(cap: ProvisionedCapacity, tableName: string): AppautoscalingTarget[] {
    const scopes = [
      { id: "table", resourceId: `table/${this.table.name}`, dimension: "table" },
      { id: TIME_INDEX_NAME, resourceId: `table/${this.table.name}/index/${TIME_INDEX_NAME}`, dimension: "index" },
    ];
    const kinds = [
      { id: "read", unit: "ReadCapacityUnits", metric: "DynamoDBReadCapacityUtilization", min: cap.readCapacity },
      { id: "write", unit: "WriteCapacityUnits", metric: "DynamoDBWriteCapacityUtilization", min: cap.writeCapacity },
    ];
    return scopes.flatMap((s) =>
      kinds.map((k) => {
        const target = new AppautoscalingTarget(this, `scaling_${s.id}_${k.id}`, {
          serviceNamespace: "dynamodb",
          resourceId: s.resourceId,
          scalableDimension: `dynamodb:${s.dimension}:${k.unit}`,
          minCapacity: k.min,
          maxCapacity: cap.maxCapacity,
        });
        new AppautoscalingPolicy(this, `scaling_${s.id}_${k.id}_policy`, {
          name: scalingPolicyName(tableName, `-${s.id}-${k.id}`),
          policyType: "TargetTrackingScaling",
          serviceNamespace: target.serviceNamespace,
          resourceId: target.resourceId,
          scalableDimension: target.scalableDimension,
          targetTrackingScalingPolicyConfiguration: {
            predefinedMetricSpecification: { predefinedMetricType: k.metric },
            targetValue: cap.targetUtilizationPercent ?? 70,
          },
        });
        return target;
      }),
    );
  }
}

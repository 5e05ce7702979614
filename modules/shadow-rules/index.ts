/**
 * Shadow rules: turns Device Shadow traffic into processing (fan-out to N
 * processor Lambdas), CloudWatch metrics and an error action that keeps
 * every message the rules engine could not deliver.
 */
import { Construct } from "constructs";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IotTopicRule } from "@cdktf/provider-aws/lib/iot-topic-rule";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { assertName } from "../../lib/aws-names";
import { ServiceKey } from "../../lib/kms";
import { createErrorTarget, ErrorTarget } from "./error-target";
import { BufferedIngestionProps, createIngestQueue, IngestQueueResources, validateBufferedIngestion } from "./ingest-queue";
import { iotRuleTrustPolicy, policyDocument } from "./policy";
import { ruleSpecs, statementId } from "./rule-specs";
import { IOT_SQL_VERSION, NamedShadowSelection } from "./sql";
import { validateShadowRulesProps } from "./validate";

export { RULE_METRICS } from "./metrics";
export type { RuleMetricName } from "./metrics";
export { documentsSql, driftSql, shadowTopicFilter, IOT_SQL_VERSION } from "./sql";
export type { NamedShadowSelection, ShadowShape, ShadowTopicKind } from "./sql";
export { ERROR_QUEUE_RETENTION_SECONDS } from "./error-target";
export { INGEST_DEFAULT_RETENTION_SECONDS, INGEST_DLQ_RETENTION_SECONDS, ingestQueuePolicy } from "./ingest-queue";
export type { BufferedIngestionProps } from "./ingest-queue";

export type ErrorActionKind = "sqs" | "cloudwatch-logs";

/** Where a rule sends a message it could not deliver. */
export type ErrorActionProps =
  | { readonly kind: "sqs" }
  | {
      readonly kind: "cloudwatch-logs";
      /** @default 365 */
      readonly retentionDays?: number;
    };

/** A processor Lambda the document rules invoke (fan-out: every processor gets every update). */
export interface ShadowProcessorTarget {
  /** Stable construct-id part, e.g. "history"; never a list position. */
  readonly id: string;
  readonly functionArn: string;
  readonly functionName: string;
}

/** Every rule this module can create, by purpose. */
export type ShadowRulePurpose =
  | "documentsClassic"
  | "documentsNamed"
  | "deltaClassic"
  | "deltaNamed"
  | "rejectedClassic"
  | "rejectedNamed";

export interface ShadowKmsKeyOverrides {
  /** @default 30 */
  readonly deletionWindowInDays?: number;
}

export interface ShadowRulesProps {
  /** Underscore stem of every rule name, e.g. "iot_dev" gives "iot_dev_shadow_documents_classic". */
  readonly ruleNamePrefix: string;
  /** Hyphenated stem of role, queue, log group and key alias names, e.g. "iot-dev". */
  readonly resourceNamePrefix: string;
  readonly accountId: string;
  readonly region: string;
  /**
   * The product line's thing-name space: every rule matches only things whose name starts with it
   * (`startswith(topic(3), '<prefix>')`), so product lines sharing an account never see each other's
   * shadow traffic. `""` routes every thing of the account and region: only for an account with one product line.
   */
  readonly thingNamePrefix: string;
  /** Route the classic (unnamed) shadow. @default true */
  readonly classicShadow?: boolean;
  /** Named shadows to route, or "all" for every name (`+`). @default [] */
  readonly namedShadows?: NamedShadowSelection;
  /** At least one; each receives every shadow update. */
  readonly processors: readonly ShadowProcessorTarget[];
  /** CloudWatch namespace of the rule metrics, shared with the processor's metrics. */
  readonly metricNamespace: string;
  /** @default { kind: "sqs" } */
  readonly errorAction?: ErrorActionProps;
  /** Create the rules enabled. @default true */
  readonly enabled?: boolean;
  /** Extra rules counting update/delta and update/rejected messages. @default true */
  readonly driftMetrics?: boolean;
  /** Existing KMS key ARN for the error queue/log group; omit to create one (rotation on). @default a new key */
  readonly kmsKey?: string;
  /** Settings for the key created when kmsKey is omitted; not allowed together with kmsKey. @default { deletionWindowInDays: 30 } */
  readonly kmsKeyOverrides?: ShadowKmsKeyOverrides;
  /**
   * Role allowed to receive and delete messages of the error queue (inspect, redrive); a role of `accountId`.
   * Only the error action's role may send to it. @default undefined (no principal may receive or delete)
   */
  readonly operatorRoleArn?: string;
  /** lifecycle.prevent_destroy on the created key, queue and log group. @default true */
  readonly preventDestroy?: boolean;
  /**
   * Buffered ingestion: the documents rules send every update to an encrypted SQS queue (with a dead-letter
   * queue after maxReceiveCount receives) instead of invoking this one processor; the processor drains it
   * (ShadowProcessor.consumeQueue with `ingestQueue`). The other processors are still invoked directly.
   * @default undefined (every processor is invoked directly)
   */
  readonly bufferedIngestion?: BufferedIngestionProps;
}

export class ShadowRules extends Construct {
  /** Created topic rules by purpose (only the enabled shapes and drift rules exist). */
  public readonly rules: Readonly<Partial<Record<ShadowRulePurpose, IotTopicRule>>>;
  /** Rule names by purpose, e.g. { documentsClassic: "iot_dev_shadow_documents_classic" }. */
  public readonly ruleNames: Readonly<Partial<Record<ShadowRulePurpose, string>>>;
  /** Lambda permissions by `${purpose}-${processorId}`. */
  public readonly permissions: Readonly<Record<string, LambdaPermission>>;
  public readonly errorQueue?: SqsQueue;
  public readonly errorLogGroup?: CloudwatchLogGroup;
  public readonly metricsRole: IamRole;
  public readonly errorActionRole: IamRole;
  public readonly kmsKeyArn: string;
  /** The ingest queue, its dead-letter queue, key and IoT role (only with bufferedIngestion). */
  public readonly ingestQueue?: IngestQueueResources;

  constructor(scope: Construct, id: string, props: ShadowRulesProps) {
    super(scope, id);
    const classic = props.classicShadow ?? true;
    const named = props.namedShadows ?? [];
    const enabled = props.enabled ?? true;
    const driftMetrics = props.driftMetrics ?? true;
    const preventDestroy = props.preventDestroy ?? true;
    const errorAction: ErrorActionProps = props.errorAction ?? { kind: "sqs" };
    validateShadowRulesProps(props, classic);
    const buffered = props.bufferedIngestion;
    if (buffered) validateBufferedIngestion(buffered, props.processors.map((proc) => proc.id));

    const specs = ruleSpecs(classic, named, driftMetrics, props.thingNamePrefix);
    const ruleNames: Partial<Record<ShadowRulePurpose, string>> = {};
    for (const spec of specs) {
      const name = assertName("iotTopicRule", `${props.ruleNamePrefix}_${spec.nameSuffix}`, "ShadowRules ruleNamePrefix");
      if (spec.invokesProcessors) statementId(name);
      ruleNames[spec.purpose] = name;
    }
    this.ruleNames = ruleNames;

    const p = props.resourceNamePrefix;
    const metricsRoleName = assertName("iamRole", `${p}-rule-metrics`, "ShadowRules resourceNamePrefix");
    const errorRoleName = assertName("iamRole", `${p}-rule-errors`, "ShadowRules resourceNamePrefix");
    const target: ErrorTarget =
      errorAction.kind === "sqs"
        ? { kind: "sqs", queueName: assertName("sqsQueue", `${p}-rule-errors`, "ShadowRules resourceNamePrefix") }
        : {
            kind: "cloudwatch-logs",
            logGroupName: assertName("logGroup", `/aws/iot/${p}/rule-errors`, "ShadowRules resourceNamePrefix"),
            retentionDays: errorAction.retentionDays ?? 365,
          };

    const partition = new DataAwsPartition(this, "partition");
    // Roles trust only this module's rules: all names share the "<prefix>_shadow_" stem.
    const ruleArnPattern = `arn:${partition.partition}:iot:${props.region}:${props.accountId}:rule/${props.ruleNamePrefix}_shadow_*`;

    // SQS uses the key through the error role's IAM permissions; CloudWatch Logs needs its own grant, scoped to the one log group.
    this.kmsKeyArn =
      props.kmsKey ??
      new ServiceKey(this, { key: "error-key", alias: "error-key-alias" }, {
        description: `${p}: encrypts messages the shadow topic rules could not deliver`,
        aliasName: `alias/${p}-rule-errors`,
        accountId: props.accountId,
        region: props.region,
        partition: partition.partition,
        dnsSuffix: partition.dnsSuffix,
        grants: target.kind === "cloudwatch-logs" ? [{ kind: "cloudwatch-logs", logGroupName: target.logGroupName }] : [],
        deletionWindowInDays: props.kmsKeyOverrides?.deletionWindowInDays,
        preventDestroy,
      }).arn;

    const errors = createErrorTarget(this, {
      target,
      roleName: errorRoleName,
      accountId: props.accountId,
      ruleArnPattern,
      kmsKeyArn: this.kmsKeyArn,
      operatorRoleArn: props.operatorRoleArn,
      preventDestroy,
    });
    this.errorQueue = errors.queue;
    this.errorLogGroup = errors.logGroup;
    this.errorActionRole = errors.role;

    this.ingestQueue = buffered
      ? createIngestQueue(
          this,
          {
            resourceNamePrefix: p,
            accountId: props.accountId,
            region: props.region,
            partition: partition.partition,
            dnsSuffix: partition.dnsSuffix,
            ruleArnPattern,
            operatorRoleArn: props.operatorRoleArn,
            preventDestroy,
          },
          buffered,
        )
      : undefined;
    // Processors the documents rules invoke: all but the one the queue feeds.
    const invoked = props.processors.filter((proc) => proc.id !== buffered?.processorId);
    const ingest = this.ingestQueue;

    this.metricsRole = new IamRole(this, "metrics-role", {
      name: metricsRoleName,
      description: "Assumed by AWS IoT to publish shadow rule metrics",
      assumeRolePolicy: iotRuleTrustPolicy(props.accountId, ruleArnPattern),
    });
    const metricsPolicy = new IamRolePolicy(this, "metrics-policy", {
      name: "put-rule-metrics",
      role: this.metricsRole.id,
      policy: policyDocument([
        {
          Sid: "PutMetricsInTheRuleNamespaceOnly",
          Effect: "Allow",
          Action: "cloudwatch:PutMetricData",
          // PutMetricData supports no resource-level permissions; the namespace condition is the scope.
          Resource: "*",
          Condition: { StringEquals: { "cloudwatch:namespace": props.metricNamespace } },
        },
      ]),
    });

    const rules: Partial<Record<ShadowRulePurpose, IotTopicRule>> = {};
    const permissions: Record<string, LambdaPermission> = {};
    for (const spec of specs) {
      const ruleName = ruleNames[spec.purpose] as string;
      const rule = new IotTopicRule(this, `rule-${spec.purpose}`, {
        name: ruleName,
        description: spec.description,
        enabled,
        sql: spec.sql,
        sqlVersion: IOT_SQL_VERSION,
        lambda: spec.invokesProcessors && invoked.length > 0 ? invoked.map((proc) => ({ functionArn: proc.functionArn })) : undefined,
        sqs: spec.invokesProcessors && ingest ? [{ queueUrl: ingest.queue.url, roleArn: ingest.role.arn, useBase64: false }] : undefined,
        // No metricTimestamp: hashicorp/terraform-provider-aws#45375; CloudWatch uses the arrival time.
        cloudwatchMetric: [
          { metricNamespace: props.metricNamespace, metricName: spec.metric, metricValue: "1", metricUnit: "Count", roleArn: this.metricsRole.arn },
        ],
        errorAction: errors.action,
        // IoT checks that it can assume the roles when the rule is created.
        dependsOn: [metricsPolicy, errors.rolePolicy, ...(spec.invokesProcessors && ingest ? [ingest.rolePolicy] : [])],
      });
      rules[spec.purpose] = rule;
      if (!spec.invokesProcessors) continue;
      for (const proc of invoked) {
        const key = `${spec.purpose}-${proc.id}`;
        permissions[key] = new LambdaPermission(this, `invoke-${key}`, {
          statementId: statementId(ruleName),
          action: "lambda:InvokeFunction",
          functionName: proc.functionName,
          principal: "iot.amazonaws.com",
          // Without source_arn/source_account any rule in any account could invoke the function.
          sourceArn: rule.arn,
          sourceAccount: props.accountId,
        });
      }
    }
    this.rules = rules;
    this.permissions = permissions;
  }
}

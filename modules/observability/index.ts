/**
 * Observability for the shadow history platform: alarms on every failure
 * path, an encrypted SNS topic for on-call, and one dashboard per environment.
 */
import { Construct } from "constructs";
import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { assertName } from "../../lib/aws-names";
import { ServiceKey } from "../../lib/kms";
import { AlarmPurpose, alarmSpecs, AlarmThresholds } from "./alarms";
import { buildDashboardBody, ErrorTargetRef } from "./dashboard";
import { validateAlarmMetric, validateObservabilityProps } from "./validate";

export type { AlarmPurpose, AlarmSpec, AlarmThresholds, IngestQueueRef } from "./alarms";
import type { IngestQueueRef } from "./alarms";
export { alarmSpecs, DEFAULT_CONVERGENCE_LATENCY_P99_SECONDS } from "./alarms";
export { buildDashboardBody } from "./dashboard";
export type { DashboardBody, DashboardInput, MetricRow } from "./dashboard";
export { PROCESSOR_METRICS, PROCESSOR_SERVICE_DIMENSION, RULE_METRICS } from "./metrics";

export interface AlarmTopicKeyOverrides {
  /** @default 30 */
  readonly deletionWindowInDays?: number;
}

export interface ObservabilityProps {
  /** Hyphenated stem of alarm, topic and dashboard names, e.g. "iot-dev". */
  readonly namePrefix: string;
  readonly accountId: string;
  readonly region: string;
  /** Namespace of the rule metrics and the processor's EMF metrics. */
  readonly metricNamespace: string;
  readonly processorFunctionName: string;
  readonly deadLetterQueueName: string;
  /** The rules' error queue (error action "sqs"); exactly one of errorQueueName / errorLogGroupName. @default undefined */
  readonly errorQueueName?: string;
  /** The rules' error log group (error action "cloudwatch-logs"). @default undefined */
  readonly errorLogGroupName?: string;
  readonly historyTableName: string;
  /** Alarm thresholds, each > 0. */
  readonly thresholds: AlarmThresholds;
  /** Alarm when no shadow update arrived for this many minutes (1-1440). @default undefined (no alarm) */
  readonly noUpdatesMinutes?: number;
  /** E-mail addresses subscribed to the alarm topic. @default [] */
  readonly emailSubscriptions?: readonly string[];
  /** Existing KMS key (or alias) ARN for the alarm topic; its policy must let cloudwatch.amazonaws.com use it. @default a new key */
  readonly kmsKeyArn?: string;
  /** Settings for the key created when kmsKeyArn is omitted; not allowed together with kmsKeyArn. @default { deletionWindowInDays: 30 } */
  readonly kmsKeyOverrides?: AlarmTopicKeyOverrides;
  /** Show the rules' delta/rejected metrics on the dashboard (match ShadowRules driftMetrics). @default true */
  readonly driftMetrics?: boolean;
  /** lifecycle.prevent_destroy on the created key. @default true */
  readonly preventDestroy?: boolean;
  /** Buffered ingestion's queue and dead-letter queue: alarms on their age and depth, dashboard widgets. @default undefined */
  readonly ingestQueue?: IngestQueueRef;
}

/** The service principal CloudWatch alarms publish notifications as. */
export const CLOUDWATCH_PRINCIPAL = "cloudwatch.amazonaws.com";

/** `arn:<partition>:cloudwatch:<region>:<account>:alarm:<namePrefix>-*`: the alarms of one environment. */
export function environmentAlarmArnPattern(scope: { partition: string; region: string; accountId: string; namePrefix: string }): string {
  return `arn:${scope.partition}:cloudwatch:${scope.region}:${scope.accountId}:alarm:${scope.namePrefix}-*`;
}

/**
 * The alarm topic's resource policy: publishing only by CloudWatch for this
 * account's alarms matching the pattern; no IAM principal (not even one of
 * the account) may publish; TLS only. Managing the topic and subscribing stay
 * with the account's IAM policies.
 */
export function alarmTopicPolicyDocument(scope: { topicArn: string; accountId: string; alarmArnPattern: string }): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AllowCloudWatchAlarmsOfThisEnvironment",
        Effect: "Allow",
        Principal: { Service: CLOUDWATCH_PRINCIPAL },
        Action: "sns:Publish",
        Resource: scope.topicArn,
        Condition: { StringEquals: { "aws:SourceAccount": scope.accountId }, ArnLike: { "aws:SourceArn": scope.alarmArnPattern } },
      },
      {
        // Same-account IAM principals need no Allow here, so deny them outright: only a service publishes.
        Sid: "DenyPublishByAnyoneButAService",
        Effect: "Deny",
        Principal: "*",
        Action: "sns:Publish",
        Resource: scope.topicArn,
        Condition: { Bool: { "aws:PrincipalIsAWSService": "false" } },
      },
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "sns:Publish",
        Resource: scope.topicArn,
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  });
}

export class Observability extends Construct {
  public readonly alarmTopic: SnsTopic;
  /** Who may publish to the alarm topic: CloudWatch, for this environment's alarms, over TLS. */
  public readonly alarmTopicPolicy: SnsTopicPolicy;
  /** Alarms by purpose; noUpdates exists only when noUpdatesMinutes is set. */
  public readonly alarms: Readonly<Partial<Record<AlarmPurpose, CloudwatchMetricAlarm>>>;
  public readonly dashboard: CloudwatchDashboard;
  /** E-mail subscriptions by address. */
  public readonly subscriptions: Readonly<Record<string, SnsTopicSubscription>>;
  public readonly kmsKeyArn: string;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    validateObservabilityProps(props);
    const p = props.namePrefix;
    const errorTarget: ErrorTargetRef =
      props.errorQueueName !== undefined
        ? { kind: "sqs", queueName: props.errorQueueName }
        : { kind: "cloudwatch-logs", logGroupName: props.errorLogGroupName as string };

    const partition = new DataAwsPartition(this, "partition");
    // The environment's alarms: every alarm this module creates is named "<namePrefix>-...".
    const alarmArnPattern = environmentAlarmArnPattern({ partition: partition.partition, region: props.region, accountId: props.accountId, namePrefix: p });
    // CloudWatch publishes alarm notifications as its own principal: without this grant alarms fire but notifications are silently dropped.
    this.kmsKeyArn =
      props.kmsKeyArn ??
      new ServiceKey(this, { key: "alarm-topic-key", alias: "alarm-topic-key-alias" }, {
        description: `${p}: encrypts the alarm notification topic`,
        aliasName: `alias/${p}-alarms`,
        accountId: props.accountId,
        partition: partition.partition,
        grants: [
          {
            kind: "service",
            sid: "AllowCloudWatchAlarmsToPublish",
            service: CLOUDWATCH_PRINCIPAL,
            actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
            // Only for this environment's alarms (confused-deputy protection), as in the topic policy.
            sourceAccount: props.accountId,
            sourceArnLike: alarmArnPattern,
          },
        ],
        deletionWindowInDays: props.kmsKeyOverrides?.deletionWindowInDays,
        preventDestroy: props.preventDestroy ?? true,
      }).arn;

    this.alarmTopic = new SnsTopic(this, "alarm-topic", {
      name: assertName("snsTopic", `${p}-alarms`, "Observability namePrefix"),
      displayName: `${p} shadow history alarms`,
      kmsMasterKeyId: this.kmsKeyArn,
    });
    this.alarmTopicPolicy = new SnsTopicPolicy(this, "alarm-topic-policy", {
      arn: this.alarmTopic.arn,
      policy: alarmTopicPolicyDocument({ topicArn: this.alarmTopic.arn, accountId: props.accountId, alarmArnPattern }),
    });

    const subscriptions: Record<string, SnsTopicSubscription> = {};
    const usedIds = new Set<string>();
    for (const email of props.emailSubscriptions ?? []) {
      const constructId = `email-${email.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
      if (usedIds.has(constructId)) throw new Error(`Observability emailSubscriptions: "${email}" collides with another address after normalisation; remove one`);
      usedIds.add(constructId);
      subscriptions[email] = new SnsTopicSubscription(this, constructId, { topicArn: this.alarmTopic.arn, protocol: "email", endpoint: email });
    }
    this.subscriptions = subscriptions;

    const alarms: Partial<Record<AlarmPurpose, CloudwatchMetricAlarm>> = {};
    const specs = alarmSpecs({
      metricNamespace: props.metricNamespace,
      processorFunctionName: props.processorFunctionName,
      deadLetterQueueName: props.deadLetterQueueName,
      errorTarget,
      thresholds: props.thresholds,
      noUpdatesMinutes: props.noUpdatesMinutes,
      ingestQueue: props.ingestQueue,
    });
    for (const spec of specs) {
      validateAlarmMetric(spec);
      const percentile = spec.statistic.startsWith("p");
      alarms[spec.purpose] = new CloudwatchMetricAlarm(this, `alarm-${spec.purpose}`, {
        alarmName: assertName("cloudwatchAlarm", `${p}-${spec.nameSuffix}`, "Observability namePrefix"),
        alarmDescription: spec.description,
        namespace: spec.namespace,
        metricName: spec.metricName,
        dimensions: spec.dimensions ? { ...spec.dimensions } : undefined,
        statistic: percentile ? undefined : spec.statistic,
        extendedStatistic: percentile ? spec.statistic : undefined,
        // Small fleets report few values per period; evaluate them anyway (the alarm needs 3 breaching periods in a row).
        evaluateLowSampleCountPercentiles: percentile ? "evaluate" : undefined,
        period: spec.periodSeconds,
        evaluationPeriods: spec.evaluationPeriods,
        datapointsToAlarm: spec.evaluationPeriods,
        comparisonOperator: spec.comparisonOperator,
        threshold: spec.threshold,
        treatMissingData: spec.treatMissingData,
        // OK actions tell on-call when an incident clears.
        alarmActions: [this.alarmTopic.arn],
        okActions: [this.alarmTopic.arn],
      });
    }
    this.alarms = alarms;

    const body = buildDashboardBody({
      region: props.region,
      metricNamespace: props.metricNamespace,
      processorFunctionName: props.processorFunctionName,
      deadLetterQueueName: props.deadLetterQueueName,
      errorTarget,
      historyTableName: props.historyTableName,
      driftMetrics: props.driftMetrics ?? true,
      alarmArns: specs.map((s) => (alarms[s.purpose] as CloudwatchMetricAlarm).arn),
      ingestQueue: props.ingestQueue,
    });
    this.dashboard = new CloudwatchDashboard(this, "dashboard", {
      dashboardName: assertName("cloudwatchDashboard", `${p}-shadow-history`, "Observability namePrefix"),
      dashboardBody: JSON.stringify(body),
    });
  }
}

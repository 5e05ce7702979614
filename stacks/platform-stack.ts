/**
 * IoT and compute layer of one environment: device identity, processor, rules, observability.
 * Composition only: every resource comes from a module.
 */
import { TerraformOutput } from "cdktf";
import { Construct } from "constructs";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DeviceIdentity } from "../modules/device-identity";
import { Observability } from "../modules/observability";
import { LogRetentionDays, ShadowProcessor } from "../modules/shadow-processor";
import { ShadowRules } from "../modules/shadow-rules";
import { ShadowApi } from "../modules/shadow-api";
import { ConfigError, HISTORY_PROCESSOR_ID } from "../lib/config-schema";
import { findRepoRoot } from "../lib/repo-root";
import { HistoryTableRef } from "./data-stack";
import { PlatformStackBase, PlatformStackBaseProps } from "./platform-stack-base";

export const REPO_ROOT = findRepoRoot(__dirname);

/** The history processor: its function name, bundle folder and rule-target id. */
/** The pre-provisioning hook's bundle folder under dist/functions. */
const PROVISIONING_HOOK_BUNDLE = "provisioning-hook";

export interface PlatformStackProps extends PlatformStackBaseProps {
  /** The data stack's history table (a cross-stack reference). */
  readonly history: HistoryTableRef;
  /** @default "<repo>/dist/functions" */
  readonly functionsDistDir?: string;
  /** Directory CSR paths in config are relative to. @default the repository root */
  readonly repoRoot?: string;
}

export class PlatformStack extends PlatformStackBase {
  readonly identity: DeviceIdentity;
  readonly processor: ShadowProcessor;
  /** The product line's own processors (config extraProcessors), by id. */
  readonly extraProcessors: Readonly<Record<string, ShadowProcessor>>;
  readonly rules: ShadowRules;
  readonly observability: Observability;
  /** The shadow API for applications (config api.enabled); undefined when off. */
  readonly shadowApi?: ShadowApi;

  constructor(scope: Construct, props: PlatformStackProps) {
    super(scope, "platform", props);
    const { config, naming } = this;
    const devices = config.devices;

    const repoRoot = props.repoRoot ?? REPO_ROOT;
    const functionsDistDir = props.functionsDistDir ?? join(repoRoot, "dist", "functions");
    const fleetProvisioning = devices.fleetProvisioning.enabled || devices.certificateMode === "fleet-provisioning";
    this.identity = new DeviceIdentity(this, "device_identity", {
      namePrefix: naming.base,
      accountId: config.account.id,
      region: config.account.region,
      thingType: devices.thingType,
      things: devices.things,
      // With devices.shards, each thing's resources go into a device shard stack (stacks/device-shard-stack.ts).
      manageThings: devices.shards === undefined,
      groups: devices.groups,
      certificateMode: devices.certificateMode,
      allowKeyGeneration: devices.certificateMode === "generate",
      policyAttachment: devices.policyAttachment,
      policyGroup: devices.policyGroup,
      shadowAccess: { classic: config.shadows.classic, named: config.shadows.named },
      // With fleet provisioning, every request goes through the allowlist hook (functions/provisioning-hook).
      fleetProvisioning: fleetProvisioning
        ? { enabled: true, preProvisioningHook: { bundleDir: join(functionsDistDir, PROVISIONING_HOOK_BUNDLE) } }
        : { enabled: false },
      preventDestroy: config.preventDestroy,
      csrBaseDir: repoRoot,
    });

    // What every processor of the environment shares; each adds its own function and sizing.
    const processorDefaults = {
      metricNamespace: naming.metricNamespace,
      // The config schema admits only CloudWatch Logs retention values.
      logRetentionDays: config.processor.logRetentionDays as LogRetentionDays,
      maximumRetryAttempts: config.processor.maximumRetryAttempts,
      maximumEventAgeSeconds: config.processor.maximumEventAgeSeconds,
      operatorRoleArn: config.failureQueues.operatorRoleArn,
      preventDestroy: config.preventDestroy,
    };
    this.processor = new ShadowProcessor(this, "processor", {
      ...processorDefaults,
      functionName: naming.name("lambdaFunction", HISTORY_PROCESSOR_ID),
      bundleDir: join(functionsDistDir, HISTORY_PROCESSOR_ID),
      historyTable: props.history,
      memoryMb: config.processor.memoryMb,
      timeoutSeconds: config.processor.timeoutSeconds,
      reservedConcurrency: config.processor.reservedConcurrency,
      ttlDays: config.history.ttlDays,
    });

    this.extraProcessors = Object.fromEntries(
      config.extraProcessors.map((p) => {
        const bundleDir = join(functionsDistDir, p.bundle);
        if (!existsSync(join(repoRoot, "functions", p.bundle, "handler.ts")) && !existsSync(bundleDir)) {
          throw new ConfigError(`${this.node.id}: extraProcessors "${p.id}" names bundle "${p.bundle}", but functions/${p.bundle}/handler.ts does not exist`);
        }
        const processor = new ShadowProcessor(this, `processor_${p.id}`, {
          ...processorDefaults,
          functionName: naming.name("lambdaFunction", p.id),
          bundleDir,
          serviceName: p.id,
          memoryMb: p.memoryMb,
          timeoutSeconds: p.timeoutSeconds,
          reservedConcurrency: p.reservedConcurrency,
        });
        return [p.id, processor];
      }),
    );
    const ruleTargets = Object.entries({ [HISTORY_PROCESSOR_ID]: this.processor, ...this.extraProcessors }).map(([id, p]) => ({
      id,
      functionArn: p.function.arn,
      functionName: p.function.functionName,
    }));

    const buffer = config.rules.buffer;
    this.rules = new ShadowRules(this, "shadow_rules", {
      ruleNamePrefix: naming.topicRulePrefix,
      resourceNamePrefix: naming.base,
      accountId: config.account.id,
      region: config.account.region,
      thingNamePrefix: config.thingNamePrefix,
      classicShadow: config.shadows.classic,
      namedShadows: config.shadows.named,
      processors: ruleTargets,
      metricNamespace: naming.metricNamespace,
      errorAction:
        config.rules.errorAction === "sqs" ? { kind: "sqs" } : { kind: "cloudwatch-logs", retentionDays: config.rules.errorLogRetentionDays },
      enabled: config.rules.enabled,
      driftMetrics: config.rules.driftMetrics,
      operatorRoleArn: config.failureQueues.operatorRoleArn,
      preventDestroy: config.preventDestroy,
      // Buffered ingestion (rules.ingestion "buffered"): the history processor drains a queue; extra processors stay direct.
      bufferedIngestion: buffer && {
        processorId: HISTORY_PROCESSOR_ID,
        consumerRoleArn: this.processor.role.arn,
        maxReceiveCount: buffer.maxReceiveCount,
        visibilityTimeoutSeconds: buffer.visibilityTimeoutSeconds,
        messageRetentionSeconds: buffer.messageRetentionSeconds,
      },
    });
    const ingest = this.rules.ingestQueue;
    if (buffer && ingest) {
      this.processor.consumeQueue({
        queueArn: ingest.queue.arn,
        kmsKeyArn: ingest.kmsKeyArn,
        visibilityTimeoutSeconds: buffer.visibilityTimeoutSeconds,
        batchSize: buffer.batchSize,
        maximumBatchingWindowSeconds: buffer.maximumBatchingWindowSeconds,
        maximumConcurrency: buffer.maximumConcurrency,
      });
    }

    this.observability = new Observability(this, "observability", {
      namePrefix: naming.base,
      accountId: config.account.id,
      region: config.account.region,
      metricNamespace: naming.metricNamespace,
      processorFunctionName: this.processor.function.functionName,
      deadLetterQueueName: this.processor.deadLetterQueue.name,
      errorQueueName: this.rules.errorQueue?.name,
      errorLogGroupName: this.rules.errorLogGroup?.name,
      historyTableName: props.history.name,
      thresholds: config.alarms,
      noUpdatesMinutes: config.alarms.noUpdatesMinutes,
      emailSubscriptions: config.alarms.emailSubscriptions,
      driftMetrics: config.rules.driftMetrics,
      preventDestroy: config.preventDestroy,
      ingestQueue: ingest && { queueName: ingest.queue.name, deadLetterQueueName: ingest.deadLetterQueue.name },
    });

    // Applications reach the shadows through it: read, change desired state at a version, page through history.
    const api = config.api;
    this.shadowApi = api.enabled
      ? new ShadowApi(this, "shadow_api", {
          name: naming.name("lambdaFunction", "shadow-api"),
          bundleDir: join(functionsDistDir, "shadow-api"),
          historyTable: props.history,
          accountId: config.account.id,
          region: config.account.region,
          thingNamePrefix: config.thingNamePrefix,
          shadows: { classic: config.shadows.classic, named: config.shadows.named },
          authorization: api.jwt ? { kind: "jwt", ...api.jwt } : { kind: "iam" },
          throttling: api.throttling,
          reservedConcurrency: api.reservedConcurrency,
          // The config schema admits only CloudWatch Logs retention values.
          logRetentionDays: config.processor.logRetentionDays as LogRetentionDays,
          preventDestroy: config.preventDestroy,
        })
      : undefined;
    if (this.shadowApi) new TerraformOutput(this, "shadow_api_url", { value: this.shadowApi.url });

    if (ingest) new TerraformOutput(this, "ingest_queue_url", { value: ingest.queue.url });
    new TerraformOutput(this, "processor_function_name", { value: this.processor.function.functionName });
    new TerraformOutput(this, "dead_letter_queue_url", { value: this.processor.deadLetterQueue.url });
    new TerraformOutput(this, "topic_rule_names", { value: this.rules.ruleNames });
    new TerraformOutput(this, "alarm_topic_arn", { value: this.observability.alarmTopic.arn });

    const id = this.identity.outputs;
    new TerraformOutput(this, "iot_data_endpoint", { value: id.dataEndpoint });
    new TerraformOutput(this, "thing_arns", { value: id.thingArns });
    new TerraformOutput(this, "certificate_arns", { value: id.certificateArns });
    new TerraformOutput(this, "device_policy_names", { value: id.policyNames });
    if (id.provisioningTemplateName) new TerraformOutput(this, "provisioning_template_name", { value: id.provisioningTemplateName });
  }
}

/**
 * A shadow-event processor: a Lambda function (nodejs22.x, arm64) that the
 * shadow rules invoke with every accepted shadow change; by default the
 * shadow-history bundle writing into the history table. It comes with its own
 * KMS key, log group, least-privilege role and an async failure path
 * (bounded retries, then a dead-letter queue) so no event disappears.
 */
import { AssetType, TerraformAsset } from "cdktf";
import { Construct } from "constructs";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { LambdaFunctionEventInvokeConfig } from "@cdktf/provider-aws/lib/lambda-function-event-invoke-config";
import { LambdaEventSourceMapping } from "@cdktf/provider-aws/lib/lambda-event-source-mapping";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { failureQueuePolicy } from "../../lib/iam";
import { ServiceKey } from "../../lib/kms";
import { HistoryTableRef, historyWriterStatements } from "../history-store";
import { shippedBundleDir } from "./shipped-bundle";
import { LogRetentionDays, validateProcessorProps } from "./validate";
import { packageDirectory } from "./zip";
import { QueueConsumerProps, validateQueueConsumer } from "./queue-consumer";

export type { QueueConsumerProps } from "./queue-consumer";
export { minimumVisibilityTimeoutSeconds } from "./queue-consumer";

export type { HistoryTableRef } from "../history-store";
export type { LogRetentionDays } from "./validate";
export { PLATFORM_PACKAGE_NAME, shippedBundleDir } from "./shipped-bundle";


export type ProcessorLogLevel = "DEBUG" | "INFO" | "WARN" | "ERROR";

export interface ShadowProcessorProps {
  /** Lambda function name; also names the role (`<name>-role`), queue (`<name>-dlq`) and key alias. At most 59 characters. */
  readonly functionName: string;
  /** Absolute path of the built bundle directory holding index.js (e.g. `<repo>/dist/functions/shadow-history`). */
  readonly bundleDir: string;
  /** The history table to write to; plain strings so it can come from another stack. Omit for a processor that writes no history (no TABLE_NAME, no table or table-key permissions). @default undefined */
  readonly historyTable?: HistoryTableRef;
  /** CloudWatch namespace of the processor's metrics (POWERTOOLS_METRICS_NAMESPACE). */
  readonly metricNamespace: string;
  /** @default 256 */
  readonly memoryMb?: number;
  /** @default 30 */
  readonly timeoutSeconds?: number;
  /** Reserved concurrency. @default undefined (unreserved pool) */
  readonly reservedConcurrency?: number;
  /** @default 365 */
  readonly logRetentionDays?: LogRetentionDays;
  /** Async retries after a failed invocation, 0-2. @default 2 */
  readonly maximumRetryAttempts?: number;
  /** How long Lambda keeps retrying an event, 60-21600 seconds. @default 3600 */
  readonly maximumEventAgeSeconds?: number;
  /** Retention written into each item (HISTORY_TTL_DAYS); match the table's ttlDays. Only with historyTable. @default undefined (keep forever) */
  readonly ttlDays?: number;
  /** @default "INFO" */
  readonly logLevel?: ProcessorLogLevel;
  /** Powertools service name (POWERTOOLS_SERVICE_NAME): the `service` dimension of the function's metrics. @default "shadow-history" */
  readonly serviceName?: string;
  /**
   * Role allowed to receive and delete dead-lettered events (inspect, redrive); a role of the function's account.
   * Only the function's own role may send to the queue. @default undefined (no principal may receive or delete)
   */
  readonly operatorRoleArn?: string;
  /** Sets Terraform `prevent_destroy` on the key, log group and dead-letter queue. @default false */
  readonly preventDestroy?: boolean;
}

/** SQS keeps a message at most 14 days: the longest window to inspect and redrive a failed event. */
const DLQ_RETENTION_SECONDS = 14 * 24 * 3600;
const DEFAULT_SERVICE_NAME = "shadow-history";

export class ShadowProcessor extends Construct {
  public readonly function: LambdaFunction;
  public readonly role: IamRole;
  public readonly rolePolicy: IamRolePolicy;
  public readonly logGroup: CloudwatchLogGroup;
  public readonly deadLetterQueue: SqsQueue;
  /** Encrypts the function's environment, its log group and the dead-letter queue. */
  public readonly kmsKey: KmsKey;
  public readonly eventInvokeConfig: LambdaFunctionEventInvokeConfig;
  public readonly asset: TerraformAsset;
  /** base64 sha256 of the deployed zip (the function's source_code_hash). */
  public readonly codeSha256: string;
  /** The function's timeout in seconds (what a queue's visibility timeout is checked against). */
  public readonly timeoutSeconds: number;
  /** The event source mapping of consumeQueue, when called. */
  public eventSourceMapping?: LambdaEventSourceMapping;
  private readonly regionName: string;
  private readonly dnsSuffix: string;

  constructor(scope: Construct, id: string, props: ShadowProcessorProps) {
    super(scope, id);
    validateProcessorProps(props);
    const name = props.functionName;
    const preventDestroy = props.preventDestroy ?? false;
    const logGroupName = `/aws/lambda/${name}`;
    const table = props.historyTable;

    const account = new DataAwsCallerIdentity(this, "account");
    const region = new DataAwsRegion(this, "region");
    const partition = new DataAwsPartition(this, "partition");
    this.regionName = region.region;
    this.dnsSuffix = partition.dnsSuffix;
    this.timeoutSeconds = props.timeoutSeconds ?? 30;

    this.kmsKey = new ServiceKey(this, { key: "kms_key", alias: "kms_key_alias" }, {
      description: `Environment, logs and dead-letter queue of ${name}`,
      aliasName: `alias/${name}-function`, // the table may already own alias/<name> when both derive from one base name
      accountId: account.accountId,
      region: region.region,
      partition: partition.partition,
      dnsSuffix: partition.dnsSuffix,
      // SQS and Lambda use the key on the role's behalf (IAM); only CloudWatch Logs needs a key-policy grant.
      grants: [{ kind: "cloudwatch-logs", logGroupName }],
      preventDestroy,
    }).key;

    // Created here, not by Lambda on first run, so retention and encryption apply and a later apply does not fail with "already exists".
    this.logGroup = new CloudwatchLogGroup(this, "log_group", {
      name: logGroupName,
      retentionInDays: props.logRetentionDays ?? 365,
      kmsKeyId: this.kmsKey.arn,
      lifecycle: { preventDestroy },
    });

    this.deadLetterQueue = new SqsQueue(this, "dead_letter_queue", {
      name: `${name}-dlq`,
      kmsMasterKeyId: this.kmsKey.arn,
      kmsDataKeyReusePeriodSeconds: 300,
      messageRetentionSeconds: DLQ_RETENTION_SECONDS,
      lifecycle: { preventDestroy },
    });
    const assumeRole = new DataAwsIamPolicyDocument(this, "assume_role_policy", {
      statement: [
        {
          effect: "Allow",
          principals: [{ type: "Service", identifiers: ["lambda.amazonaws.com"] }],
          actions: ["sts:AssumeRole"],
        },
      ],
    });
    this.role = new IamRole(this, "role", {
      name: `${name}-role`,
      description: `Execution role of ${name}: ${table ? "put history items, " : ""}write its logs and traces, dead-letter failures`,
      assumeRolePolicy: assumeRole.json,
    });
    const permissions = new DataAwsIamPolicyDocument(this, "role_policy_document", {
      statement: [
        { sid: "WriteOwnLogs", effect: "Allow", actions: ["logs:CreateLogStream", "logs:PutLogEvents"], resources: [`${this.logGroup.arn}:*`] },
        ...(table ? historyWriterStatements(table.arn, table.kmsKeyArn, { region: region.region, dnsSuffix: partition.dnsSuffix }) : []),
        { sid: "DeadLetterFailedEvents", effect: "Allow", actions: ["sqs:SendMessage"], resources: [this.deadLetterQueue.arn] },
        // Decrypt the environment; encrypt messages for the KMS-encrypted dead-letter queue.
        { sid: "UseProcessorKey", effect: "Allow", actions: ["kms:Decrypt", "kms:GenerateDataKey"], resources: [this.kmsKey.arn] },
        // X-Ray has no resource-level permissions: AWS requires "*" for these two actions.
        { sid: "WriteTraces", effect: "Allow", actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources: ["*"] },
      ],
    });
    this.rolePolicy = new IamRolePolicy(this, "role_policy", { name: `${name}-permissions`, role: this.role.id, policy: permissions.json });
    // Lambda sends failed async events (dead_letter_config and the on-failure destination) with the execution role.
    new SqsQueuePolicy(this, "dead_letter_queue_policy", {
      queueUrl: this.deadLetterQueue.url,
      policy: failureQueuePolicy({ queueArn: this.deadLetterQueue.arn, senderRoleArn: this.role.arn, operatorRoleArn: props.operatorRoleArn }),
    });

    const bundle = packageDirectory(props.bundleDir, `${props.bundleDir.replace(/[\\/]+$/, "")}.zip`);
    this.codeSha256 = bundle.sha256Base64;
    this.asset = new TerraformAsset(this, "bundle", { path: bundle.zipPath, type: AssetType.FILE, assetHash: bundle.sha256Hex });

    this.function = new LambdaFunction(this, "function", {
      functionName: name,
      description: table ? "Writes every accepted Device Shadow update into the history table" : "Processes every accepted Device Shadow update",
      role: this.role.arn,
      runtime: "nodejs22.x",
      architectures: ["arm64"],
      handler: "index.handler",
      filename: this.asset.path,
      sourceCodeHash: bundle.sha256Base64,
      memorySize: props.memoryMb ?? 256,
      timeout: this.timeoutSeconds,
      reservedConcurrentExecutions: props.reservedConcurrency,
      tracingConfig: { mode: "Active" },
      kmsKeyArn: this.kmsKey.arn,
      environment: {
        variables: {
          ...(table ? { TABLE_NAME: table.name } : {}),
          POWERTOOLS_SERVICE_NAME: props.serviceName ?? DEFAULT_SERVICE_NAME,
          POWERTOOLS_METRICS_NAMESPACE: props.metricNamespace,
          POWERTOOLS_LOG_LEVEL: props.logLevel ?? "INFO",
          // Maps stack traces for a bundle that ships its source map (ours keep theirs out of the zip:
          // dist/functions/<name>.js.map maps a trace from the logs).
          NODE_OPTIONS: "--enable-source-maps",
          ...(props.ttlDays !== undefined ? { HISTORY_TTL_DAYS: String(props.ttlDays) } : {}),
        },
      },
      deadLetterConfig: { targetArn: this.deadLetterQueue.arn },
      // Lambda checks the role can reach the dead-letter queue when the function is created.
      dependsOn: [this.logGroup, this.rolePolicy],
    });

    this.eventInvokeConfig = new LambdaFunctionEventInvokeConfig(this, "event_invoke_config", {
      functionName: this.function.functionName,
      maximumRetryAttempts: props.maximumRetryAttempts ?? 2,
      maximumEventAgeInSeconds: props.maximumEventAgeSeconds ?? 3600,
      destinationConfig: { onFailure: { destination: this.deadLetterQueue.arn } },
      dependsOn: [this.rolePolicy],
    });
  }

  /**
   * Drains an SQS queue in batches (buffered ingestion): an event source mapping with
   * `ReportBatchItemFailures` (only the records the handler names are received again) and a maximum
   * concurrency, plus the role's permission to read that one queue and decrypt through SQS. Throws
   * when the queue's visibility timeout is below 6 x this function's timeout + the batching window.
   */
  consumeQueue(props: QueueConsumerProps): LambdaEventSourceMapping {
    if (this.eventSourceMapping) throw new Error(`ShadowProcessor ${this.node.id}: consumeQueue was already called; a processor drains one queue`);
    validateQueueConsumer(props, this.timeoutSeconds);
    const policy = new IamRolePolicy(this, "queue_consumer_policy", {
      name: `${this.function.functionName}-queue-consumer`,
      role: this.role.id,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "DrainTheIngestQueue",
            Effect: "Allow",
            Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"],
            Resource: props.queueArn,
          },
          { Sid: "DecryptThroughSqs", Effect: "Allow", Action: "kms:Decrypt", Resource: props.kmsKeyArn, Condition: { StringEquals: { "kms:ViaService": `sqs.${this.regionName}.${this.dnsSuffix}` } } },
        ],
      }),
    });
    this.eventSourceMapping = new LambdaEventSourceMapping(this, "event_source_mapping", {
      functionName: this.function.arn,
      eventSourceArn: props.queueArn,
      batchSize: props.batchSize ?? 10,
      maximumBatchingWindowInSeconds: props.maximumBatchingWindowSeconds ?? 0,
      functionResponseTypes: ["ReportBatchItemFailures"],
      scalingConfig: { maximumConcurrency: props.maximumConcurrency },
      // Lambda checks it can read the queue when the mapping is created.
      dependsOn: [policy],
    });
    return this.eventSourceMapping;
  }
}

/** The bundle ShadowHistoryProcessor runs: functions/shadow-history, shipped as dist/functions/shadow-history. */
const HISTORY_BUNDLE = "shadow-history";

export interface ShadowHistoryProcessorProps extends Omit<ShadowProcessorProps, "bundleDir" | "historyTable"> {
  /** Absolute path of a shadow-history bundle directory holding index.js. @default the bundle this package ships (`shippedBundleDir("shadow-history")`) */
  readonly bundleDir?: string;
  /** The history table to write to (`HistoryStore.ref`); plain strings so it can come from another stack. */
  readonly historyTable: HistoryTableRef;
}

/**
 * The history processor ready to use: a ShadowProcessor running the shadow-history bundle this
 * package ships, so a product line deploys the tested function without building one. Same
 * resources, addresses, defaults and outputs as `new ShadowProcessor(..., { bundleDir, historyTable, ... })`.
 */
export class ShadowHistoryProcessor extends ShadowProcessor {
  constructor(scope: Construct, id: string, props: ShadowHistoryProcessorProps) {
    // Without types (plain JavaScript) a missing table would deploy a function that fails on every event.
    if (props.historyTable === undefined) {
      throw new Error("ShadowHistoryProcessor historyTable: required, the shadow-history function writes into it; pass HistoryStore.ref (or use ShadowProcessor for a processor that writes no history)");
    }
    super(scope, id, { ...props, bundleDir: props.bundleDir ?? shippedBundleDir(HISTORY_BUNDLE) });
  }
}

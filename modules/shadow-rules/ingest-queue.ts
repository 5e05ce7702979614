/**
 * Buffered ingestion: the queue the documents rules send to instead of invoking the history
 * processor, its dead-letter queue, its key and the one role IoT sends with. The processor drains
 * it through an event source mapping (ShadowProcessor.consumeQueue).
 */
import { Construct } from "constructs";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { assertName } from "../../lib/aws-names";
import { ServiceKey } from "../../lib/kms";
import { iotRuleTrustPolicy, policyDocument } from "./policy";

/** 14 days, the SQS maximum: what reaches the dead-letter queue waits there for on-call. */
export const INGEST_DLQ_RETENTION_SECONDS = 1_209_600;
/** SQS's own default: an update waits at most 4 days for the processor. */
export const INGEST_DEFAULT_RETENTION_SECONDS = 345_600;

export interface BufferedIngestionProps {
  /** The processor (ShadowProcessorTarget.id) the queue feeds; it is no longer invoked by the rules. */
  readonly processorId: string;
  /** The consumer's execution role (ShadowProcessor.role.arn): it receives and deletes. */
  readonly consumerRoleArn: string;
  /** Receives before a message moves to the dead-letter queue, 1-1000. */
  readonly maxReceiveCount: number;
  /** At least 6 x the consumer's timeout plus its batching window (ShadowProcessor.consumeQueue checks it). */
  readonly visibilityTimeoutSeconds: number;
  /** @default 345600 (4 days) */
  readonly messageRetentionSeconds?: number;
}

export interface IngestQueueScope {
  readonly resourceNamePrefix: string;
  readonly accountId: string;
  readonly region: string;
  readonly partition: string;
  readonly dnsSuffix: string;
  readonly ruleArnPattern: string;
  readonly operatorRoleArn?: string;
  readonly preventDestroy: boolean;
}

export interface IngestQueueResources {
  readonly queue: SqsQueue;
  readonly deadLetterQueue: SqsQueue;
  readonly kmsKeyArn: string;
  /** Assumed by the documents rules' sqs action. */
  readonly role: IamRole;
  readonly rolePolicy: IamRolePolicy;
}

/** Actions a consumer or operator reads a queue with. */
const READ_ACTIONS = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"] as const;

function fail(field: string, problem: string): never {
  throw new Error(`ShadowRules bufferedIngestion.${field}: ${problem}`);
}

export function validateBufferedIngestion(props: BufferedIngestionProps, processorIds: readonly string[]): void {
  if (!processorIds.includes(props.processorId)) fail("processorId", `"${props.processorId}" is none of the processors (${processorIds.join(", ")}); name the one the queue feeds`);
  const int = (value: number | undefined, min: number, max: number, field: string) => {
    if (value !== undefined && (!Number.isInteger(value) || value < min || value > max)) fail(field, `must be a whole number from ${min} to ${max}, got ${value}`);
  };
  int(props.maxReceiveCount, 1, 1000, "maxReceiveCount");
  int(props.visibilityTimeoutSeconds, 0, 43_200, "visibilityTimeoutSeconds");
  int(props.messageRetentionSeconds, 60, 1_209_600, "messageRetentionSeconds");
}

/**
 * Resource policy of the ingest queue: TLS only; only the IoT role (and the operator, redriving from the
 * dead-letter queue) sends; only the consumer and the operator read. Denies on `aws:PrincipalArn`, as for
 * the failure queues (lib/iam.ts), so no identity policy in the account can widen them.
 */
export function ingestQueuePolicy(props: { queueArn: string; senderRoleArns: readonly string[]; readerRoleArns: readonly string[] }): string {
  const deny = (sid: string, action: string | readonly string[], condition: Record<string, Record<string, unknown>>) => ({ Sid: sid, Effect: "Deny", Principal: "*", Action: action, Resource: props.queueArn, Condition: condition });
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      deny("DenyInsecureTransport", "sqs:*", { Bool: { "aws:SecureTransport": false } }),
      deny("OnlyTheRuleRoleSends", "sqs:SendMessage", { ArnNotEquals: { "aws:PrincipalArn": [...props.senderRoleArns] } }),
      deny("OnlyTheConsumerReads", [...READ_ACTIONS], { ArnNotEquals: { "aws:PrincipalArn": [...props.readerRoleArns] } }),
    ],
  });
}

export function createIngestQueue(scope: Construct, s: IngestQueueScope, props: BufferedIngestionProps): IngestQueueResources {
  const p = s.resourceNamePrefix;
  const field = "ShadowRules resourceNamePrefix";
  const queueName = assertName("sqsQueue", `${p}-shadow-ingest`, field);
  const dlqName = assertName("sqsQueue", `${p}-shadow-ingest-dlq`, field);
  const lifecycle = s.preventDestroy ? { preventDestroy: true } : undefined;

  const role = new IamRole(scope, "ingest-role", {
    name: assertName("iamRole", `${p}-rule-ingest`, field),
    description: "Assumed by AWS IoT to send accepted shadow updates to the ingest queue",
    assumeRolePolicy: iotRuleTrustPolicy(s.accountId, s.ruleArnPattern),
  });
  // The key policy names the two roles and lets them use the key only through SQS.
  const kmsKeyArn = new ServiceKey(scope, { key: "ingest-key", alias: "ingest-key-alias" }, {
    description: `${p}: encrypts shadow updates waiting in the ingest queue and its dead-letter queue`,
    aliasName: `alias/${p}-shadow-ingest`,
    accountId: s.accountId,
    region: s.region,
    partition: s.partition,
    dnsSuffix: s.dnsSuffix,
    grants: [
      { kind: "role-via-service", sid: "IotRuleSendsThroughSqs", roleArn: role.arn, service: "sqs", actions: ["kms:GenerateDataKey", "kms:Decrypt"] },
      { kind: "role-via-service", sid: "ConsumerReadsThroughSqs", roleArn: props.consumerRoleArn, service: "sqs", actions: ["kms:Decrypt"] },
    ],
    preventDestroy: s.preventDestroy,
  }).arn;

  const queueArnOf = (name: string) => `arn:${s.partition}:sqs:${s.region}:${s.accountId}:${name}`;
  const deadLetterQueue = new SqsQueue(scope, "ingest-dead-letter-queue", {
    name: dlqName,
    kmsMasterKeyId: kmsKeyArn,
    kmsDataKeyReusePeriodSeconds: 300,
    messageRetentionSeconds: INGEST_DLQ_RETENTION_SECONDS,
    // Only the ingest queue dead-letters here (its ARN from the name: the queue references this one).
    redriveAllowPolicy: JSON.stringify({ redrivePermission: "byQueue", sourceQueueArns: [queueArnOf(queueName)] }),
    lifecycle,
  });
  const queue = new SqsQueue(scope, "ingest-queue", {
    name: queueName,
    kmsMasterKeyId: kmsKeyArn,
    kmsDataKeyReusePeriodSeconds: 300,
    visibilityTimeoutSeconds: props.visibilityTimeoutSeconds,
    messageRetentionSeconds: props.messageRetentionSeconds ?? INGEST_DEFAULT_RETENTION_SECONDS,
    redrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetterQueue.arn, maxReceiveCount: props.maxReceiveCount }),
    lifecycle,
  });

  const operator = s.operatorRoleArn === undefined ? [] : [s.operatorRoleArn];
  new SqsQueuePolicy(scope, "ingest-queue-policy", {
    queueUrl: queue.url,
    policy: ingestQueuePolicy({ queueArn: queue.arn, senderRoleArns: [role.arn, ...operator], readerRoleArns: [props.consumerRoleArn, ...operator] }),
  });
  // SQS itself moves failed messages in (no SendMessage deny); only the operator inspects and redrives.
  new SqsQueuePolicy(scope, "ingest-dead-letter-queue-policy", {
    queueUrl: deadLetterQueue.url,
    policy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "sqs:*", Resource: deadLetterQueue.arn, Condition: { Bool: { "aws:SecureTransport": false } } },
        operator.length === 0
          ? { Sid: "NobodyReadsWithoutAnOperatorRole", Effect: "Deny", Principal: "*", Action: [...READ_ACTIONS], Resource: deadLetterQueue.arn }
          : { Sid: "OnlyTheOperatorRoleReads", Effect: "Deny", Principal: "*", Action: [...READ_ACTIONS], Resource: deadLetterQueue.arn, Condition: { ArnNotEquals: { "aws:PrincipalArn": operator[0] } } },
      ],
    }),
  });

  const rolePolicy = new IamRolePolicy(scope, "ingest-policy", {
    name: "send-shadow-updates",
    role: role.id,
    policy: policyDocument([
      { Sid: "SendToTheIngestQueueOnly", Effect: "Allow", Action: "sqs:SendMessage", Resource: queue.arn },
      {
        Sid: "UseTheIngestKeyThroughSqs",
        Effect: "Allow",
        Action: ["kms:GenerateDataKey", "kms:Decrypt"],
        Resource: kmsKeyArn,
        Condition: { StringEquals: { "kms:ViaService": `sqs.${s.region}.${s.dnsSuffix}` } },
      },
    ]),
  });
  return { queue, deadLetterQueue, kmsKeyArn, role, rolePolicy };
}

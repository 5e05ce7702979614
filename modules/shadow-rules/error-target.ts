import { Construct } from "constructs";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IotTopicRuleErrorAction } from "@cdktf/provider-aws/lib/iot-topic-rule";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { failureQueuePolicy } from "../../lib/iam";
import { PolicyStatement, iotRuleTrustPolicy, policyDocument } from "./policy";

/** 14 days, the SQS maximum: time for on-call to inspect and replay. */
export const ERROR_QUEUE_RETENTION_SECONDS = 1_209_600;

export type ErrorTarget =
  | { readonly kind: "sqs"; readonly queueName: string }
  | { readonly kind: "cloudwatch-logs"; readonly logGroupName: string; readonly retentionDays: number };

export interface ErrorTargetProps {
  readonly target: ErrorTarget;
  readonly roleName: string;
  readonly accountId: string;
  readonly ruleArnPattern: string;
  readonly kmsKeyArn: string;
  /** Receives and deletes queue messages; undefined: nobody may. */
  readonly operatorRoleArn?: string;
  readonly preventDestroy: boolean;
}

export interface ErrorTargetResources {
  readonly queue?: SqsQueue;
  readonly logGroup?: CloudwatchLogGroup;
  readonly role: IamRole;
  readonly rolePolicy: IamRolePolicy;
  /** The rule's `error_action` block. */
  readonly action: IotTopicRuleErrorAction;
}

/** Where a rule puts a message it could not deliver, and the one role allowed to put it there. */
export function createErrorTarget(scope: Construct, props: ErrorTargetProps): ErrorTargetResources {
  const lifecycle = props.preventDestroy ? { preventDestroy: true } : undefined;
  const role = new IamRole(scope, "error-action-role", {
    name: props.roleName,
    description: "Assumed by AWS IoT to deliver failed shadow rule messages to the error target",
    assumeRolePolicy: iotRuleTrustPolicy(props.accountId, props.ruleArnPattern),
  });

  if (props.target.kind === "sqs") {
    const queue = new SqsQueue(scope, "error-queue", {
      name: props.target.queueName,
      messageRetentionSeconds: ERROR_QUEUE_RETENTION_SECONDS,
      kmsMasterKeyId: props.kmsKeyArn,
      kmsDataKeyReusePeriodSeconds: 300,
      lifecycle,
    });
    new SqsQueuePolicy(scope, "error-queue-policy", {
      queueUrl: queue.url,
      // Only the error action sends (with its role); only the operator reads.
      policy: failureQueuePolicy({ queueArn: queue.arn, senderRoleArn: role.arn, operatorRoleArn: props.operatorRoleArn }),
    });
    const rolePolicy = rolePolicyFor(scope, role, [
      { Sid: "SendToTheErrorQueue", Effect: "Allow", Action: "sqs:SendMessage", Resource: queue.arn },
      // SSE-KMS queue: the sender needs a data key from the queue's CMK.
      { Sid: "UseTheErrorQueueKey", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: props.kmsKeyArn },
    ]);
    return { queue, role, rolePolicy, action: { sqs: { queueUrl: queue.url, roleArn: role.arn, useBase64: false } } };
  }

  const logGroup = new CloudwatchLogGroup(scope, "error-log-group", {
    name: props.target.logGroupName,
    retentionInDays: props.target.retentionDays,
    kmsKeyId: props.kmsKeyArn,
    lifecycle,
  });
  const rolePolicy = rolePolicyFor(scope, role, [
    {
      Sid: "WriteToTheErrorLogGroup",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
      // The group ARN (for DescribeLogStreams) and its streams (for the writes).
      Resource: [logGroup.arn, `${logGroup.arn}:log-stream:*`],
    },
  ]);
  return { logGroup, role, rolePolicy, action: { cloudwatchLogs: { logGroupName: logGroup.name, roleArn: role.arn } } };
}

function rolePolicyFor(scope: Construct, role: IamRole, statements: readonly PolicyStatement[]): IamRolePolicy {
  return new IamRolePolicy(scope, "error-action-policy", {
    name: "deliver-failed-messages",
    role: role.id,
    policy: policyDocument(statements),
  });
}

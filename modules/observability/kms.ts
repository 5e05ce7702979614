import { Construct } from "constructs";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";

export interface AlarmTopicKeyProps {
  readonly namePrefix: string;
  readonly partition: string;
  readonly accountId: string;
  readonly deletionWindowInDays: number;
  readonly preventDestroy: boolean;
}

/**
 * CMK for the alarm topic. CloudWatch publishes alarm notifications as its
 * service principal, so the key policy must let it use the key; without this
 * statement alarms fire but notifications are silently dropped.
 */
export function createAlarmTopicKey(scope: Construct, props: AlarmTopicKeyProps): KmsKey {
  const policy = {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "EnableIamPoliciesOfThisAccount",
        Effect: "Allow",
        Principal: { AWS: `arn:${props.partition}:iam::${props.accountId}:root` },
        Action: "kms:*",
        Resource: "*",
      },
      {
        Sid: "AllowCloudWatchAlarmsToPublish",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
        Resource: "*",
      },
    ],
  };
  const key = new KmsKey(scope, "alarm-topic-key", {
    description: `${props.namePrefix}: encrypts the alarm notification topic`,
    enableKeyRotation: true,
    deletionWindowInDays: props.deletionWindowInDays,
    policy: JSON.stringify(policy),
    lifecycle: props.preventDestroy ? { preventDestroy: true } : undefined,
  });
  new KmsAlias(scope, "alarm-topic-key-alias", { name: `alias/${props.namePrefix}-alarms`, targetKeyId: key.keyId });
  return key;
}

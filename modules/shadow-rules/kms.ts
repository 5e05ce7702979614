import { Construct } from "constructs";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { PolicyStatement, policyDocument } from "./policy";

export interface ErrorKeyProps {
  readonly resourceNamePrefix: string;
  readonly accountId: string;
  readonly region: string;
  readonly partition: string;
  readonly dnsSuffix: string;
  /** Set when the error target is a log group: CloudWatch Logs encrypts with the key itself. */
  readonly logGroupName?: string;
  readonly deletionWindowInDays: number;
  readonly preventDestroy: boolean;
}

/**
 * CMK for the error queue or log group. SQS is used through the IoT role's
 * IAM permissions (enabled by the account statement); CloudWatch Logs needs
 * its own grant in the key policy, scoped to the one log group.
 */
export function createErrorKey(scope: Construct, props: ErrorKeyProps): KmsKey {
  const statements: PolicyStatement[] = [
    {
      Sid: "EnableIamPoliciesOfThisAccount",
      Effect: "Allow",
      Principal: { AWS: `arn:${props.partition}:iam::${props.accountId}:root` },
      Action: "kms:*",
      Resource: "*",
    },
  ];
  if (props.logGroupName !== undefined) {
    statements.push({
      Sid: "AllowCloudWatchLogsForTheErrorLogGroup",
      Effect: "Allow",
      Principal: { Service: `logs.${props.region}.${props.dnsSuffix}` },
      Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
      Resource: "*",
      Condition: {
        ArnEquals: {
          "kms:EncryptionContext:aws:logs:arn": `arn:${props.partition}:logs:${props.region}:${props.accountId}:log-group:${props.logGroupName}`,
        },
      },
    });
  }
  const key = new KmsKey(scope, "error-key", {
    description: `${props.resourceNamePrefix}: encrypts messages the shadow topic rules could not deliver`,
    enableKeyRotation: true,
    deletionWindowInDays: props.deletionWindowInDays,
    policy: policyDocument(statements),
    lifecycle: props.preventDestroy ? { preventDestroy: true } : undefined,
  });
  new KmsAlias(scope, "error-key-alias", { name: `alias/${props.resourceNamePrefix}-rule-errors`, targetKeyId: key.keyId });
  return key;
}

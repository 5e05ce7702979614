/**
 * "generate" mode only: the KMS key that encrypts the SSM SecureString
 * parameters holding Terraform-generated private keys.
 */
import { Construct } from "constructs";
import { TerraformResourceLifecycle } from "cdktf";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { ResolvedKeyStorage } from "./validate";

export interface KeyStorageContext {
  readonly storage: ResolvedKeyStorage;
  readonly partition: string;
  readonly accountId: string;
  readonly lifecycle?: TerraformResourceLifecycle;
}

export interface KeyStorageResources {
  /** ARN the parameters are encrypted with (given or created). */
  readonly kmsKeyArn: string;
  readonly key?: KmsKey;
}

export function createKeyStorage(scope: Construct, ctx: KeyStorageContext): KeyStorageResources {
  if (ctx.storage.kmsKeyArn !== undefined) return { kmsKeyArn: ctx.storage.kmsKeyArn };
  const key = new KmsKey(scope, "device-keys-kms-key", {
    description: "Encrypts private keys of Terraform-generated IoT device certificates (SSM SecureString)",
    enableKeyRotation: true,
    deletionWindowInDays: ctx.storage.deletionWindowInDays,
    // Explicit policy (checkov CKV2_AWS_64): the account's IAM policies decide who may decrypt.
    policy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "AccountIamPoliciesControlAccess",
          Effect: "Allow",
          Principal: { AWS: `arn:${ctx.partition}:iam::${ctx.accountId}:root` },
          Action: "kms:*",
          Resource: "*",
        },
      ],
    }),
    lifecycle: ctx.lifecycle,
  });
  new KmsAlias(scope, "device-keys-kms-alias", { name: ctx.storage.aliasName, targetKeyId: key.keyId });
  return { kmsKeyArn: key.arn, key };
}

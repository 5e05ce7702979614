/**
 * "generate" mode only: the KMS key that encrypts the SSM SecureString
 * parameters holding Terraform-generated private keys.
 */
import { Construct } from "constructs";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { ServiceKey } from "../../lib/kms";
import { ResolvedKeyStorage } from "./validate";

export interface KeyStorageContext {
  readonly storage: ResolvedKeyStorage;
  readonly partition: string;
  readonly accountId: string;
  readonly preventDestroy: boolean;
}

export interface KeyStorageResources {
  /** ARN the parameters are encrypted with (given or created). */
  readonly kmsKeyArn: string;
  readonly key?: KmsKey;
}

export function createKeyStorage(scope: Construct, ctx: KeyStorageContext): KeyStorageResources {
  if (ctx.storage.kmsKeyArn !== undefined) return { kmsKeyArn: ctx.storage.kmsKeyArn };
  // No grants: SSM uses the key on the caller's behalf, so the account's IAM policies decide who may decrypt.
  const created = new ServiceKey(scope, { key: "device-keys-kms-key", alias: "device-keys-kms-alias" }, {
    description: "Encrypts private keys of Terraform-generated IoT device certificates (SSM SecureString)",
    aliasName: ctx.storage.aliasName,
    accountId: ctx.accountId,
    partition: ctx.partition,
    deletionWindowInDays: ctx.storage.deletionWindowInDays,
    preventDestroy: ctx.preventDestroy,
  });
  return { kmsKeyArn: created.arn, key: created.key };
}

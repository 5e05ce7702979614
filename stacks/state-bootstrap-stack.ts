/**
 * One-time, per-account bootstrap of the Terraform state bucket.
 *
 * It keeps its own state locally (it creates the bucket every other stack
 * stores its state in); see README "Bootstrap remote state".
 *
 * Who reaches the state (README "Security"): the bucket policy lets in only the
 * break-glass role (administrators; it applies this stack) and the CI plan and
 * deploy roles, each of those to its own environment's state objects; the key
 * encrypts and decrypts only through S3 for the same roles. The deployer (the
 * role the providers assume) never touches state: the backend runs with the CI
 * role's own credentials. The policies come from lib/state-access.ts.
 */
import { Op, TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsIamSessionContext } from "@cdktf/provider-aws/lib/data-aws-iam-session-context";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { LocalBackend } from "cdktf";
import { assertName } from "../lib/aws-names";
import { ServiceKey } from "../lib/kms";
import { LOCK_SUFFIX, StateRoleAccess, stateBucketPolicy, stateKeyPolicy } from "../lib/state-access";
import { platformTags } from "../lib/tags";
import { assertRoleArnInAccount } from "../lib/validate";
import { configureAwsProvider } from "./platform-stack-base";

/**
 * Retention of superseded state versions (the decision, README "Bootstrap remote state"):
 * 90 days, the window in which a bad apply or a corrupted state is usually noticed and rolled
 * back, and always the 10 newest superseded versions of each state object whatever their age,
 * so a stack that rarely changes keeps its last few applies. Not forever: old versions keep
 * every attribute the stacks managed then, including values since removed from the current state.
 */
export const STATE_VERSION_RETENTION = { noncurrentDays: 90, newerNoncurrentVersions: 10 } as const;

/**
 * Lock objects (`<key>.tflock`) are expired one day after they were written: S3 acts at the
 * first midnight UTC at least a day after creation, so a lock is at least 24 hours old when it
 * goes. No run holds a lock that long: CI jobs time out after 60 minutes and the CI roles'
 * sessions last an hour (`maxSessionDurationSeconds`); a lock that old was left by a run that
 * was killed. Released locks' superseded versions and delete markers go after a day too.
 */
export const LOCK_EXPIRATION_DAYS = 1;

export interface StateBootstrapStackProps {
  readonly accountId: string;
  readonly region: string;
  readonly bucketName: string;
  /** Alias of the KMS key created for state objects, e.g. "alias/iot-terraform-state". */
  readonly kmsAliasName: string;
  readonly assumeRoleArn?: string;
  /**
   * The administrators' role (config `state.breakGlassRoleArn`): the only principal besides the CI
   * roles that reaches the bucket and uses the key. This stack must be applied as this role (a
   * precondition checks the caller), so applying it can never lock the applier out.
   */
  readonly breakGlassRoleArn: string;
  /** CI plan and deploy roles per GitHub environment with the state objects each may reach. @default [] (only the break-glass role) */
  readonly ciRoles?: readonly StateRoleAccess[];
  /** Every state object key kept in the bucket (`<keyPrefix>/<stack>.tfstate`); each one's orphaned `.tflock` expires. @default [] */
  readonly stateObjectKeys?: readonly string[];
  /** Days a superseded state version is kept. @default 90 */
  readonly noncurrentVersionDays?: number;
  /** Superseded versions of each object kept whatever their age. @default 10 */
  readonly newerNoncurrentVersions?: number;
  /** @default true */
  readonly preventDestroy?: boolean;
}

export class StateBootstrapStack extends TerraformStack {
  readonly bucket: S3Bucket;
  readonly key: KmsKey;

  constructor(scope: Construct, id: string, props: StateBootstrapStackProps) {
    super(scope, id);
    assertName("s3Bucket", props.bucketName, `${id}: bucketName`);
    assertRoleArnInAccount(`${id}: breakGlassRoleArn`, props.breakGlassRoleArn, props.accountId);
    new LocalBackend(this, { path: `terraform.${id}.tfstate` });
    configureAwsProvider(this, {
      accountId: props.accountId,
      region: props.region,
      tags: platformTags({ environment: "shared", productLine: "shared" }),
      assumeRoleArn: props.assumeRoleArn,
      sessionName: `cdktf-${id}`,
    });
    const preventDestroy = props.preventDestroy ?? true;
    const ciRoles = props.ciRoles ?? [];
    const principalArns = [props.breakGlassRoleArn, ...ciRoles.flatMap((r) => [r.planRoleArn, r.deployRoleArn])];

    this.key = new ServiceKey(this, { key: "state_key", alias: "state_key_alias" }, {
      description: `Terraform state objects in ${props.bucketName}`,
      aliasName: props.kmsAliasName,
      accountId: props.accountId,
      preventDestroy,
      // Administration by IAM as before; encrypt/decrypt only through S3 (kms:ViaService) for the state roles.
      policy: stateKeyPolicy({ accountId: props.accountId, region: props.region, principalArns }),
    }).key;

    this.bucket = new S3Bucket(this, "state_bucket", { bucket: props.bucketName, lifecycle: { preventDestroy } });
    new S3BucketOwnershipControls(this, "state_bucket_ownership", {
      bucket: this.bucket.id,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });
    new S3BucketVersioningA(this, "state_bucket_versioning", {
      bucket: this.bucket.id,
      versioningConfiguration: { status: "Enabled" },
    });
    new S3BucketServerSideEncryptionConfigurationA(this, "state_bucket_encryption", {
      bucket: this.bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: this.key.arn }, bucketKeyEnabled: true }],
    });
    new S3BucketPublicAccessBlock(this, "state_bucket_public_access", {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    const lockKeys = [...new Set(props.stateObjectKeys ?? [])].sort();
    new S3BucketLifecycleConfiguration(this, "state_bucket_lifecycle", {
      bucket: this.bucket.id,
      rule: [
        {
          // Every object: superseded versions (STATE_VERSION_RETENTION), then the delete markers left alone.
          id: "expire-noncurrent-state-versions",
          status: "Enabled",
          filter: [{ prefix: "" }],
          noncurrentVersionExpiration: [
            {
              noncurrentDays: props.noncurrentVersionDays ?? STATE_VERSION_RETENTION.noncurrentDays,
              newerNoncurrentVersions: props.newerNoncurrentVersions ?? STATE_VERSION_RETENTION.newerNoncurrentVersions,
            },
          ],
          expiration: [{ expiredObjectDeleteMarker: true }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
        // One rule per lock object: S3 filters by prefix, not suffix, and the exact key matches only the lock.
        ...lockKeys.map((key) => ({
          id: lockRuleId(key),
          status: "Enabled",
          filter: [{ prefix: `${key}${LOCK_SUFFIX}` }],
          expiration: [{ days: LOCK_EXPIRATION_DAYS }],
          noncurrentVersionExpiration: [{ noncurrentDays: LOCK_EXPIRATION_DAYS }],
        })),
      ],
    });

    // Who applies this stack: the bucket policy below denies everyone but the break-glass and CI roles,
    // so a plan by anyone else stops here instead of locking its applier out.
    const caller = new DataAwsCallerIdentity(this, "caller");
    const session = new DataAwsIamSessionContext(this, "caller_role", { arn: caller.arn });
    new S3BucketPolicy(this, "state_bucket_policy", {
      bucket: this.bucket.id,
      policy: stateBucketPolicy({ bucketName: props.bucketName, breakGlassRoleArn: props.breakGlassRoleArn, environments: ciRoles }),
      lifecycle: {
        precondition: [
          {
            condition: Op.eq(session.issuerArn, props.breakGlassRoleArn),
            errorMessage:
              `Apply ${id} as the break-glass role ${props.breakGlassRoleArn} (state.breakGlassRoleArn): the bucket policy lets in ` +
              "only that role and the CI roles, so anyone else would lock themselves out. Assume the role, or set TF_VAR_assume_role_arn to it.",
          },
        ],
      },
    });

    new TerraformOutput(this, "state_bucket_name", { value: this.bucket.bucket });
    new TerraformOutput(this, "state_kms_key_arn", { value: this.key.arn });
  }
}

/** Lifecycle rule id of a state key's lock object (S3 allows 255 characters). */
export function lockRuleId(stateKey: string): string {
  const id = `expire-orphaned-lock/${stateKey}`;
  if (id.length > 255) throw new Error(`State key "${stateKey}" is too long for a lifecycle rule id (255 characters with "expire-orphaned-lock/"); shorten state.keyPrefix or the stack name`);
  return id;
}

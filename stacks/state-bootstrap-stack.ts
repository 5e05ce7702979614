/**
 * One-time, per-account bootstrap of the Terraform state bucket.
 *
 * It keeps its own state locally (it creates the bucket every other stack
 * stores its state in); see README "Bootstrap remote state".
 */
import { TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
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
import { platformTags } from "../lib/tags";
import { configureAwsProvider } from "./platform-stack-base";

export interface StateBootstrapStackProps {
  readonly accountId: string;
  readonly region: string;
  readonly bucketName: string;
  /** Alias of the KMS key created for state objects, e.g. "alias/iot-terraform-state". */
  readonly kmsAliasName: string;
  readonly assumeRoleArn?: string;
  /** Days a superseded state version is kept. @default 90 */
  readonly noncurrentVersionDays?: number;
  /** @default true */
  readonly preventDestroy?: boolean;
}

export class StateBootstrapStack extends TerraformStack {
  readonly bucket: S3Bucket;
  readonly key: KmsKey;

  constructor(scope: Construct, id: string, props: StateBootstrapStackProps) {
    super(scope, id);
    assertName("s3Bucket", props.bucketName, `${id}: bucketName`);
    new LocalBackend(this, { path: `terraform.${id}.tfstate` });
    configureAwsProvider(this, {
      accountId: props.accountId,
      region: props.region,
      tags: platformTags({ environment: "shared", productLine: "shared" }),
      assumeRoleArn: props.assumeRoleArn,
      sessionName: `cdktf-${id}`,
    });
    const preventDestroy = props.preventDestroy ?? true;

    this.key = new ServiceKey(this, { key: "state_key", alias: "state_key_alias" }, {
      description: `Terraform state objects in ${props.bucketName}`,
      aliasName: props.kmsAliasName,
      accountId: props.accountId,
      preventDestroy,
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
    new S3BucketLifecycleConfiguration(this, "state_bucket_lifecycle", {
      bucket: this.bucket.id,
      rule: [
        {
          id: "expire-noncurrent-state-versions",
          status: "Enabled",
          filter: [{ prefix: "" }],
          noncurrentVersionExpiration: [{ noncurrentDays: props.noncurrentVersionDays ?? 90 }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });
    const tlsOnly = new DataAwsIamPolicyDocument(this, "state_bucket_tls_only", {
      statement: [
        {
          sid: "DenyInsecureTransport",
          effect: "Deny",
          actions: ["s3:*"],
          resources: [this.bucket.arn, `${this.bucket.arn}/*`],
          principals: [{ type: "*", identifiers: ["*"] }],
          condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
        },
      ],
    });
    new S3BucketPolicy(this, "state_bucket_policy", { bucket: this.bucket.id, policy: tlsOnly.json });

    new TerraformOutput(this, "state_bucket_name", { value: this.bucket.bucket });
    new TerraformOutput(this, "state_kms_key_arn", { value: this.key.arn });
  }
}

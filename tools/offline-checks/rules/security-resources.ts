/** SEC rules on resource settings: Lambda, logs, DynamoDB, SQS, SNS, S3, KMS, IoT certificates. */
import type { RuleId } from "../catalog";
import { Json, block, blocks, bool, isLiteral, isObject, isSet, num, str } from "../json";
import { Block, StackModel } from "../model";
import { resolvePolicy } from "../policy";
import { Outcome, RuleCheck, verdict } from "./rule";

/** A rule that checks each resource of some types on its own. */
function perResource(id: RuleId, types: readonly string[], check: (b: Block, stack: StackModel) => (string | undefined)[]): RuleCheck {
  return {
    id,
    *run(stack): Iterable<Outcome> {
      for (const type of types) for (const b of stack.ofType(type)) yield* verdict(b, check(b, stack));
    },
  };
}

/** True unless the value is literally false/absent; an expression counts as set. */
const truthy = (v: Json | undefined) => bool(v) ?? (typeof v === "string" && !isLiteral(v));

const lambdaDlq = perResource("SEC001", ["aws_lambda_function"], (b) => [
  isSet(block(b.config.dead_letter_config)?.target_arn) ? undefined : "dead_letter_config.target_arn is not set: failed async invocations are lost",
]);

const lambdaTracing = perResource("SEC002", ["aws_lambda_function"], (b) => {
  const mode = str(block(b.config.tracing_config)?.mode);
  return [mode === "Active" || (mode !== undefined && !isLiteral(mode)) ? undefined : `tracing_config.mode is ${mode ?? "not set"}; expected "Active"`];
});

const lambdaEnvEncryption = perResource("SEC003", ["aws_lambda_function"], (b) => {
  const vars = block(b.config.environment)?.variables;
  const hasVars = (isObject(vars) && Object.keys(vars).length > 0) || typeof vars === "string";
  return [hasVars && !isSet(b.config.kms_key_arn) ? "environment variables are set but kms_key_arn is not (they would use the AWS managed key)" : undefined];
});

const lambdaConcurrency = perResource("SEC004", ["aws_lambda_function"], (b) => {
  const n = num(b.config.reserved_concurrent_executions);
  const set = isSet(b.config.reserved_concurrent_executions) && n !== -1;
  return [set ? undefined : "reserved_concurrent_executions is not set: the function shares the account's unreserved pool"];
});

const logRetention = perResource("SEC005", ["aws_cloudwatch_log_group"], (b, stack) => {
  const raw = b.config.retention_in_days;
  if (!isSet(raw)) return ["retention_in_days is not set (logs are kept forever, unplanned)"];
  const days = num(raw);
  if (stack.environment === "prod" && days !== undefined && days !== 0 && days < 365) {
    return [`retention_in_days is ${days} in prod; at least 365 is required`];
  }
  return [];
});

const logKms = perResource("SEC006", ["aws_cloudwatch_log_group"], (b) => [isSet(b.config.kms_key_id) ? undefined : "kms_key_id is not set"]);

const dynamoPitr = perResource("SEC007", ["aws_dynamodb_table"], (b) => [
  truthy(block(b.config.point_in_time_recovery)?.enabled) ? undefined : "point_in_time_recovery.enabled is not true",
]);

const dynamoCmk = perResource("SEC008", ["aws_dynamodb_table"], (b) => {
  const sse = block(b.config.server_side_encryption);
  if (!truthy(sse?.enabled)) return ["server_side_encryption.enabled is not true (AWS owned key only)"];
  return [isSet(sse?.kms_key_arn) ? undefined : "server_side_encryption.kms_key_arn is not set (AWS managed key, not a customer managed key)"];
});

const sqsEncryption = perResource("SEC009", ["aws_sqs_queue"], (b) => [
  isSet(b.config.kms_master_key_id) || truthy(b.config.sqs_managed_sse_enabled) ? undefined : "neither kms_master_key_id nor sqs_managed_sse_enabled is set",
]);

const snsEncryption = perResource("SEC010", ["aws_sns_topic"], (b) => [isSet(b.config.kms_master_key_id) ? undefined : "kms_master_key_id is not set"]);

/** Resources of `type` that configure this bucket (by `${aws_s3_bucket.<name>.id|bucket}` or by its literal name). */
function companions(stack: StackModel, bucket: Block, type: string): Block[] {
  const literal = str(bucket.config.bucket);
  const ref = new RegExp(`^\\$\\{aws_s3_bucket\\.${bucket.name}\\.(id|bucket)\\}$`);
  return stack.ofType(type).filter((c) => {
    const target = str(c.config.bucket) ?? "";
    return ref.test(target) || (literal !== undefined && isLiteral(literal) && target === literal);
  });
}

const s3Versioning = perResource("SEC011", ["aws_s3_bucket"], (b, stack) => {
  const viaResource = companions(stack, b, "aws_s3_bucket_versioning").some((v) => str(block(v.config.versioning_configuration)?.status) === "Enabled");
  const inline = bool(block(b.config.versioning)?.enabled) === true;
  return [viaResource || inline ? undefined : "no aws_s3_bucket_versioning with status Enabled for this bucket"];
});

const s3Kms = perResource("SEC012", ["aws_s3_bucket"], (b, stack) => {
  const kms = (rules: Json | undefined) =>
    blocks(rules).some((r) => ["aws:kms", "aws:kms:dsse"].includes(str(block(r.apply_server_side_encryption_by_default)?.sse_algorithm) ?? ""));
  const viaResource = companions(stack, b, "aws_s3_bucket_server_side_encryption_configuration").some((c) => kms(c.config.rule));
  const inline = kms(block(b.config.server_side_encryption_configuration)?.rule);
  return [viaResource || inline ? undefined : "no server-side encryption configuration with sse_algorithm aws:kms for this bucket"];
});

const PAB_FLAGS = ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"];

const s3PublicAccess = perResource("SEC013", ["aws_s3_bucket"], (b, stack) => {
  const pabs = companions(stack, b, "aws_s3_bucket_public_access_block");
  if (pabs.length === 0) return ["no aws_s3_bucket_public_access_block for this bucket"];
  const off = PAB_FLAGS.filter((f) => !pabs.some((p) => bool(p.config[f]) === true));
  return [off.length ? `public access block does not set ${off.join(", ")} to true` : undefined];
});

const s3TlsOnly = perResource("SEC014", ["aws_s3_bucket"], (b, stack) => {
  const denies = companions(stack, b, "aws_s3_bucket_policy").some((p) =>
    (resolvePolicy(stack, p.config.policy, p)?.statements ?? []).some(
      (s) =>
        s.effect === "Deny" &&
        s.actions.some((a) => a === "*" || a === "s3:*") &&
        s.conditions.some((c) => c.test === "Bool" && c.variable === "aws:SecureTransport" && c.values.includes("false")),
    ),
  );
  return [denies ? undefined : "no bucket policy denying s3:* when aws:SecureTransport is false"];
});

const kmsRotation = perResource("SEC015", ["aws_kms_key"], (b) => {
  const spec = str(b.config.customer_master_key_spec) ?? str(b.config.key_spec) ?? "SYMMETRIC_DEFAULT";
  if (spec !== "SYMMETRIC_DEFAULT") return []; // AWS rotates only symmetric encryption keys
  return [truthy(b.config.enable_key_rotation) ? undefined : "enable_key_rotation is not true"];
});

const iotCertificateFromCsr = perResource("SEC023", ["aws_iot_certificate"], (b) => [
  isSet(b.config.csr) || isSet(b.config.certificate_pem) ? undefined : "no csr: AWS generates the key pair and Terraform stores the private key in state",
]);

export const RESOURCE_SECURITY_RULES: readonly RuleCheck[] = [
  lambdaDlq,
  lambdaTracing,
  lambdaEnvEncryption,
  lambdaConcurrency,
  logRetention,
  logKms,
  dynamoPitr,
  dynamoCmk,
  sqsEncryption,
  snsEncryption,
  s3Versioning,
  s3Kms,
  s3PublicAccess,
  s3TlsOnly,
  kmsRotation,
  iotCertificateFromCsr,
];

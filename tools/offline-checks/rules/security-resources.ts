/**
 * SEC rules on resource settings that checkov does not cover: the S3 TLS-only bucket
 * policy and IoT certificates from CSRs. Encryption, PITR, tracing, DLQ, retention,
 * versioning, public access and rotation are checkov's (see RETIRED_RULES in ../catalog).
 */
import type { RuleId } from "../catalog";
import { isLiteral, isSet, str } from "../json";
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

/** Resources of `type` that configure this bucket (by `${aws_s3_bucket.<name>.id|bucket}` or by its literal name). */
function companions(stack: StackModel, bucket: Block, type: string): Block[] {
  const literal = str(bucket.config.bucket);
  const ref = new RegExp(`^\\$\\{aws_s3_bucket\\.${bucket.name}\\.(id|bucket)\\}$`);
  return stack.ofType(type).filter((c) => {
    const target = str(c.config.bucket) ?? "";
    return ref.test(target) || (literal !== undefined && isLiteral(literal) && target === literal);
  });
}

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

const iotCertificateFromCsr = perResource("SEC023", ["aws_iot_certificate"], (b) => [
  isSet(b.config.csr) || isSet(b.config.certificate_pem) ? undefined : "no csr: AWS generates the key pair and Terraform stores the private key in state",
]);

export const RESOURCE_SECURITY_RULES: readonly RuleCheck[] = [s3TlsOnly, iotCertificateFromCsr];

/**
 * The waiver list: every accepted exception to a rule, one resource at a time,
 * with the reason a reviewer reads in the report. Keep it short; a waiver that
 * no longer matches anything is reported so it can be deleted. checkov findings
 * have their own list, tools/engine/checkov-waivers.ts.
 *
 * Example:
 *   {
 *     stack: "iot-dev-platform",
 *     address: "aws_iot_certificate.device_identity_things_Demo-01_certificate_1A2B3C4D",
 *     ruleId: "SEC023",
 *     reason: "dev-only test device: the certificate is generated on purpose and revoked after the demo",
 *   },
 */
import { isRuleId } from "./catalog";
import type { Waiver } from "./types";

export const WAIVERS: readonly Waiver[] = [];

const ADDRESS = /^(data\.[a-z0-9_]+\.[\w-]+|[a-z][a-z0-9]*_[a-z0-9_]+\.[\w-]+|output\.[\w-]+|local\.[\w-]+|provider\.[\w-]+(\.[\w-]+)?)$/;
const MIN_REASON_LENGTH = 20;

/** Throws when a waiver is too broad or unexplained; returns the list unchanged otherwise. */
export function validateWaivers(waivers: readonly Waiver[]): readonly Waiver[] {
  const seen = new Set<string>();
  waivers.forEach((w, i) => {
    const where = `waiver #${i + 1} (${w.stack} ${w.address} ${w.ruleId})`;
    if (!isRuleId(w.ruleId)) throw new Error(`${where}: ruleId "${w.ruleId}" is unknown; use an id from tools/offline-checks/README.md`);
    if (!w.stack) throw new Error(`${where}: stack is empty; name the stack, or "*" for every stack`);
    if (!ADDRESS.test(w.address)) {
      throw new Error(`${where}: address must be one exact Terraform address such as "aws_sqs_queue.dlq" (no wildcards)`);
    }
    if ((w.reason ?? "").trim().length < MIN_REASON_LENGTH) {
      throw new Error(`${where}: reason must explain why in at least ${MIN_REASON_LENGTH} characters`);
    }
    const key = `${w.stack}|${w.address}|${w.ruleId}`;
    if (seen.has(key)) throw new Error(`${where}: duplicate waiver; keep one`);
    seen.add(key);
  });
  return waivers;
}

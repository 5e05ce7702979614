/**
 * Pre-provisioning hook: AWS IoT calls it synchronously for every RegisterThing
 * request of the fleet provisioning template and provisions only when it
 * answers `{ allowProvisioning: true }` within 5 seconds.
 *
 * Lets a request through only when all of these hold:
 * - parameters.SerialNumber is a plain serial (letters, digits, '_', '-') that fits a thing name;
 * - the thing name `<prefix><serial>` is outside the claim client-id space and
 *   not one Terraform manages;
 * - no thing of that name exists (iot:DescribeThing), so no existing device is taken over;
 * - the serial is on the allowlist (loaded by manufacturing) and not disabled;
 * - the serial was not let through within the lease (conditional write), so two
 *   concurrent requests cannot both register it.
 * Anything else, including a failing or slow lookup, is refused (fail closed),
 * logged with the reason; the device only learns that it was refused.
 */
import { DescribeThingCommand } from "@aws-sdk/client-iot";
import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { Logger } from "@aws-lambda-powertools/logger";
import type { Context } from "aws-lambda";
import { ALLOWLIST_ATTRIBUTES as A, PreProvisioningHookResponse } from "../../modules/device-identity/hook-contract";
import { createAllowlistClient, createRegistryClient } from "./clients";
import { DECISION_BUDGET_MS, HookConfig, loadHookConfig } from "./config";
import { AllowlistEntry, DenyReason, decide, leaseStart, precheck } from "./decide";

const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? "provisioning-hook" });
const allowlist = createAllowlistClient();
const registry = createRegistryClient();

let config: HookConfig | undefined;

const ALLOW: PreProvisioningHookResponse = { allowProvisioning: true };
const DENY: PreProvisioningHookResponse = { allowProvisioning: false };

const errorName = (error: unknown) => (typeof error === "object" && error !== null ? (error as { name?: unknown }).name : undefined);

class DeadlineExceeded extends Error {
  constructor(ms: number) {
    super(`no decision within ${ms} ms`);
    this.name = "DeadlineExceeded";
  }
}

async function thingExists(thingName: string, abortSignal: AbortSignal): Promise<boolean> {
  try {
    await registry.send(new DescribeThingCommand({ thingName }), { abortSignal });
    return true;
  } catch (error) {
    if (errorName(error) === "ResourceNotFoundException") return false;
    throw error;
  }
}

async function readEntry(tableName: string, serialNumber: string, abortSignal: AbortSignal): Promise<AllowlistEntry | undefined> {
  const { Item } = await allowlist.send(new GetCommand({ TableName: tableName, Key: { [A.serialNumber]: serialNumber }, ConsistentRead: true }), { abortSignal });
  return Item as AllowlistEntry | undefined;
}

/** Records the claim; false when another request claimed (or manufacturing revoked) the serial in between. */
async function claim(tableName: string, serialNumber: string, certificateId: string, nowMs: number, abortSignal: AbortSignal): Promise<boolean> {
  try {
    await allowlist.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { [A.serialNumber]: serialNumber },
        UpdateExpression: "SET #claimedAt = :now, #cert = :cert ADD #claims :one",
        ConditionExpression: "attribute_exists(#serial) AND (attribute_not_exists(#enabled) OR #enabled <> :false) AND (attribute_not_exists(#claimedAt) OR #claimedAt < :leaseStart)",
        ExpressionAttributeNames: { "#serial": A.serialNumber, "#enabled": A.enabled, "#claimedAt": A.claimedAt, "#cert": A.claimedByCertificateId, "#claims": A.claims },
        ExpressionAttributeValues: { ":now": nowMs, ":cert": certificateId || "unknown", ":one": 1, ":false": false, ":leaseStart": leaseStart(nowMs) },
      }),
      { abortSignal },
    );
    return true;
  } catch (error) {
    if (errorName(error) === "ConditionalCheckFailedException") return false;
    throw error;
  }
}

/**
 * Runs `work` until `ms` have passed; then aborts its calls (so no claim is
 * recorded for a request that was already refused) and rejects.
 */
function withDeadline<T>(work: (signal: AbortSignal) => Promise<T>, ms: number): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new DeadlineExceeded(ms));
    }, ms);
  });
  return Promise.race([work(controller.signal), deadline]).finally(() => clearTimeout(timer));
}

export async function handler(event: unknown, context?: Context): Promise<PreProvisioningHookResponse> {
  if (context) logger.addContext(context);
  const request = {
    clientId: (event as { clientId?: unknown } | null)?.clientId,
    certificateId: (event as { certificateId?: unknown } | null)?.certificateId,
  };
  const deny = (reason: DenyReason, detail: string, extra: Record<string, unknown> = {}) => {
    const log = reason === "error" ? logger.error.bind(logger) : logger.warn.bind(logger);
    log("Provisioning refused", { reason, detail, ...request, ...extra });
    return DENY;
  };
  try {
    config ??= loadHookConfig(process.env);
  } catch (error) {
    return deny("error", (error as Error).message);
  }
  const cfg = config;
  const pre = precheck(event, cfg);
  if (!pre.ok) return deny(pre.reason, pre.detail);
  const who = { serialNumber: pre.serialNumber, thingName: pre.thingName };

  // Leave room for the answer to travel back, whatever the function timeout.
  const remaining = context ? context.getRemainingTimeInMillis() - 250 : DECISION_BUDGET_MS;
  const budget = Math.max(0, Math.min(DECISION_BUDGET_MS, remaining));
  try {
    const outcome = await withDeadline(
      async (signal) => {
        const [exists, entry] = await Promise.all([thingExists(pre.thingName, signal), readEntry(cfg.tableName, pre.serialNumber, signal)]);
        const nowMs = Date.now();
        const decision = decide(exists, entry, nowMs);
        if (!decision.allow) return decision;
        // Refused already when the deadline passed: record no claim for it.
        if (signal.aborted) return { allow: false as const, reason: "error" as const, detail: "the decision budget passed before the claim" };
        if (!(await claim(cfg.tableName, pre.serialNumber, pre.certificateId, nowMs, signal))) {
          return { allow: false as const, reason: "recently-claimed" as const, detail: "another request claimed the serial number at the same time" };
        }
        return decision;
      },
      budget,
    );
    if (!outcome.allow) return deny(outcome.reason, outcome.detail, who);
    logger.info("Provisioning allowed", { ...who, ...request });
    return ALLOW;
  } catch (error) {
    return deny("error", `${errorName(error) ?? "Error"}: ${(error as Error).message}`, who);
  }
}

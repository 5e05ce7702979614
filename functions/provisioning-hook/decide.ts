/**
 * The hook's decisions, pure: which requests are refused before any lookup,
 * and what the registry and allowlist answers mean. The handler does the I/O.
 */
import {
  CLAIM_CLIENT_ID_PREFIX,
  CLAIM_LEASE_MS,
  MAX_THING_NAME_LENGTH,
  PreProvisioningHookEvent,
  SERIAL_NUMBER_PATTERN,
} from "../../modules/device-identity/hook-contract";
import type { HookConfig } from "./config";

/** Why a request was refused; logged, never returned to the device. */
export type DenyReason =
  | "invalid-request"
  | "reserved-name"
  | "thing-exists"
  | "not-allowlisted"
  | "disabled"
  | "recently-claimed"
  | "error";

export type Precheck =
  | { readonly ok: true; readonly serialNumber: string; readonly thingName: string; readonly certificateId: string }
  | { readonly ok: false; readonly reason: DenyReason; readonly detail: string };

/** Checks that need no lookup: the serial's form and the name spaces the fleet may not enter. */
export function precheck(event: unknown, config: HookConfig): Precheck {
  if (typeof event !== "object" || event === null) return { ok: false, reason: "invalid-request", detail: "event is not an object" };
  const e = event as PreProvisioningHookEvent;
  const serial = e.parameters?.SerialNumber;
  if (typeof serial !== "string" || serial === "") return { ok: false, reason: "invalid-request", detail: "parameters.SerialNumber is missing" };
  const max = MAX_THING_NAME_LENGTH - config.thingNamePrefix.length;
  if (serial.length > max) return { ok: false, reason: "invalid-request", detail: `SerialNumber is ${serial.length} characters long; at most ${max} fit in a thing name` };
  if (!SERIAL_NUMBER_PATTERN.test(serial)) return { ok: false, reason: "invalid-request", detail: "SerialNumber may use only letters, digits, '_' and '-'" };
  const thingName = `${config.thingNamePrefix}${serial}`;
  if (thingName.startsWith(CLAIM_CLIENT_ID_PREFIX)) return { ok: false, reason: "reserved-name", detail: `thing names starting with "${CLAIM_CLIENT_ID_PREFIX}" are the claim client-id space` };
  if (config.reservedThingNames.has(thingName)) return { ok: false, reason: "reserved-name", detail: `${thingName} is managed by Terraform` };
  const certificateId = typeof e.certificateId === "string" ? e.certificateId : "";
  return { ok: true, serialNumber: serial, thingName, certificateId };
}

/** The allowlist item as the hook reads it. */
export interface AllowlistEntry {
  readonly enabled?: unknown;
  readonly claimedAt?: unknown;
}

export type Decision = { readonly allow: true } | { readonly allow: false; readonly reason: DenyReason; readonly detail: string };

/** The lease start: a claim at or after it blocks the serial. */
export const leaseStart = (nowMs: number): number => nowMs - CLAIM_LEASE_MS;

/** What the registry and the allowlist say about a request that passed the precheck. */
export function decide(thingExists: boolean, entry: AllowlistEntry | undefined, nowMs: number): Decision {
  if (thingExists) return { allow: false, reason: "thing-exists", detail: "a thing with this name exists; delete it first to provision it again" };
  if (entry === undefined) return { allow: false, reason: "not-allowlisted", detail: "the serial number is not on the allowlist" };
  if (entry.enabled === false) return { allow: false, reason: "disabled", detail: "the serial number is disabled on the allowlist" };
  if (typeof entry.claimedAt === "number" && entry.claimedAt >= leaseStart(nowMs)) {
    return { allow: false, reason: "recently-claimed", detail: `the serial number was let through at ${new Date(entry.claimedAt).toISOString()}; retry after the lease` };
  }
  return { allow: true };
}

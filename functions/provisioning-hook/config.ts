/** Reads the hook's settings from its environment. Pure: takes the env as an argument. */
import { HOOK_ENV, MAX_THING_NAME_LENGTH } from "../../modules/device-identity/hook-contract";

export interface HookConfig {
  readonly tableName: string;
  readonly thingNamePrefix: string;
  /** Terraform-managed thing names under the prefix; never handed out by fleet provisioning. */
  readonly reservedThingNames: ReadonlySet<string>;
}

export class HookConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "HookConfigError";
  }
}

export function loadHookConfig(env: Readonly<Record<string, string | undefined>>): HookConfig {
  const tableName = env[HOOK_ENV.allowlistTable]?.trim();
  if (!tableName) throw new HookConfigError(`${HOOK_ENV.allowlistTable} is not set: the device-identity module wires it from the allowlist table`);
  const thingNamePrefix = env[HOOK_ENV.thingNamePrefix];
  if (thingNamePrefix === undefined) throw new HookConfigError(`${HOOK_ENV.thingNamePrefix} is not set: the device-identity module wires it from fleetProvisioning.thingNamePrefix`);
  if (thingNamePrefix.length >= MAX_THING_NAME_LENGTH) throw new HookConfigError(`${HOOK_ENV.thingNamePrefix} leaves no room for a serial number`);
  const rawReserved = env[HOOK_ENV.reservedThingNames] ?? "[]";
  let reserved: unknown;
  try {
    reserved = JSON.parse(rawReserved);
  } catch {
    throw new HookConfigError(`${HOOK_ENV.reservedThingNames} must be a JSON array of thing names, got ${JSON.stringify(rawReserved.slice(0, 80))}`);
  }
  if (!Array.isArray(reserved) || !reserved.every((n) => typeof n === "string")) {
    throw new HookConfigError(`${HOOK_ENV.reservedThingNames} must be a JSON array of thing names`);
  }
  return { tableName, thingNamePrefix, reservedThingNames: new Set(reserved as string[]) };
}

/**
 * SDK settings: AWS IoT waits 5 s for the answer, so each call gets 1 s and
 * one retry, and the handler stops waiting at DECISION_BUDGET_MS (refusing).
 */
export const CLIENT_SETTINGS = {
  maxAttempts: 2,
  retryMode: "standard",
  connectionTimeoutMs: 500,
  requestTimeoutMs: 1_000,
  throwOnRequestTimeout: true,
} as const;

/** The hook answers (refusing if it must) by then, well inside AWS IoT's 5 s. */
export const DECISION_BUDGET_MS = 3_000;

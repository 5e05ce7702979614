/** Reads the function's settings from its environment (set by modules/shadow-api). Pure: takes the env as an argument. */
import { FAIL_FAST_SDK_SETTINGS } from "../shared/sdk-settings";
import type { ShadowSelection } from "../../lib/shadow-selection";
import { SHADOW_API_ENV } from "../../modules/shadow-api/contract";
import type { ServedScope } from "./request";

export interface ShadowApiConfig extends ServedScope {
  readonly tableName: string;
  /** Undefined: the SDK's own endpoint resolution (e.g. AWS_ENDPOINT_URL_IOT_DATA_PLANE). */
  readonly iotDataEndpoint?: string;
}

export class ShadowApiConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ShadowApiConfigError";
  }
}

function required(env: Readonly<Record<string, string | undefined>>, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ShadowApiConfigError(`${name} is not set: the shadow-api module wires it`);
  return value;
}

function parseShadows(text: string): ShadowSelection {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ShadowApiConfigError(`${SHADOW_API_ENV.shadows} is not JSON: ${text}`);
  }
  const v = value as { classic?: unknown; named?: unknown };
  const namedOk = v.named === "all" || (Array.isArray(v.named) && v.named.every((n) => typeof n === "string"));
  if (typeof value !== "object" || value === null || typeof v.classic !== "boolean" || !namedOk) {
    throw new ShadowApiConfigError(`${SHADOW_API_ENV.shadows} must be {"classic": boolean, "named": "all" | string[]}, got ${text}`);
  }
  return { classic: v.classic as boolean, named: v.named as ShadowSelection["named"] };
}

export function loadConfig(env: Readonly<Record<string, string | undefined>>): ShadowApiConfig {
  const endpoint = env[SHADOW_API_ENV.iotDataEndpoint]?.trim();
  return {
    tableName: required(env, SHADOW_API_ENV.tableName),
    thingNamePrefix: required(env, SHADOW_API_ENV.thingNamePrefix),
    shadows: parseShadows(required(env, SHADOW_API_ENV.shadows)),
    ...(endpoint ? { iotDataEndpoint: endpoint } : {}),
  };
}

/**
 * SDK settings: API Gateway waits at most 30 s for the function, and a caller waits for the
 * answer, so calls fail fast (3 attempts, 1 s connect, 3 s request) instead of hanging.
 */
export const SDK_CLIENT_SETTINGS = FAIL_FAST_SDK_SETTINGS;

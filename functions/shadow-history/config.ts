/** Reads the processor's settings from its environment. Pure: takes the env as an argument. */
import { FAIL_FAST_SDK_SETTINGS } from "../shared/sdk-settings";

export interface ProcessorConfig {
  readonly tableName: string;
  /** Retention in days (HISTORY_TTL_DAYS); undefined keeps history forever. */
  readonly ttlDays?: number;
}

export class ProcessorConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProcessorConfigError";
  }
}

export function loadConfig(env: Readonly<Record<string, string | undefined>>): ProcessorConfig {
  const tableName = env.TABLE_NAME?.trim();
  if (!tableName) throw new ProcessorConfigError("TABLE_NAME is not set: the processor module wires it from the history table");
  const rawTtl = env.HISTORY_TTL_DAYS?.trim();
  if (!rawTtl) return { tableName };
  const ttlDays = Number(rawTtl);
  if (!Number.isInteger(ttlDays) || ttlDays < 1) {
    throw new ProcessorConfigError(`HISTORY_TTL_DAYS must be a positive whole number of days, got "${rawTtl}"`);
  }
  return { tableName, ttlDays };
}

/**
 * DynamoDB client settings of the processor (see docs/reliability.md).
 * The rule invokes the function asynchronously, so Lambda retries a failed
 * invocation twice and then dead-letters it; in-function retries only need to
 * ride out short blips. Worst case 3 x 3 s plus backoff stays far inside the
 * 30 s function timeout, so a stuck call ends in a thrown, logged error rather
 * than a killed invocation.
 */
export const DYNAMODB_CLIENT_SETTINGS = FAIL_FAST_SDK_SETTINGS;

/** Puts in flight at once for one SQS batch: enough to hide DynamoDB latency, few enough for one execution environment. */
export const BATCH_WRITE_CONCURRENCY = 10;

/**
 * Parse and validate what the shadow topic rule delivers: the documented
 * `update/documents` payload plus `thingName` (and `shadowName` for named
 * shadows) added by the rule SQL. Pure: no I/O, no environment.
 */
import { checkName } from "../../lib/aws-names";

export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export interface ShadowState {
  readonly desired?: JsonObject;
  readonly reported?: JsonObject;
}

export interface ShadowSnapshot {
  readonly state: ShadowState;
  readonly version: number;
  /**
   * The document's `metadata` (per-field `{ timestamp }`, epoch seconds), when it is an object. Not
   * validated: it is only read for convergence latencies (convergence.ts), and a malformed one means
   * "no latency", never a rejected update.
   */
  readonly metadata?: JsonObject;
}

/** A validated `update/documents` event. `shadowName` is undefined for the classic shadow. */
export interface ShadowDocumentsEvent {
  readonly thingName: string;
  readonly shadowName?: string;
  readonly previous: ShadowSnapshot | null;
  readonly current: ShadowSnapshot;
  /** Shadow service timestamp, epoch seconds. */
  readonly timestamp: number;
  readonly clientToken?: string;
  /** UTF-8 bytes of the `current` document (state, metadata, version) as received, serialised compactly. */
  readonly documentSizeBytes: number;
}

/** Device Shadow limits (AWS IoT quotas): state document size and nesting depth, client token length. */
export const MAX_STATE_BYTES = 8 * 1024;
export const MAX_STATE_DEPTH = 6;
export const MAX_CLIENT_TOKEN_BYTES = 64;
/** Above this an epoch value is milliseconds, not seconds (year 5138). */
export const MAX_EPOCH_SECONDS = 1e11;
/** DynamoDB number range; a value outside it would fail the write after partial work. */
const DYNAMODB_MAX_MAGNITUDE = 1e126;
const DYNAMODB_MIN_MAGNITUDE = 1e-130;

/** The event is not an `update/documents` document; `field` names the offending field. */
export class InvalidShadowEventError extends Error {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`Invalid shadow event: ${field} ${problem}`);
    this.name = "InvalidShadowEventError";
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function fail(field: string, problem: string): never {
  throw new InvalidShadowEventError(field, problem);
}

/** Checks a JSON value tree: depth, and numbers DynamoDB can store. Returns its depth. */
function checkTree(value: unknown, field: string, depth: number): number {
  if (typeof value === "number") {
    const abs = Math.abs(value);
    if (!Number.isFinite(value) || abs >= DYNAMODB_MAX_MAGNITUDE || (abs !== 0 && abs < DYNAMODB_MIN_MAGNITUDE)) {
      fail(field, `is ${value}, outside the range DynamoDB can store (1e-130 to 1e126)`);
    }
    return depth;
  }
  if (value === null || typeof value === "string" || typeof value === "boolean") return depth;
  if (Array.isArray(value)) {
    return value.reduce<number>((max, v, i) => Math.max(max, checkTree(v, `${field}[${i}]`, depth + 1)), depth + 1);
  }
  if (isObject(value)) {
    return Object.entries(value).reduce<number>((max, [k, v]) => {
      // JSON.parse keeps it as a field, but JavaScript readers of the history (the SDK's unmarshall included) drop it silently.
      if (k === "__proto__") fail(`${field}.${k}`, "is a field name JavaScript readers of the history silently drop; rename the field");
      return Math.max(max, checkTree(v, `${field}.${k}`, depth + 1));
    }, depth + 1);
  }
  return fail(field, `has a value of type ${typeof value}, which is not JSON`);
}

function parseSection(state: Record<string, unknown>, section: "desired" | "reported", field: string): JsonObject | undefined {
  const value = state[section];
  // A section set to null was deleted by the update; absent and null mean the same.
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) fail(`${field}.${section}`, "must be an object");
  const depth = checkTree(value, `${field}.${section}`, 0);
  if (depth > MAX_STATE_DEPTH) {
    fail(`${field}.${section}`, `nests ${depth} levels; the Device Shadow service allows at most ${MAX_STATE_DEPTH}`);
  }
  return value as JsonObject;
}

function parseSnapshot(value: unknown, field: "previous" | "current"): ShadowSnapshot {
  if (!isObject(value)) fail(field, "must be an object with state and version (is this an update/documents payload?)");
  const version = value.version;
  if (typeof version !== "number" || !Number.isSafeInteger(version) || version < 0) {
    fail(`${field}.version`, `must be a non-negative integer, got ${JSON.stringify(version)}`);
  }
  const rawState = value.state ?? {};
  if (!isObject(rawState)) fail(`${field}.state`, "must be an object");
  const state: ShadowState = {
    desired: parseSection(rawState, "desired", `${field}.state`),
    reported: parseSection(rawState, "reported", `${field}.state`),
  };
  const bytes = Buffer.byteLength(JSON.stringify({ desired: state.desired, reported: state.reported }), "utf8");
  if (bytes > MAX_STATE_BYTES) {
    fail(`${field}.state`, `is ${bytes} bytes; the Device Shadow service allows at most ${MAX_STATE_BYTES}`);
  }
  return isObject(value.metadata) ? { state, version, metadata: value.metadata as JsonObject } : { state, version };
}

function parseName(value: unknown, field: "thingName" | "shadowName", rule: "iotThing" | "namedShadow", sql: string): string {
  if (value === undefined || value === null) fail(field, `is missing: the topic rule must add it with \`${sql}\``);
  if (typeof value !== "string") fail(field, `must be a string, got ${typeof value}`);
  const problem = checkName(rule, value);
  if (problem) fail(field, `is invalid: ${problem}`);
  return value;
}

/** Validates `input`; throws InvalidShadowEventError naming the first bad field. */
export function parseShadowDocumentsEvent(input: unknown): ShadowDocumentsEvent {
  if (!isObject(input)) fail("(event)", `must be a JSON object, got ${Array.isArray(input) ? "an array" : typeof input}`);

  const thingName = parseName(input.thingName, "thingName", "iotThing", "topic(3) AS thingName");
  // Absent on the classic shadow's topic; the named-shadow rule adds it with topic(6).
  const shadowName = input.shadowName === undefined ? undefined : parseName(input.shadowName, "shadowName", "namedShadow", "topic(6) AS shadowName");

  if (input.current === undefined || input.current === null) fail("current", "is missing (is this an update/documents payload?)");
  const current = parseSnapshot(input.current, "current");
  // The first update of a shadow carries "previous": null.
  const previous = input.previous === undefined || input.previous === null ? null : parseSnapshot(input.previous, "previous");

  const timestamp = input.timestamp;
  if (typeof timestamp !== "number" || !Number.isInteger(timestamp) || timestamp < 0) {
    fail("timestamp", `must be epoch seconds (a non-negative integer), got ${JSON.stringify(timestamp)}`);
  }
  if (timestamp >= MAX_EPOCH_SECONDS) fail("timestamp", `is ${timestamp}, which looks like milliseconds; shadow timestamps are epoch seconds`);

  const clientToken = input.clientToken;
  if (clientToken !== undefined && clientToken !== null) {
    if (typeof clientToken !== "string") fail("clientToken", `must be a string, got ${typeof clientToken}`);
    if (Buffer.byteLength(clientToken, "utf8") > MAX_CLIENT_TOKEN_BYTES) fail("clientToken", `is longer than ${MAX_CLIENT_TOKEN_BYTES} bytes`);
  }

  return {
    thingName,
    shadowName,
    previous,
    current,
    timestamp,
    clientToken: typeof clientToken === "string" ? clientToken : undefined,
    documentSizeBytes: Buffer.byteLength(JSON.stringify(input.current), "utf8"),
  };
}

/**
 * Pure transformation of a validated `update/documents` event into one
 * history item. No I/O, no clock: the caller passes the receive time.
 */
import { CLASSIC_SHADOW, shadowVersionKey } from "../../modules/history-store/schema";
import type { JsonObject, JsonValue, ShadowDocumentsEvent, ShadowState } from "./event";
import { convergenceLatencies } from "./convergence";
import { isPlainObject, jsonEqual, own, pointerSegment, setOwn } from "./json";

export { jsonEqual } from "./json";

/** One stored history item; attribute names match modules/history-store/schema.ts. */
export interface HistoryItem {
  readonly thingName: string;
  readonly shadowVersion: string;
  /** Shadow name, or CLASSIC_SHADOW for the classic shadow. */
  readonly shadowName: string;
  readonly version: number;
  /** Shadow timestamp, epoch seconds. */
  readonly updatedAt: number;
  /** When the processor handled the event, epoch milliseconds. */
  readonly receivedAtMs: number;
  readonly desired?: JsonObject;
  readonly reported?: JsonObject;
  /** JSON Pointers (RFC 6901) of every value that changed, e.g. "/reported/temperature". Sorted. */
  readonly changedKeys: string[];
  /** Desired values that differ from reported, computed like the shadow service's delta. */
  readonly drift: JsonObject;
  readonly hasDrift: boolean;
  readonly previousVersion?: number;
  readonly clientToken?: string;
  /** DynamoDB TTL, epoch seconds; only when a retention is configured. */
  readonly expiresAt?: number;
  /** UTF-8 bytes of the `current` document as received (see event.ts). */
  readonly documentSizeBytes: number;
  /** Desired keys that converged with this update (JSON Pointer into desired -> seconds, see convergence.ts); absent when none did. */
  readonly convergence?: Readonly<Record<string, number>>;
}

export interface TransformOptions {
  readonly receivedAtMs: number;
  /** Retention in days; omit to keep history forever. */
  readonly ttlDays?: number;
}

const SECONDS_PER_DAY = 86_400;

function diffPaths(before: JsonValue | undefined, after: JsonValue | undefined, path: string, out: string[]): void {
  const beforeObj = before === undefined || isPlainObject(before);
  const afterObj = after === undefined || isPlainObject(after);
  if (beforeObj && afterObj && (before !== undefined || after !== undefined)) {
    // Recurse so a nested change is reported at its leaf, not as the whole section.
    const b = (before ?? {}) as JsonObject;
    const a = (after ?? {}) as JsonObject;
    for (const key of new Set([...Object.keys(b), ...Object.keys(a)])) {
      diffPaths(own(b, key), own(a, key), `${path}/${pointerSegment(key)}`, out);
    }
    return;
  }
  if (!jsonEqual(before, after)) out.push(path);
}

/** Paths of the values that differ between two shadow states (desired and reported). */
export function changedKeys(previous: ShadowState | undefined, current: ShadowState): string[] {
  const out: string[] = [];
  diffPaths(previous?.desired, current.desired, "/desired", out);
  diffPaths(previous?.reported, current.reported, "/reported", out);
  return out.sort();
}

/**
 * Desired-vs-reported delta: every desired field whose reported value differs,
 * recursing into objects so only the differing leaves appear (as AWS does for
 * `update/delta`). Reported-only fields are not drift.
 */
export function computeDrift(desired: JsonObject | undefined, reported: JsonObject | undefined): JsonObject {
  const drift: JsonObject = {};
  for (const [key, want] of Object.entries(desired ?? {})) {
    const have = own(reported, key);
    if (isPlainObject(want) && isPlainObject(have)) {
      const nested = computeDrift(want, have);
      if (Object.keys(nested).length > 0) setOwn(drift, key, nested);
    } else if (!jsonEqual(want, have)) {
      setOwn(drift, key, want);
    }
  }
  return drift;
}

export function toHistoryItem(event: ShadowDocumentsEvent, options: TransformOptions): HistoryItem {
  const shadowName = event.shadowName ?? CLASSIC_SHADOW;
  const { current, previous } = event;
  const drift = computeDrift(current.state.desired, current.state.reported);
  const convergence = convergenceLatencies(previous, current);
  return {
    thingName: event.thingName,
    shadowVersion: shadowVersionKey(shadowName, current.version),
    shadowName,
    version: current.version,
    updatedAt: event.timestamp,
    receivedAtMs: options.receivedAtMs,
    desired: current.state.desired,
    reported: current.state.reported,
    changedKeys: changedKeys(previous?.state, current.state),
    drift,
    hasDrift: Object.keys(drift).length > 0,
    previousVersion: previous?.version,
    clientToken: event.clientToken,
    expiresAt: options.ttlDays === undefined ? undefined : event.timestamp + options.ttlDays * SECONDS_PER_DAY,
    documentSizeBytes: event.documentSizeBytes,
    convergence: Object.keys(convergence).length > 0 ? convergence : undefined,
  };
}

/** What the DocumentClient marshals: JSON values, with device objects as Maps. */
export type DocumentValue = string | number | boolean | null | DocumentValue[] | Map<string, DocumentValue> | { [key: string]: DocumentValue | undefined };

/**
 * A HistoryItem in the form lib-dynamodb's marshaller stores faithfully.
 * Device-supplied objects become Maps: the marshaller decides an object's type
 * from its `constructor` property, so a state field named "constructor" (e.g.
 * `{"constructor":{"name":"Set"}}`) would otherwise be mistaken for a Set or a
 * class instance. A Map's entries are data, never properties, and marshal to
 * the same DynamoDB M attribute. Undefined properties are left out.
 */
export function toDocumentItem(item: HistoryItem): Record<string, DocumentValue> {
  const out: Record<string, DocumentValue> = {};
  for (const [key, value] of Object.entries(item)) if (value !== undefined) out[key] = toDocumentValue(value);
  return out;
}

function toDocumentValue(value: unknown): DocumentValue {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new RangeError(`cannot store ${value} in DynamoDB`);
    return value;
  }
  if (Array.isArray(value)) return value.map(toDocumentValue);
  if (typeof value === "object") return new Map(Object.entries(value).map(([k, v]) => [k, toDocumentValue(v)]));
  throw new TypeError(`cannot store a ${typeof value} in DynamoDB`);
}

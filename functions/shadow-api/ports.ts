/**
 * What the API needs from the Device Shadow service and the history table, as interfaces: the
 * function implements them with the AWS SDK (aws-ports.ts), tests and the demo with the local
 * shadow emulator and DynamoDB. Failures come back as typed kinds, never as SDK exception names.
 */
import type { HistoryQuery } from "../../modules/history-store/queries";
import type { JsonObject } from "../shadow-history/event";

/** A whole shadow document as GetThingShadow returns it. */
export interface ShadowDocument {
  readonly state: { readonly desired?: JsonObject; readonly reported?: JsonObject; readonly delta?: JsonObject };
  readonly metadata?: JsonObject;
  readonly version: number;
  readonly timestamp: number;
  readonly clientToken?: string;
}

/** The `update/accepted` answer of UpdateThingShadow. */
export interface UpdateAccepted {
  readonly state: JsonObject | null;
  readonly metadata?: JsonObject;
  readonly version: number;
  readonly timestamp: number;
  readonly clientToken?: string;
}

export interface DesiredUpdate {
  readonly state: { readonly desired: JsonObject };
  /** Applied only when the shadow is at this version (optimistic locking). */
  readonly version: number;
  readonly clientToken?: string;
}

export type ShadowFailureKind = "not-found" | "conflict" | "too-large" | "invalid" | "throttled";

export class ShadowPortError extends Error {
  constructor(
    readonly kind: ShadowFailureKind,
    message: string,
  ) {
    super(message);
    this.name = "ShadowPortError";
  }
}

/** `shadowName` undefined: the classic shadow. */
export interface ShadowPort {
  get(thingName: string, shadowName: string | undefined): Promise<ShadowDocument>;
  updateDesired(thingName: string, shadowName: string | undefined, update: DesiredUpdate): Promise<UpdateAccepted>;
}

export type HistoryKey = Record<string, string | number>;

export interface HistoryPage {
  readonly items: readonly Record<string, unknown>[];
  readonly lastKey?: HistoryKey;
}

export class HistoryThrottledError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "HistoryThrottledError";
  }
}

export interface HistoryPort {
  /** One Query request of at most `limit` evaluated items, from `startKey`. */
  query(query: HistoryQuery, limit: number, startKey?: HistoryKey): Promise<HistoryPage>;
}

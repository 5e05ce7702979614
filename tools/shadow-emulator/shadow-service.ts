/**
 * In-memory Device Shadow service: the documented update semantics for
 * classic and named shadows, publishing the same messages on the same
 * reserved topics as AWS IoT. Deterministic: the clock is injectable.
 */
import { JsonObject, JsonValue, byteLength, isJsonObject } from "./json";
import {
  DeleteAcceptedMessage,
  RejectedMessage,
  RejectionCode,
  SHADOW_ERRORS,
  ShadowDocument,
  ShadowMessage,
  ShadowResult,
  ShadowSnapshot,
  UpdateAcceptedMessage,
  UpdateDeltaMessage,
  UpdateDocumentsMessage,
  UpdateRequestState,
} from "./messages";
import {
  DEFAULT_MAX_STATE_BYTES,
  MAX_CLIENT_TOKEN_BYTES,
  MAX_NESTING_DEPTH,
  MetadataTree,
  SECTIONS,
  ShadowMetadata,
  ShadowState,
  computeDelta,
  containsNullInArray,
  mergeSection,
  metadataOfPatch,
  nestingDepth,
} from "./state";
import { assertShadowAddress, parseShadowTopic, shadowTopic } from "./topics";

export type ShadowListener = (topic: string, payload: ShadowMessage) => void;

export interface ShadowServiceOptions {
  /**
   * Clock in epoch milliseconds; message and metadata timestamps are its epoch seconds.
   * @default Date.now
   */
  readonly now?: () => number;
  /**
   * Size limit of a state document (desired + reported, metadata excluded), in bytes.
   * AWS quota "Maximum size of a JSON state document"; raise it only to mirror a raised quota.
   * @default 8192
   */
  readonly maxStateBytes?: number;
}

interface StoredShadow {
  state: ShadowState;
  metadata: ShadowMetadata;
  version: number;
}

interface ValidRequest {
  readonly state: UpdateRequestState | null;
  readonly version?: number;
  readonly clientToken?: string;
}

type Rejection = { readonly code: RejectionCode; readonly message: string; readonly clientToken?: string };

const VALID_STATE_KEYS = new Set<string>(SECTIONS);

export class ShadowService {
  private readonly now: () => number;
  private readonly maxStateBytes: number;
  private readonly shadows = new Map<string, StoredShadow>();
  /** Versions survive a delete: the next update continues from them (documented). */
  private readonly deletedVersions = new Map<string, number>();
  private readonly listeners = new Set<ShadowListener>();

  constructor(opts: ShadowServiceOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.maxStateBytes = opts.maxStateBytes ?? DEFAULT_MAX_STATE_BYTES;
    if (!Number.isInteger(this.maxStateBytes) || this.maxStateBytes < 1) {
      throw new Error(`ShadowServiceOptions.maxStateBytes must be a positive integer (bytes), got ${String(opts.maxStateBytes)}`);
    }
  }

  /** Receives every message the service publishes; returns an unsubscribe function. */
  subscribe(listener: ShadowListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /**
   * Applies an update request (an object or its JSON text) to the classic
   * shadow (`shadowName` undefined) or a named shadow, and publishes
   * `update/accepted`, `update/delta` (when the request set desired state that
   * differs from reported) and `update/documents`, or `update/rejected`.
   */
  update(thingName: string, shadowName: string | undefined, request: unknown): ShadowResult<UpdateAcceptedMessage> {
    assertShadowAddress(thingName, shadowName);
    const timestamp = this.seconds();
    const parsed = this.validateUpdate(request);
    if ("code" in parsed) return this.reject(thingName, shadowName, "update", parsed, timestamp);

    const key = keyOf(thingName, shadowName);
    const stored = this.shadows.get(key);
    const currentVersion = stored?.version ?? this.deletedVersions.get(key) ?? 0;
    if (parsed.version !== undefined && parsed.version !== currentVersion) {
      return this.reject(thingName, shadowName, "update", { code: 409, message: SHADOW_ERRORS.versionConflict, clientToken: parsed.clientToken }, timestamp);
    }

    const next = applyUpdate(stored, parsed.state, timestamp, currentVersion + 1);
    if (byteLength(next.state as JsonValue) > this.maxStateBytes) {
      return this.reject(thingName, shadowName, "update", { code: 413, message: SHADOW_ERRORS.tooLarge, clientToken: parsed.clientToken }, timestamp);
    }
    this.shadows.set(key, next);
    this.deletedVersions.delete(key);

    const token = parsed.clientToken === undefined ? {} : { clientToken: parsed.clientToken };
    const accepted: UpdateAcceptedMessage = {
      state: parsed.state,
      ...(parsed.state === null ? {} : { metadata: acceptedMetadata(parsed.state, timestamp) }),
      version: next.version,
      timestamp,
      ...token,
    };
    this.publish(shadowTopic(thingName, shadowName, "update", "accepted"), accepted);

    const delta = computeDelta(next.state.desired, next.state.reported, next.metadata.desired);
    if (delta && isJsonObject(parsed.state?.desired)) {
      const message: UpdateDeltaMessage = { state: delta.state, metadata: delta.metadata, version: next.version, timestamp, ...token };
      this.publish(shadowTopic(thingName, shadowName, "update", "delta"), message);
    }

    const documents: UpdateDocumentsMessage = {
      previous: stored ? snapshot(stored) : null,
      current: snapshot(next),
      timestamp,
      ...token,
    };
    this.publish(shadowTopic(thingName, shadowName, "update", "documents"), documents);
    return { accepted: true, document: structuredClone(accepted) };
  }

  /** Reads a shadow (no message is published; use `handleMqttPublish` for the MQTT `get`). */
  get(thingName: string, shadowName?: string): ShadowResult<ShadowDocument> {
    assertShadowAddress(thingName, shadowName);
    const stored = this.shadows.get(keyOf(thingName, shadowName));
    if (!stored) return { accepted: false, code: 404, message: notFound(thingName, shadowName) };
    return { accepted: true, document: this.documentOf(stored, this.seconds()) };
  }

  /** Deletes a shadow and publishes `delete/accepted` or `delete/rejected`; its version is kept for the next update. */
  delete(thingName: string, shadowName?: string, request?: unknown): ShadowResult<DeleteAcceptedMessage> {
    assertShadowAddress(thingName, shadowName);
    const timestamp = this.seconds();
    const clientToken = optionalClientToken(request);
    if (typeof clientToken === "object") return this.reject(thingName, shadowName, "delete", clientToken, timestamp);
    const key = keyOf(thingName, shadowName);
    const stored = this.shadows.get(key);
    if (!stored) {
      return this.reject(thingName, shadowName, "delete", { code: 404, message: notFound(thingName, shadowName), clientToken }, timestamp);
    }
    this.shadows.delete(key);
    this.deletedVersions.set(key, stored.version);
    const message: DeleteAcceptedMessage = { version: stored.version, timestamp, ...(clientToken === undefined ? {} : { clientToken }) };
    this.publish(shadowTopic(thingName, shadowName, "delete", "accepted"), message);
    return { accepted: true, document: structuredClone(message) };
  }

  /**
   * Handles a device's publish on a shadow request topic (`.../update`,
   * `.../get`, `.../delete`, classic or named) as AWS IoT would, including
   * `get/accepted`/`get/rejected`. Returns undefined for any other topic.
   */
  handleMqttPublish(topic: string, payload: unknown): ShadowResult<UpdateAcceptedMessage | ShadowDocument | DeleteAcceptedMessage> | undefined {
    const parsed = parseShadowTopic(topic);
    if (!parsed || parsed.response !== undefined) return undefined;
    const { thingName, shadowName, operation } = parsed;
    if (operation === "update") return this.update(thingName, shadowName, payload);
    if (operation === "delete") return this.delete(thingName, shadowName, payload);

    const timestamp = this.seconds();
    const clientToken = optionalClientToken(payload);
    if (typeof clientToken === "object") return this.reject(thingName, shadowName, "get", clientToken, timestamp);
    const result = this.get(thingName, shadowName);
    if (!result.accepted) return this.reject(thingName, shadowName, "get", { code: result.code, message: result.message, clientToken }, timestamp);
    const document: ShadowDocument = { ...result.document, ...(clientToken === undefined ? {} : { clientToken }) };
    this.publish(shadowTopic(thingName, shadowName, "get", "accepted"), document);
    return { accepted: true, document: structuredClone(document) };
  }

  private validateUpdate(request: unknown): ValidRequest | Rejection {
    const doc = toJson(request);
    if (doc === undefined) return { code: 400, message: SHADOW_ERRORS.invalidJson };
    if (!isJsonObject(doc)) return { code: 400, message: SHADOW_ERRORS.missingState };

    const clientToken = optionalClientToken(doc);
    if (typeof clientToken === "object") return clientToken;
    const bad = (message: string, code: RejectionCode = 400): Rejection => ({ code, message, clientToken });

    const version = doc.version;
    if (version !== undefined && !(typeof version === "number" && Number.isSafeInteger(version) && version >= 0)) return bad(SHADOW_ERRORS.invalidVersion);
    if (!("state" in doc)) return bad(SHADOW_ERRORS.missingState);
    const state = doc.state;
    if (state === null) return { state: null, version, clientToken };
    if (!isJsonObject(state)) return bad(SHADOW_ERRORS.stateNotObject);

    for (const [section, value] of Object.entries(state)) {
      if (!VALID_STATE_KEYS.has(section)) return bad(SHADOW_ERRORS.invalidNode);
      if (value !== null && !isJsonObject(value)) {
        return bad(section === "desired" ? SHADOW_ERRORS.desiredNotObject : SHADOW_ERRORS.reportedNotObject);
      }
      if (value !== null && nestingDepth(value) > MAX_NESTING_DEPTH) return bad(SHADOW_ERRORS.tooDeep);
      if (value !== null && containsNullInArray(value)) return bad(SHADOW_ERRORS.invalidNode);
    }
    if (byteLength(state) > this.maxStateBytes) return bad(SHADOW_ERRORS.tooLarge, 413);
    return { state: state as UpdateRequestState, version, clientToken };
  }

  private reject(
    thingName: string,
    shadowName: string | undefined,
    operation: "update" | "get" | "delete",
    rejection: Rejection,
    timestamp: number,
  ): { accepted: false; code: RejectionCode; message: string } {
    const message: RejectedMessage = {
      code: rejection.code,
      message: rejection.message,
      timestamp,
      ...(rejection.clientToken === undefined ? {} : { clientToken: rejection.clientToken }),
    };
    this.publish(shadowTopic(thingName, shadowName, operation, "rejected"), message);
    return { accepted: false, code: rejection.code, message: rejection.message };
  }

  private documentOf(stored: StoredShadow, timestamp: number): ShadowDocument {
    const delta = computeDelta(stored.state.desired, stored.state.reported, stored.metadata.desired);
    const state = structuredClone(stored.state);
    return {
      state: delta ? { ...state, delta: delta.state } : state,
      metadata: structuredClone(stored.metadata),
      version: stored.version,
      timestamp,
    };
  }

  /** Listeners get their own copy, so they cannot change the stored shadow. */
  private publish(topic: string, payload: ShadowMessage): void {
    for (const listener of [...this.listeners]) listener(topic, structuredClone(payload));
  }

  private seconds(): number {
    return Math.floor(this.now() / 1000);
  }
}

function keyOf(thingName: string, shadowName: string | undefined): string {
  return `${thingName}\u0000${shadowName ?? ""}`;
}

function notFound(thingName: string, shadowName: string | undefined): string {
  return `No shadow exists with name: '${shadowName ?? thingName}'`;
}

/** A request is an object or its UTF-8 JSON text; anything that is not JSON is undefined. */
function toJson(request: unknown): JsonValue | undefined {
  try {
    if (typeof request === "string") return JSON.parse(request) as JsonValue;
    if (request instanceof Uint8Array) return JSON.parse(Buffer.from(request).toString("utf8")) as JsonValue;
    if (request === undefined) return undefined;
    return JSON.parse(JSON.stringify(request)) as JsonValue;
  } catch {
    return undefined;
  }
}

/** The optional `clientToken` of any request: a string of at most 64 bytes (documented). */
function optionalClientToken(request: unknown): string | undefined | Rejection {
  const doc = request === undefined || request === "" ? undefined : toJson(request);
  if (!isJsonObject(doc) || doc.clientToken === undefined) return undefined;
  const token = doc.clientToken;
  if (typeof token !== "string" || Buffer.byteLength(token, "utf8") > MAX_CLIENT_TOKEN_BYTES) {
    return { code: 400, message: SHADOW_ERRORS.invalidClientToken };
  }
  return token;
}

function applyUpdate(stored: StoredShadow | undefined, patch: UpdateRequestState | null, timestamp: number, version: number): StoredShadow {
  if (patch === null) return { state: {}, metadata: {}, version };
  const state: ShadowState = structuredClone(stored?.state ?? {});
  const metadata: ShadowMetadata = structuredClone(stored?.metadata ?? {});
  for (const section of SECTIONS) {
    if (!(section in patch)) continue;
    const value = patch[section];
    if (value === null || value === undefined) {
      delete state[section];
      delete metadata[section];
      continue;
    }
    const target: JsonObject = state[section] ?? {};
    const meta: MetadataTree = metadata[section] ?? {};
    mergeSection(target, meta, value, timestamp);
    if (Object.keys(target).length === 0) {
      delete state[section];
      delete metadata[section];
    } else {
      state[section] = target;
      metadata[section] = meta;
    }
  }
  return { state, metadata, version };
}

function acceptedMetadata(patch: UpdateRequestState, timestamp: number): NonNullable<UpdateAcceptedMessage["metadata"]> {
  const out: { desired?: MetadataTree | { timestamp: number }; reported?: MetadataTree | { timestamp: number } } = {};
  for (const section of SECTIONS) {
    if (!(section in patch)) continue;
    const value = patch[section];
    out[section] = value === null || value === undefined ? { timestamp } : metadataOfPatch(value, timestamp);
  }
  return out;
}

function snapshot(stored: StoredShadow): ShadowSnapshot {
  return structuredClone({ state: stored.state, metadata: stored.metadata, version: stored.version });
}

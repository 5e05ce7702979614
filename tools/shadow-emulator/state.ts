/**
 * Pure Device Shadow state operations: merge, metadata, delta, limits.
 * Semantics follow the AWS IoT Device Shadow documentation
 * (device-shadow-document, device-shadow-data-flow, device-shadow-mqtt).
 */
import { JsonObject, JsonValue, isJsonObject, jsonEqual } from "./json";

/** Metadata mirrors state: objects nest, every leaf (primitive or whole array) is `{ timestamp }`. */
export type MetadataTree = { [key: string]: MetadataNode };
export type MetadataNode = { timestamp: number } | MetadataTree;

export type Section = "desired" | "reported";
export const SECTIONS: readonly Section[] = ["desired", "reported"];

/** `desired`/`reported`, each present only when non-empty. */
export interface ShadowState {
  desired?: JsonObject;
  reported?: JsonObject;
}

export interface ShadowMetadata {
  desired?: MetadataTree;
  reported?: MetadataTree;
}

/** Documented limit: "JSON contains too many levels of nesting; maximum is 6". */
export const MAX_NESTING_DEPTH = 6;
/** Default AWS quota "Maximum size of a JSON state document" (metadata excluded). */
export const DEFAULT_MAX_STATE_BYTES = 8192;
export const MAX_CLIENT_TOKEN_BYTES = 64;

function isLeafMetadata(node: MetadataNode | undefined): node is { timestamp: number } {
  return node !== undefined && typeof (node as { timestamp?: unknown }).timestamp === "number" && Object.keys(node).length === 1;
}

/**
 * Merges `patch` into `target` (both mutable copies): `null` deletes a field
 * (and its metadata), objects merge recursively, arrays and primitives
 * replace whole. Objects left empty are pruned so "no fields" means "absent".
 */
export function mergeSection(target: JsonObject, meta: MetadataTree, patch: JsonObject, timestamp: number): void {
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete target[key];
      delete meta[key];
      continue;
    }
    if (isJsonObject(value)) {
      const existing = target[key];
      const child: JsonObject = isJsonObject(existing) ? existing : {};
      const childMeta = meta[key];
      const childMetaTree: MetadataTree = isJsonObject(existing) && childMeta && !isLeafMetadata(childMeta) ? (childMeta as MetadataTree) : {};
      mergeSection(child, childMetaTree, value, timestamp);
      if (Object.keys(child).length === 0) {
        delete target[key];
        delete meta[key];
      } else {
        target[key] = child;
        meta[key] = childMetaTree;
      }
      continue;
    }
    target[key] = structuredClone(value);
    meta[key] = { timestamp };
  }
}

/** Metadata of a request section as the `update/accepted` message reports it (nulls included). */
export function metadataOfPatch(patch: JsonObject, timestamp: number): MetadataTree {
  const out: MetadataTree = {};
  for (const [key, value] of Object.entries(patch)) {
    out[key] = isJsonObject(value) ? metadataOfPatch(value, timestamp) : { timestamp };
  }
  return out;
}

/**
 * Documented delta rules: every desired field that differs from reported
 * (including fields missing from reported), recursing into objects so the
 * delta keeps the path to the root; arrays compare as whole values.
 */
export function computeDelta(
  desired: JsonObject | undefined,
  reported: JsonObject | undefined,
  desiredMeta: MetadataTree | undefined,
): { state: JsonObject; metadata: MetadataTree } | undefined {
  if (!desired) return undefined;
  const state: JsonObject = {};
  const metadata: MetadataTree = {};
  for (const [key, want] of Object.entries(desired)) {
    const have = reported?.[key];
    if (isJsonObject(want) && isJsonObject(have)) {
      const nested = computeDelta(want, have, desiredMeta?.[key] as MetadataTree | undefined);
      if (nested) {
        state[key] = nested.state;
        metadata[key] = nested.metadata;
      }
    } else if (!jsonEqual(want, have)) {
      state[key] = structuredClone(want);
      const m = desiredMeta?.[key];
      if (m) metadata[key] = structuredClone(m);
    }
  }
  return Object.keys(state).length > 0 ? { state, metadata } : undefined;
}

/** Levels below a section: a section's own keys are level 1; arrays nest like objects do. */
export function nestingDepth(value: JsonValue): number {
  if (Array.isArray(value)) return value.length === 0 ? 0 : 1 + Math.max(...value.map(nestingDepth));
  if (isJsonObject(value)) {
    const children = Object.values(value);
    return children.length === 0 ? 0 : 1 + Math.max(...children.map(nestingDepth));
  }
  return 0;
}

/** "Arrays can't have null values" (documented), at any depth. */
export function containsNullInArray(value: JsonValue): boolean {
  if (Array.isArray(value)) return value.some((item) => item === null || containsNullInArray(item));
  if (isJsonObject(value)) return Object.values(value).some(containsNullInArray);
  return false;
}

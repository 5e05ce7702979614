/** Local Device Shadow service emulator: import from here; nothing runs at import time. */
export { ShadowService } from "./shadow-service";
export type { ShadowListener, ShadowServiceOptions } from "./shadow-service";
export * from "./messages";
export { shadowTopic, shadowTopicPrefix, parseShadowTopic } from "./topics";
export type { ParsedShadowTopic, ShadowOperation, ShadowResponse } from "./topics";
export { DEFAULT_MAX_STATE_BYTES, MAX_CLIENT_TOKEN_BYTES, MAX_NESTING_DEPTH, computeDelta } from "./state";
export type { MetadataTree, MetadataNode, ShadowMetadata, ShadowState, Section } from "./state";
export type { JsonObject, JsonValue, JsonPrimitive } from "./json";
export { startShadowDataPlane } from "./data-plane-server";
export type { ShadowDataPlane } from "./data-plane-server";

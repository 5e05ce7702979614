/** Payload shapes of the Device Shadow service, as the AWS documentation describes them. */
import { JsonObject } from "./json";
import { MetadataTree, ShadowMetadata, ShadowState } from "./state";

/** The `state` node of an update request; `null` for a section deletes it. */
export interface UpdateRequestState {
  readonly desired?: JsonObject | null;
  readonly reported?: JsonObject | null;
}

/** `.../update/accepted`: only what the request changed, with its metadata. */
export interface UpdateAcceptedMessage {
  /** The request's state as sent (`null` when the request cleared the whole state). */
  readonly state: UpdateRequestState | null;
  readonly metadata?: { readonly desired?: MetadataTree | { timestamp: number }; readonly reported?: MetadataTree | { timestamp: number } };
  readonly version: number;
  /** Epoch seconds. */
  readonly timestamp: number;
  readonly clientToken?: string;
}

/** `.../update/delta`: desired fields that differ from reported, flat (no `desired` wrapper). */
export interface UpdateDeltaMessage {
  readonly state: JsonObject;
  readonly metadata: MetadataTree;
  readonly version: number;
  readonly timestamp: number;
  readonly clientToken?: string;
}

/** One side of `.../update/documents`. */
export interface ShadowSnapshot {
  readonly state: ShadowState;
  readonly metadata: ShadowMetadata;
  readonly version: number;
}

/** `.../update/documents`: full before/after; `previous` is null on a shadow's first update. */
export interface UpdateDocumentsMessage {
  readonly previous: ShadowSnapshot | null;
  readonly current: ShadowSnapshot;
  readonly timestamp: number;
  readonly clientToken?: string;
}

/** `.../update|get|delete/rejected`. */
export interface RejectedMessage {
  readonly code: number;
  readonly message: string;
  readonly timestamp: number;
  readonly clientToken?: string;
}

/** `.../get/accepted` (and the return of `ShadowService.get`): the whole shadow, delta included. */
export interface ShadowDocument {
  readonly state: ShadowState & { readonly delta?: JsonObject };
  readonly metadata: ShadowMetadata;
  readonly version: number;
  readonly timestamp: number;
  readonly clientToken?: string;
}

/** `.../delete/accepted`. */
export interface DeleteAcceptedMessage {
  readonly version: number;
  readonly timestamp: number;
  readonly clientToken?: string;
}

export type ShadowMessage =
  | UpdateAcceptedMessage
  | UpdateDeltaMessage
  | UpdateDocumentsMessage
  | RejectedMessage
  | ShadowDocument
  | DeleteAcceptedMessage;

/** HTTP-style status codes the emulator can reject with. */
export type RejectionCode = 400 | 404 | 409 | 413;

export type ShadowResult<T> =
  | { readonly accepted: true; readonly document: T }
  | { readonly accepted: false; readonly code: RejectionCode; readonly message: string };

/** Documented error messages (device-shadow-error-messages). */
export const SHADOW_ERRORS = {
  invalidJson: "Invalid JSON",
  missingState: "Missing required node: state",
  stateNotObject: "State node must be an object",
  desiredNotObject: "Desired node must be an object",
  reportedNotObject: "Reported node must be an object",
  invalidVersion: "Invalid version",
  invalidClientToken: "Invalid clientToken",
  tooDeep: "JSON contains too many levels of nesting; maximum is 6",
  invalidNode: "State contains an invalid node",
  versionConflict: "Version conflict",
  tooLarge: "The payload exceeds the maximum size allowed",
} as const;

/** Reserved Device Shadow topic names, classic and named. */
import { assertName } from "../../lib/aws-names";

export type ShadowOperation = "update" | "get" | "delete";
export type ShadowResponse = "accepted" | "rejected" | "delta" | "documents";

/** `$aws/things/{thing}/shadow` or `$aws/things/{thing}/shadow/name/{shadow}`. */
export function shadowTopicPrefix(thingName: string, shadowName?: string): string {
  return shadowName === undefined ? `$aws/things/${thingName}/shadow` : `$aws/things/${thingName}/shadow/name/${shadowName}`;
}

/** e.g. `shadowTopic("T", "config", "update", "documents")` → `$aws/things/T/shadow/name/config/update/documents`. */
export function shadowTopic(thingName: string, shadowName: string | undefined, operation: ShadowOperation, response?: ShadowResponse): string {
  const base = `${shadowTopicPrefix(thingName, shadowName)}/${operation}`;
  return response === undefined ? base : `${base}/${response}`;
}

export interface ParsedShadowTopic {
  readonly thingName: string;
  /** Undefined for the classic (unnamed) shadow. */
  readonly shadowName?: string;
  readonly operation: ShadowOperation;
  /** Undefined for a request topic (`.../update`), set for a response topic. */
  readonly response?: ShadowResponse;
}

const TOPIC = /^\$aws\/things\/([^/]+)\/shadow(?:\/name\/([^/]+))?\/(update|get|delete)(?:\/(accepted|rejected|delta|documents))?$/;

/** Parses a shadow topic; returns undefined for any other topic. */
export function parseShadowTopic(topic: string): ParsedShadowTopic | undefined {
  const m = TOPIC.exec(topic);
  if (!m) return undefined;
  const [, thingName, shadowName, operation, response] = m;
  if ((response === "delta" || response === "documents") && operation !== "update") return undefined;
  return {
    thingName,
    shadowName,
    operation: operation as ShadowOperation,
    response: response as ShadowResponse | undefined,
  };
}

/** Thing and shadow names follow the shared AWS rules; a bad name is a caller bug, so it throws. */
export function assertShadowAddress(thingName: string, shadowName: string | undefined): void {
  assertName("iotThing", thingName, "thingName");
  if (shadowName !== undefined) assertName("iotShadow", shadowName, "shadowName");
}

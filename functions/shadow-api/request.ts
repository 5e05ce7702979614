/**
 * Parses an API Gateway HTTP API (payload 2.0) event into one typed request, or throws an ApiError
 * naming the field. Pure: no I/O, no environment (the served scope comes in as an argument).
 */
import { checkName } from "../../lib/aws-names";
import type { ShadowSelection } from "../../lib/shadow-selection";
import { CLASSIC_SHADOW_PATH_NAME, HISTORY_PAGE, MAX_DOCUMENT_BYTES, SHADOW_API_ROUTES, ShadowApiRoute } from "../../modules/shadow-api/contract";
import type { JsonObject } from "../shadow-history/event";
import { ApiError, invalid } from "./errors";

/** What the function serves: the environment's things and shadows (the IAM policy allows no others). */
export interface ServedScope {
  readonly thingNamePrefix: string;
  readonly shadows: ShadowSelection;
}

/** The shadow a path names: `shadowName` undefined for the classic shadow (`$classic` in the path). */
export interface ShadowAddress {
  readonly thingName: string;
  readonly shadowName: string | undefined;
  /** As in the path and the history: a named shadow's name, or `$classic`. */
  readonly pathName: string;
}

export interface TimeRange {
  /** Epoch seconds, inclusive. */
  readonly from: number;
  readonly to: number;
}

export type ApiRequest =
  | { readonly route: "getShadow"; readonly address: ShadowAddress }
  | { readonly route: "history"; readonly address: ShadowAddress; readonly range?: TimeRange; readonly limit: number; readonly cursor?: string }
  | { readonly route: "updateDesired"; readonly address: ShadowAddress; readonly desired: JsonObject; readonly expectedVersion: number; readonly clientToken?: string };

/** The part of the HTTP API event the function reads. */
export interface HttpApiEvent {
  readonly routeKey?: string;
  readonly pathParameters?: Readonly<Record<string, string | undefined>>;
  readonly queryStringParameters?: Readonly<Record<string, string | undefined>>;
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
}

const ROUTE_BY_KEY = new Map(Object.entries(SHADOW_API_ROUTES).map(([route, key]) => [key as string, route as ShadowApiRoute]));
/** Epoch seconds before the year 5138; anything longer is milliseconds or not a time. */
const EPOCH_SECONDS = /^\d{1,11}$/;
const MAX_EPOCH_SECONDS = 99_999_999_999;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Names cannot contain '%', so decoding a percent-encoded segment (a client's `%24classic`) is never ambiguous. */
function pathSegment(event: HttpApiEvent, name: string): string {
  const raw = event.pathParameters?.[name];
  if (raw === undefined || raw === "") throw invalid(name, "is missing from the path");
  try {
    return raw.includes("%") ? decodeURIComponent(raw) : raw;
  } catch {
    throw invalid(name, `"${raw}" is not a valid percent-encoded path segment`);
  }
}

export function parseAddress(event: HttpApiEvent, scope: ServedScope): ShadowAddress {
  const thingName = pathSegment(event, "thing");
  const thingProblem = checkName("iotThing", thingName);
  if (thingProblem) throw invalid("thing", thingProblem);
  if (!thingName.startsWith(scope.thingNamePrefix)) {
    throw new ApiError("NotFound", "thing", `thing: "${thingName}" is not served by this API (its things are named "${scope.thingNamePrefix}...")`);
  }
  const pathName = pathSegment(event, "shadow");
  if (pathName === CLASSIC_SHADOW_PATH_NAME) {
    if (!scope.shadows.classic) throw new ApiError("NotFound", "shadow", `shadow: the classic shadow ("${CLASSIC_SHADOW_PATH_NAME}") is not served by this API`);
    return { thingName, shadowName: undefined, pathName };
  }
  const shadowProblem = checkName("namedShadow", pathName);
  if (shadowProblem) throw invalid("shadow", `${shadowProblem} (the classic shadow is "${CLASSIC_SHADOW_PATH_NAME}")`);
  const named = scope.shadows.named;
  if (named !== "all" && !named.includes(pathName)) {
    throw new ApiError("NotFound", "shadow", `shadow: "${pathName}" is not served by this API (served: ${[...(scope.shadows.classic ? [CLASSIC_SHADOW_PATH_NAME] : []), ...named].join(", ")})`);
  }
  return { thingName, shadowName: pathName, pathName };
}

function rejectUnknown(values: Readonly<Record<string, unknown>>, allowed: readonly string[], where: string): void {
  const unknown = Object.keys(values).find((k) => !allowed.includes(k));
  if (unknown !== undefined) throw invalid(unknown, `is not a ${where}${allowed.length > 0 ? `; allowed: ${allowed.join(", ")}` : ""}`);
}

/** `from`/`to`: epoch seconds, or an ISO 8601 date-time such as 2025-01-15T08:00:00Z. */
function parseTime(text: string, field: string): number {
  if (EPOCH_SECONDS.test(text)) return Number(text);
  const ms = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : NaN;
  if (!Number.isFinite(ms)) throw invalid(field, `"${text}" is neither epoch seconds nor an ISO 8601 date-time (e.g. 2025-01-15T08:00:00Z)`);
  return Math.floor(ms / 1000);
}

function parseHistoryQuery(event: HttpApiEvent): { range?: TimeRange; limit: number; cursor?: string } {
  const query = event.queryStringParameters ?? {};
  rejectUnknown(query, ["from", "to", "limit", "cursor"], "history query parameter");
  let limit: number = HISTORY_PAGE.default;
  if (query.limit !== undefined) {
    if (!/^\d{1,3}$/.test(query.limit) || Number(query.limit) < 1 || Number(query.limit) > HISTORY_PAGE.max) {
      throw invalid("limit", `must be a whole number from 1 to ${HISTORY_PAGE.max}, got "${query.limit}"`);
    }
    limit = Number(query.limit);
  }
  const cursor = query.cursor === undefined || query.cursor === "" ? undefined : query.cursor;
  if (query.from === undefined && query.to === undefined) return { limit, cursor };
  const from = query.from === undefined ? 0 : parseTime(query.from, "from");
  const to = query.to === undefined ? MAX_EPOCH_SECONDS : parseTime(query.to, "to");
  if (from > to) throw invalid("from", `(${from}) is after to (${to}); swap them`);
  return { range: { from, to }, limit, cursor };
}

function bodyText(event: HttpApiEvent): string {
  const raw = event.body ?? "";
  return event.isBase64Encoded ? Buffer.from(raw, "base64").toString("utf8") : raw;
}

function parseDesiredBody(event: HttpApiEvent): { desired: JsonObject; expectedVersion: number; clientToken?: string } {
  const text = bodyText(event);
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > MAX_DOCUMENT_BYTES) {
    throw new ApiError("PayloadTooLarge", "desired", `desired: the request body is ${bytes} bytes; a shadow document may hold at most ${MAX_DOCUMENT_BYTES}`, { maxBytes: MAX_DOCUMENT_BYTES });
  }
  if (text.trim() === "") throw invalid("body", 'is empty; send {"desired": {...}, "expectedVersion": <version you read>}');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw invalid("body", "is not valid JSON");
  }
  if (!isObject(body)) throw invalid("body", 'must be a JSON object {"desired": {...}, "expectedVersion": n}');
  rejectUnknown(body, ["desired", "expectedVersion", "clientToken"], "field of the body");
  const { desired, expectedVersion, clientToken } = body;
  if (desired === undefined) throw invalid("desired", "is required: the desired keys to set (null deletes a key)");
  if (!isObject(desired)) throw invalid("desired", "must be a JSON object of the keys to set");
  if (Object.keys(desired).length === 0) throw invalid("desired", "sets no key; send at least one (null deletes a key)");
  if (expectedVersion === undefined) throw invalid("expectedVersion", "is required: the shadow version your change is based on (GET the shadow first; 0 creates it)");
  if (typeof expectedVersion !== "number" || !Number.isSafeInteger(expectedVersion) || expectedVersion < 0) {
    throw invalid("expectedVersion", `must be a non-negative whole number, got ${JSON.stringify(expectedVersion)}`);
  }
  if (clientToken !== undefined && (typeof clientToken !== "string" || clientToken === "" || Buffer.byteLength(clientToken, "utf8") > 64)) {
    throw invalid("clientToken", "must be a string of 1-64 bytes");
  }
  return { desired: desired as JsonObject, expectedVersion, ...(clientToken === undefined ? {} : { clientToken: clientToken as string }) };
}

export function parseRequest(event: HttpApiEvent, scope: ServedScope): ApiRequest {
  const route = ROUTE_BY_KEY.get(event.routeKey ?? "");
  // API Gateway routes only the keys the module declares; anything else is a wiring mistake.
  if (route === undefined) throw new ApiError("NotFound", undefined, `no route ${JSON.stringify(event.routeKey)}; routes: ${[...ROUTE_BY_KEY.keys()].join(", ")}`);
  const address = parseAddress(event, scope);
  if (route === "getShadow") {
    rejectUnknown(event.queryStringParameters ?? {}, [], "query parameter of this route (it takes none)");
    return { route, address };
  }
  if (route === "history") return { route, address, ...parseHistoryQuery(event) };
  return { route, address, ...parseDesiredBody(event) };
}

/**
 * The API's logic: a parsed request in, a response out, the shadow service and the history
 * behind the ports. No SDK here, so tests drive it with the local shadow emulator and DynamoDB.
 *
 * Optimistic locking: a desired-state change carries the version it was based on
 * (`expectedVersion`); UpdateThingShadow applies it only at that version. On a conflict the
 * answer is 409 with the shadow's current version, so the client re-reads and decides
 * (tools/shadow-api-client merges disjoint keys and retries; a change to the same key fails).
 */
import { timeRangeQuery, versionsQuery } from "../../modules/history-store/queries";
import { ApiError, ApiResponse, errorResponse, jsonResponse } from "./errors";
import { decodeCursor, encodeCursor } from "./cursor";
import { HistoryKey, HistoryPort, HistoryThrottledError, ShadowPort, ShadowPortError } from "./ports";
import { ApiRequest, HttpApiEvent, ServedScope, parseRequest } from "./request";

export interface ApiDependencies {
  readonly shadows: ShadowPort;
  readonly history: HistoryPort;
  readonly scope: ServedScope;
}

/** Query requests one history page may take: a filtered page can come back short, so a few more fill it. */
const MAX_QUERIES_PER_PAGE = 5;

function fromShadowFailure(error: ShadowPortError, request: ApiRequest): ApiError {
  const where = `thing "${request.address.thingName}", shadow "${request.address.pathName}"`;
  switch (error.kind) {
    case "not-found":
      return new ApiError("NotFound", "shadow", `shadow: ${where} does not exist`);
    case "too-large":
      return new ApiError("PayloadTooLarge", "desired", `desired: the shadow document would exceed the Device Shadow size limit (8 KB): ${error.message}`);
    case "invalid":
      return new ApiError("InvalidRequest", "desired", `desired: the Device Shadow service refused it: ${error.message}`);
    case "throttled":
      return new ApiError("Throttled", undefined, "the Device Shadow service throttled the request; retry after a second");
    case "conflict":
      // Resolved by the caller (it knows the expected version).
      return new ApiError("VersionConflict", "expectedVersion", error.message);
  }
}

async function updateDesired(request: Extract<ApiRequest, { route: "updateDesired" }>, deps: ApiDependencies): Promise<ApiResponse> {
  const { thingName, shadowName } = request.address;
  try {
    const accepted = await deps.shadows.updateDesired(thingName, shadowName, {
      state: { desired: request.desired },
      version: request.expectedVersion,
      ...(request.clientToken === undefined ? {} : { clientToken: request.clientToken }),
    });
    return jsonResponse(200, accepted);
  } catch (error) {
    if (!(error instanceof ShadowPortError) || error.kind !== "conflict") throw error;
    // The body carries the version the shadow is at now, so the client can re-read and retry.
    let currentVersion: number | null = null;
    try {
      currentVersion = (await deps.shadows.get(thingName, shadowName)).version;
    } catch (readError) {
      if (!(readError instanceof ShadowPortError) || readError.kind !== "not-found") throw readError;
    }
    throw new ApiError(
      "VersionConflict",
      "expectedVersion",
      `expectedVersion: the shadow is at version ${currentVersion ?? "(deleted)"}, not ${request.expectedVersion}; read it again and re-apply your change`,
      { expectedVersion: request.expectedVersion, currentVersion },
    );
  }
}

async function history(request: Extract<ApiRequest, { route: "history" }>, deps: ApiDependencies): Promise<ApiResponse> {
  const { address, range } = request;
  const query = range === undefined ? versionsQuery(address.thingName, address.pathName) : timeRangeQuery(address.thingName, range.from, range.to, address.pathName);
  let startKey: HistoryKey | undefined = request.cursor === undefined ? undefined : decodeCursor(request.cursor, address, range);
  const items: Record<string, unknown>[] = [];
  // Limit caps the items DynamoDB evaluates, so asking for what is missing never overshoots the page.
  for (let i = 0; i < MAX_QUERIES_PER_PAGE && items.length < request.limit; i++) {
    const page = await deps.history.query(query, request.limit - items.length, startKey);
    items.push(...page.items);
    startKey = page.lastKey;
    if (startKey === undefined) break;
  }
  return jsonResponse(200, { items, ...(startKey === undefined ? {} : { cursor: encodeCursor(address, range, startKey) }) });
}

async function route(request: ApiRequest, deps: ApiDependencies): Promise<ApiResponse> {
  const { thingName, shadowName } = request.address;
  if (request.route === "getShadow") return jsonResponse(200, await deps.shadows.get(thingName, shadowName));
  if (request.route === "history") return history(request, deps);
  return updateDesired(request, deps);
}

/**
 * One HTTP API event to one response. Bad input and every failure of the shadow service or the
 * history that the client can act on become a JSON error naming the field; anything else is
 * thrown for the handler to log and answer 500.
 */
export async function handleApiEvent(event: HttpApiEvent, deps: ApiDependencies): Promise<ApiResponse> {
  let request: ApiRequest | undefined;
  try {
    request = parseRequest(event, deps.scope);
    return await route(request, deps);
  } catch (error) {
    if (error instanceof ApiError) return errorResponse(error);
    if (error instanceof ShadowPortError && request !== undefined) return errorResponse(fromShadowFailure(error, request));
    if (error instanceof HistoryThrottledError) return errorResponse(new ApiError("Throttled", undefined, "the history table throttled the request; retry after a second"));
    throw error;
  }
}

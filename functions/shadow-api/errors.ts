/**
 * Every answer the API gives that is not a success: a status and a JSON body naming the field at
 * fault (`{ "code", "message", "field"?, ... }`), so a client can fix its request without guessing.
 */
import type { JsonValue } from "../shadow-history/event";

export type ApiErrorCode = "InvalidRequest" | "NotFound" | "VersionConflict" | "PayloadTooLarge" | "Throttled" | "InternalError";

const STATUS: Readonly<Record<ApiErrorCode, number>> = {
  InvalidRequest: 400,
  NotFound: 404,
  VersionConflict: 409,
  PayloadTooLarge: 413,
  Throttled: 429,
  InternalError: 500,
};

export class ApiError extends Error {
  readonly status: number;

  constructor(
    readonly code: ApiErrorCode,
    /** The request field at fault (`expectedVersion`, `desired.mode`, `limit`, `thing`, ...), if one is. */
    readonly field: string | undefined,
    message: string,
    /** Extra members of the body, e.g. `currentVersion` on a conflict. */
    readonly details: Readonly<Record<string, JsonValue>> = {},
  ) {
    super(message);
    this.name = "ApiError";
    this.status = STATUS[code];
  }
}

/** Shorthand for a 400 naming the field. */
export function invalid(field: string, message: string): ApiError {
  return new ApiError("InvalidRequest", field, `${field}: ${message}`);
}

export interface ApiResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

const JSON_HEADERS = { "content-type": "application/json" } as const;

export function jsonResponse(statusCode: number, body: unknown, headers: Readonly<Record<string, string>> = {}): ApiResponse {
  return { statusCode, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

export function errorResponse(error: ApiError): ApiResponse {
  const body = { code: error.code, message: error.message, ...(error.field === undefined ? {} : { field: error.field }), ...error.details };
  // A throttled client should back off before retrying.
  return jsonResponse(error.status, body, error.code === "Throttled" ? { "retry-after": "1" } : {});
}

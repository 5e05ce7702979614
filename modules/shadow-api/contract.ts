/**
 * The contract between the shadow-api module and its function (functions/shadow-api): routes,
 * environment variable names and limits. Pure constants, so the bundle imports them without cdktf.
 */
import { CLASSIC_SHADOW } from "../history-store/schema";

/**
 * The classic (unnamed) shadow's name in a path: the name the history already stores it under.
 * AWS allows `$` in shadow names, so the platform rejects a named shadow of that name (lib/aws-names
 * `namedShadow`): the path never means two shadows.
 */
export const CLASSIC_SHADOW_PATH_NAME = CLASSIC_SHADOW;

/** The routes, as HTTP API route keys. No other route exists: API Gateway answers anything else with 404. */
export const SHADOW_API_ROUTES = {
  getShadow: "GET /things/{thing}/shadows/{shadow}",
  history: "GET /things/{thing}/shadows/{shadow}/history",
  updateDesired: "PATCH /things/{thing}/shadows/{shadow}/desired",
} as const;

export type ShadowApiRoute = keyof typeof SHADOW_API_ROUTES;

/** Routes that change a shadow (a JWT authorizer requires the write scopes on them). */
export const WRITE_ROUTES: readonly ShadowApiRoute[] = ["updateDesired"];

/** Environment the module sets on the function. */
export const SHADOW_API_ENV = {
  tableName: "TABLE_NAME",
  /** Only things whose names start with it are served (the IAM policy allows no others). */
  thingNamePrefix: "THING_NAME_PREFIX",
  /** JSON `{ "classic": boolean, "named": "all" | string[] }`: the shadows served. */
  shadows: "SHADOWS",
  /** `https://<account-specific prefix>-ats.iot.<region>.amazonaws.com`: where the data-plane client calls. */
  iotDataEndpoint: "IOT_DATA_ENDPOINT",
} as const;

/** Device Shadow quota "maximum size of a JSON state document"; a bigger request body gets 413. */
export const MAX_DOCUMENT_BYTES = 8 * 1024;
/** Device Shadow quota: levels of nesting below `desired`. */
export const MAX_DESIRED_DEPTH = 6;
/** History page sizes: `limit` 1-100, 25 when omitted. */
export const HISTORY_PAGE = { default: 25, max: 100 } as const;

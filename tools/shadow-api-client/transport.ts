/**
 * How the client reaches the API: a function from an HTTP request to an HTTP response. An
 * application wraps its SigV4-signing HTTP client in one; tests and the demo use `handlerTransport`,
 * which routes a request to the function handler in process exactly as API Gateway would
 * (route key, path parameters, query string, body).
 */
import { SHADOW_API_ROUTES } from "../../modules/shadow-api/contract";
import type { HttpApiEvent } from "../../functions/shadow-api/request";

export interface ApiHttpRequest {
  readonly method: "GET" | "PATCH";
  /** e.g. "/things/Thermostat-01/shadows/$classic/history" */
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface ApiHttpResponse {
  readonly status: number;
  readonly body: string;
}

export type ApiTransport = (request: ApiHttpRequest) => Promise<ApiHttpResponse>;

/** Route templates as matchers: "GET /things/{thing}/shadows/{shadow}" -> method, regex, parameter names. */
const MATCHERS = Object.values(SHADOW_API_ROUTES).map((routeKey) => {
  const [method, template] = routeKey.split(" ");
  const names: string[] = [];
  const pattern = template.replace(/\{(\w+)\}/g, (_m, name: string) => {
    names.push(name);
    return "([^/]+)";
  });
  return { routeKey, method, regex: new RegExp(`^${pattern}$`), names };
});

/** The HTTP API event API Gateway would send for a request, or undefined when no route matches (API Gateway answers 404 itself). */
export function toHttpApiEvent(request: ApiHttpRequest): HttpApiEvent | undefined {
  for (const m of MATCHERS) {
    const match = m.method === request.method ? m.regex.exec(request.path) : null;
    if (!match) continue;
    // API Gateway hands the function decoded path parameters.
    const pathParameters = Object.fromEntries(m.names.map((name, i) => [name, decodeURIComponent(match[i + 1])]));
    return {
      routeKey: m.routeKey,
      pathParameters,
      ...(request.query && Object.keys(request.query).length > 0 ? { queryStringParameters: { ...request.query } } : {}),
      ...(request.body === undefined ? {} : { body: request.body, isBase64Encoded: false }),
    };
  }
  return undefined;
}

/** A transport calling a handler (the built bundle's, or `handleApiEvent` with local ports) in process. */
export function handlerTransport(handler: (event: HttpApiEvent) => Promise<{ statusCode: number; body: string }>): ApiTransport {
  return async (request) => {
    const event = toHttpApiEvent(request);
    if (event === undefined) return { status: 404, body: JSON.stringify({ message: "Not Found" }) };
    const response = await handler(event);
    return { status: response.statusCode, body: response.body };
  };
}

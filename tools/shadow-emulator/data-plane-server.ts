/**
 * The Device Shadow REST API of the IoT data plane (GetThingShadow, UpdateThingShadow,
 * DeleteThingShadow) over a ShadowService, on 127.0.0.1 and a free port, so the real
 * `@aws-sdk/client-iot-data-plane` (and a function bundle using it) runs against the emulator:
 *
 *   const server = await startShadowDataPlane(shadows);   // endpoint "http://127.0.0.1:<port>"
 *   new IoTDataPlaneClient({ endpoint: server.endpoint, region, credentials });
 *   await server.stop();
 *
 * Rejections answer with the status the service chose and the exception name in
 * `x-amzn-ErrorType`, as AWS does, so the SDK throws ConflictException, ResourceNotFoundException,
 * RequestEntityTooLargeException or InvalidRequestException. Requests are not authenticated.
 */
import { IncomingMessage, Server, ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { ShadowService } from "./shadow-service";

const EXCEPTION_BY_STATUS: Readonly<Record<number, string>> = {
  400: "InvalidRequestException",
  404: "ResourceNotFoundException",
  405: "MethodNotAllowedException",
  409: "ConflictException",
  413: "RequestEntityTooLargeException",
  429: "ThrottlingException",
  503: "ServiceUnavailableException",
};

/** Failures the emulator itself never produces (it has no quotas), injected for tests. */
export type DataPlaneFault = 429 | 503;

export interface ShadowDataPlane {
  /** e.g. "http://127.0.0.1:40123" */
  readonly endpoint: string;
  /** Requests served so far, as "METHOD /things/<thing>/shadow[?name=...]". */
  readonly requests: readonly string[];
  /** Answers the next `count` requests with this failure instead of serving them. */
  failNext(status: DataPlaneFault, count?: number): void;
  stop(): Promise<void>;
}

const PATH = /^\/things\/([^/]+)\/shadow$/;

function send(res: ServerResponse, status: number, body: unknown): void {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (status >= 400) headers["x-amzn-ErrorType"] = EXCEPTION_BY_STATUS[status] ?? "InternalFailureException";
  res.writeHead(status, headers).end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function serve(shadows: ShadowService, method: string, thingName: string, shadowName: string | undefined, body: Buffer): { status: number; body: unknown } {
  const now = Math.floor(Date.now() / 1000);
  const result =
    method === "GET" ? shadows.get(thingName, shadowName) : method === "POST" ? shadows.update(thingName, shadowName, body) : method === "DELETE" ? shadows.delete(thingName, shadowName) : undefined;
  if (result === undefined) return { status: 405, body: { code: 405, message: `${method} is not supported on a shadow` } };
  if (result.accepted) return { status: 200, body: result.document };
  return { status: result.code, body: { code: result.code, message: result.message, timestamp: now } };
}

export async function startShadowDataPlane(shadows: ShadowService): Promise<ShadowDataPlane> {
  const requests: string[] = [];
  const faults: DataPlaneFault[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      requests.push(`${req.method} ${url.pathname}${url.search}`);
      const match = PATH.exec(url.pathname);
      if (!match) return send(res, 404, { message: `no such resource ${url.pathname}` });
      const body = await readBody(req);
      const fault = faults.shift();
      if (fault !== undefined) return send(res, fault, { message: fault === 429 ? "Rate exceeded" : "Service unavailable" });
      try {
        const answer = serve(shadows, req.method ?? "GET", decodeURIComponent(match[1]), url.searchParams.get("name") ?? undefined, body);
        send(res, answer.status, answer.body);
      } catch (error) {
        // The emulator throws on a name AWS would refuse (a caller bug there, a 400 here).
        send(res, 400, { code: 400, message: (error as Error).message });
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    failNext: (status, count = 1) => {
      for (let i = 0; i < count; i++) faults.push(status);
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

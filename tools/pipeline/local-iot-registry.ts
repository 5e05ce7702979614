/**
 * A local stand-in for the part of the AWS IoT registry the pre-provisioning
 * hook reads: `DescribeThing` (GET /things/{thingName}, restJson1), answering
 * 200 with the thing or 404 ResourceNotFoundException, on 127.0.0.1 and a free
 * port. The SDK reaches it through AWS_ENDPOINT_URL_IOT. Faults (slow or
 * failing answers) are settable, to test that the hook fails closed in time.
 *
 *   const registry = await startLocalIotRegistry();
 *   registry.things.add("Thermostat-P0001");
 *   ... AWS_ENDPOINT_URL_IOT = registry.endpoint ...
 *   await registry.stop();
 */
import { createServer, IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RegistryFault {
  /** Wait this long before answering. @default 0 */
  readonly delayMs?: number;
  /** Answer with this HTTP status (e.g. 500) instead of looking the thing up. @default none */
  readonly status?: number;
}

export interface LocalIotRegistry {
  /** e.g. "http://127.0.0.1:40123" */
  readonly endpoint: string;
  /** Thing names that exist. */
  readonly things: Set<string>;
  /** Names DescribeThing was asked for, in order. */
  readonly lookups: string[];
  /** Applies to every request until set back to undefined. */
  fault: RegistryFault | undefined;
  /** The variables that point the AWS SDK's IoT client here. */
  sdkEnvironment(): Record<string, string>;
  stop(): Promise<void>;
}

const THING_PATH = /^\/things\/([^/?]+)$/;

export async function startLocalIotRegistry(region = "eu-west-1", accountId = "123456789012"): Promise<LocalIotRegistry> {
  const things = new Set<string>();
  const lookups: string[] = [];
  const pending = new Set<NodeJS.Timeout>();
  const state: { fault: RegistryFault | undefined } = { fault: undefined };

  const send = (res: ServerResponse, status: number, body: object, errorType?: string) => {
    res.writeHead(status, { "content-type": "application/json", ...(errorType ? { "x-amzn-errortype": errorType } : {}) });
    res.end(JSON.stringify(body));
  };
  const answer = (req: IncomingMessage, res: ServerResponse) => {
    const m = req.method === "GET" ? THING_PATH.exec((req.url ?? "").split("?")[0]) : null;
    if (!m) return send(res, 400, { message: `the local registry answers only DescribeThing, not ${req.method} ${req.url}` }, "InvalidRequestException");
    const thingName = decodeURIComponent(m[1]);
    lookups.push(thingName);
    if (state.fault?.status !== undefined) return send(res, state.fault.status, { message: "injected fault" }, "InternalFailureException");
    if (!things.has(thingName)) return send(res, 404, { message: `Thing ${thingName} cannot be found.` }, "ResourceNotFoundException");
    send(res, 200, { thingName, thingArn: `arn:aws:iot:${region}:${accountId}:thing/${thingName}`, version: 1, attributes: {} });
  };
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const delay = state.fault?.delayMs ?? 0;
      if (delay <= 0) return answer(req, res);
      const timer = setTimeout(() => {
        pending.delete(timer);
        if (!res.destroyed) answer(req, res);
      }, delay);
      pending.add(timer);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    endpoint,
    things,
    lookups,
    get fault() {
      return state.fault;
    },
    set fault(f: RegistryFault | undefined) {
      state.fault = f;
    },
    sdkEnvironment: () => ({ AWS_ENDPOINT_URL_IOT: endpoint }),
    stop: async () => {
      for (const t of pending) clearTimeout(t);
      pending.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}

/**
 * An HTTP proxy on 127.0.0.1 in front of a local DynamoDB server that can, on
 * demand, refuse connections, reset them, hold requests or responses past the
 * SDK timeout, or answer with DynamoDB throttling / 5xx errors for a number of
 * requests. Point the code under test at `proxy.endpoint` once and switch the
 * behaviour between cases:
 *
 *   const proxy = await startFaultyProxy(dynamo.endpoint);
 *   proxy.inject({ kind: "error", error: "throttled" }, { requests: 2 }); // then passes through
 *   proxy.inject({ kind: "refuse" });                                      // until proxy.clear()
 *   await proxy.idle(); proxy.stats();
 */
import { Agent, IncomingMessage, Server, ServerResponse, createServer, request as httpRequest } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** DynamoDB JSON-protocol errors the proxy can answer with, as the service sends them. */
export const DYNAMODB_ERRORS = {
  throttled: { status: 400, type: "ProvisionedThroughputExceededException", message: "The level of configured provisioned throughput for the table was exceeded." },
  throttling: { status: 400, type: "ThrottlingException", message: "Rate of requests exceeds the allowed throughput." },
  internal: { status: 500, type: "InternalServerError", message: "Internal server error" },
  unavailable: { status: 503, type: "ServiceUnavailable", message: "Service unavailable" },
} as const;
export type DynamoErrorName = keyof typeof DYNAMODB_ERRORS;

/**
 * - `refuse`: the port stops listening (ECONNREFUSED); open sockets are destroyed. Lasts until `clear()`.
 * - `reset`: the connection is destroyed when a request arrives (ECONNRESET).
 * - `delay`: `before-forward` holds the request `ms` and drops it if the client gave up meanwhile
 *   (the write never happens); `after-forward` forwards at once and holds the response (the write happens).
 * - `error`: answers with a DynamoDB error; `after-forward` first lets the request through (the write happens).
 */
export type Fault =
  | { readonly kind: "refuse" }
  | { readonly kind: "reset"; readonly phase?: "before-forward" | "after-forward" }
  | { readonly kind: "delay"; readonly ms: number; readonly phase: "before-forward" | "after-forward" }
  | { readonly kind: "error"; readonly error: DynamoErrorName; readonly phase?: "before-forward" | "after-forward" };

export interface ProxyStats {
  /** HTTP requests received (a refused connection never becomes one). */
  readonly requests: number;
  /** Requests passed on to the upstream server. */
  readonly forwarded: number;
  /** Requests a fault was applied to. */
  readonly faulted: number;
  /** Requests whose client closed the connection before the proxy answered (an SDK timeout). */
  readonly clientAborts: number;
}

export interface FaultyProxy {
  /** e.g. "http://127.0.0.1:40124" */
  readonly endpoint: string;
  /** Applies `fault` to the next `requests` requests (default: every request until `clear()`). */
  inject(fault: Fault, options?: { readonly requests?: number }): Promise<void>;
  /** Back to plain pass-through (and listening again after `refuse`). */
  clear(): Promise<void>;
  stats(): ProxyStats;
  resetStats(): void;
  /** Resolves when no request is held or in flight, so assertions see the final upstream state. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

interface Upstream {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => resolve(Buffer.concat(chunks)));
    stream.on("error", reject);
  });
}

export async function startFaultyProxy(upstreamEndpoint: string): Promise<FaultyProxy> {
  const upstream = new URL(upstreamEndpoint);
  const agent = new Agent({ keepAlive: true });
  const sockets = new Set<Socket>();
  let fault: Fault | undefined;
  let remaining = Infinity;
  let inFlight = 0;
  let idleWaiters: (() => void)[] = [];
  let counts = { requests: 0, forwarded: 0, faulted: 0, clientAborts: 0 };

  function forward(req: IncomingMessage, body: Buffer): Promise<Upstream> {
    counts.forwarded++;
    return new Promise((resolve, reject) => {
      const out = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent },
        (res) => readBody(res).then((b) => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: b }), reject),
      );
      out.on("error", reject);
      out.end(body);
    });
  }

  function errorReply(name: DynamoErrorName): Upstream {
    const e = DYNAMODB_ERRORS[name];
    const body = Buffer.from(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${e.type}`, message: e.message }));
    return { status: e.status, headers: { "content-type": "application/x-amz-json-1.0", "x-amzn-requestid": "faulty-proxy" }, body };
  }

  /** Takes the fault for this request, if one is armed, and counts it down. */
  function take(): Fault | undefined {
    if (!fault || fault.kind === "refuse" || remaining <= 0) return undefined;
    remaining--;
    counts.faulted++;
    const taken = fault;
    if (remaining <= 0) fault = undefined;
    return taken;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    counts.requests++;
    let clientGone = false;
    let resetByUs = false;
    res.on("close", () => {
      if (!res.writableFinished && !resetByUs) {
        clientGone = true;
        counts.clientAborts++;
      }
    });
    const body = await readBody(req);
    const f = take();
    const phase = f && "phase" in f ? f.phase : undefined;

    const reset = () => {
      resetByUs = true;
      req.socket.destroy();
    };
    if (f?.kind === "reset" && phase !== "after-forward") return reset();
    if (f?.kind === "delay" && phase === "before-forward") {
      await sleep(f.ms);
      if (clientGone) return; // the request never reaches the server
    }
    if (f?.kind === "error" && phase !== "after-forward") return void send(res, errorReply(f.error));

    const reply = await forward(req, body);
    if (f?.kind === "reset") return reset();
    if (f?.kind === "delay" && phase === "after-forward") await sleep(f.ms);
    send(res, f?.kind === "error" ? errorReply(f.error) : reply);
  }

  function send(res: ServerResponse, reply: Upstream): void {
    if (res.destroyed) return;
    const headers: Record<string, string | string[] | undefined> = { ...reply.headers, "content-length": String(reply.body.length) };
    delete headers["transfer-encoding"];
    res.writeHead(reply.status, headers);
    res.end(reply.body);
  }

  function settle(): void {
    if (--inFlight === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      waiters.forEach((w) => w());
    }
  }

  const server: Server = createServer((req, res) => {
    inFlight++;
    handle(req, res)
      .catch(() => res.destroy())
      .finally(settle);
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });

  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
  const close = () =>
    new Promise<void>((resolve) => {
      sockets.forEach((s) => s.destroy());
      server.close(() => resolve());
    });

  await listen(0);
  const { port } = server.address() as AddressInfo;

  async function clear(): Promise<void> {
    const wasRefusing = fault?.kind === "refuse";
    fault = undefined;
    remaining = Infinity;
    // Listen on the same port again: the code under test keeps its endpoint.
    if (wasRefusing) await listen(port);
  }

  return {
    endpoint: `http://127.0.0.1:${port}`,
    async inject(next, options = {}) {
      await clear();
      fault = next;
      remaining = next.kind === "refuse" ? Infinity : (options.requests ?? Infinity);
      if (next.kind === "refuse") await close();
    },
    clear,
    stats: () => ({ ...counts }),
    resetStats() {
      counts = { requests: 0, forwarded: 0, faulted: 0, clientAborts: 0 };
    },
    idle: () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve))),
    async stop() {
      fault = undefined;
      agent.destroy();
      if (server.listening) await close();
    },
  };
}

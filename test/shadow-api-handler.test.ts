/**
 * The shadow API's request -> response logic (functions/shadow-api/api.ts) against the local Device
 * Shadow emulator and a local DynamoDB: routes, the JSON error naming the field for every refusal,
 * 409 with the current version on a stale write, 404/413/429, and cursor pagination.
 */
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { ApiDependencies, handleApiEvent } from "../functions/shadow-api/api";
import { DynamoHistoryPort } from "../functions/shadow-api/aws-ports";
import { ShadowPortError } from "../functions/shadow-api/ports";
import type { HttpApiEvent } from "../functions/shadow-api/request";
import { toDocumentItem, toHistoryItem } from "../functions/shadow-history/transform";
import { parseShadowDocumentsEvent } from "../functions/shadow-history/event";
import { ShadowService } from "../tools/shadow-emulator";
import { EmulatorShadowPort, toHttpApiEvent } from "../tools/shadow-api-client";
import type { ApiHttpRequest } from "../tools/shadow-api-client";
import { LocalDynamo, startLocalDynamo } from "./helpers/dynalite";

const TABLE = "api-handler-history";
const T0 = Date.UTC(2025, 0, 15, 8, 0, 0);
let dynamo: LocalDynamo;
let restoreEnv: () => void;
let clockMs = T0;
let shadows: ShadowService;
let deps: ApiDependencies;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  restoreEnv = dynamo.useAsSdkDefault();
  await dynamo.createHistoryTable(TABLE);
  shadows = new ShadowService({ now: () => clockMs });
  // Every accepted update is stored as the processor stores it, so the history route has data.
  const doc = DynamoDBDocumentClient.from(dynamo.client);
  const pending: Promise<unknown>[] = [];
  shadows.subscribe((topic, payload) => {
    const m = /^\$aws\/things\/([^/]+)\/shadow(?:\/name\/([^/]+))?\/update\/documents$/.exec(topic);
    if (!m) return;
    const event = parseShadowDocumentsEvent({ ...payload, thingName: m[1], ...(m[2] ? { shadowName: m[2] } : {}) });
    pending.push(doc.send(new PutCommand({ TableName: TABLE, Item: toDocumentItem(toHistoryItem(event, { receivedAtMs: clockMs })) })));
  });
  deps = { shadows: new EmulatorShadowPort(shadows), history: new DynamoHistoryPort(TABLE), scope: { thingNamePrefix: "Thermostat-", shadows: { classic: true, named: ["config"] } } };
  // Thermostat-01: 12 classic versions one minute apart, 3 config versions.
  for (let i = 1; i <= 12; i++) {
    clockMs = T0 + i * 60_000;
    shadows.update("Thermostat-01", undefined, { state: { reported: { temp: 20 + i } } });
    if (i <= 3) shadows.update("Thermostat-01", "config", { state: { desired: { mode: `m${i}` } } });
  }
  await Promise.all(pending);
});

afterAll(async () => {
  restoreEnv?.();
  await dynamo?.stop();
});

async function call(request: ApiHttpRequest, d: ApiDependencies = deps): Promise<{ status: number; body: Record<string, unknown>; headers: Record<string, string> }> {
  const event = toHttpApiEvent(request) as HttpApiEvent;
  expect(event).toBeDefined();
  const res = await handleApiEvent(event, d);
  return { status: res.statusCode, body: JSON.parse(res.body), headers: { ...res.headers } };
}

const patch = (thing: string, shadow: string, body: unknown) => call({ method: "PATCH", path: `/things/${thing}/shadows/${shadow}/desired`, body: typeof body === "string" ? body : JSON.stringify(body) });

describe("GET /things/{thing}/shadows/{shadow}", () => {
  it("returns the current document of the classic shadow ($classic) and of a named shadow", async () => {
    const classic = await call({ method: "GET", path: "/things/Thermostat-01/shadows/$classic" });
    expect(classic.status).toBe(200);
    expect(classic.body).toMatchObject({ version: 12, state: { reported: { temp: 32 } } });
    // A client that percent-encodes the '$' reaches the same shadow.
    expect((await call({ method: "GET", path: "/things/Thermostat-01/shadows/%24classic" })).body).toMatchObject({ version: 12 });
    expect((await call({ method: "GET", path: "/things/Thermostat-01/shadows/config" })).body).toMatchObject({ version: 3, state: { desired: { mode: "m3" } } });
  });

  it("answers 404 naming the field for an unknown shadow, a shadow the API does not serve, and a foreign thing", async () => {
    const missing = await call({ method: "GET", path: "/things/Thermostat-77/shadows/$classic" });
    expect(missing).toMatchObject({ status: 404, body: { code: "NotFound", field: "shadow" } });
    expect(await call({ method: "GET", path: "/things/Thermostat-01/shadows/schedule" })).toMatchObject({ status: 404, body: { field: "shadow", message: expect.stringContaining("not served") } });
    expect(await call({ method: "GET", path: "/things/Hvac-01/shadows/$classic" })).toMatchObject({ status: 404, body: { field: "thing", message: expect.stringContaining('"Thermostat-..."') } });
  });

  it("answers 400 naming the field for an invalid name or an unexpected query parameter", async () => {
    expect(await call({ method: "GET", path: "/things/Thermostat%20x/shadows/$classic" })).toMatchObject({ status: 400, body: { code: "InvalidRequest", field: "thing" } });
    expect(await call({ method: "GET", path: "/things/Thermostat-01/shadows/a!b" })).toMatchObject({ status: 400, body: { field: "shadow", message: expect.stringContaining("$classic") } });
    expect(await call({ method: "GET", path: "/things/Thermostat-01/shadows/$classic", query: { version: "3" } })).toMatchObject({ status: 400, body: { field: "version" } });
  });
});

describe("PATCH /things/{thing}/shadows/{shadow}/desired", () => {
  it("applies desired keys at the expected version and returns the new version", async () => {
    const res = await patch("Thermostat-02", "config", { desired: { setpoint: 21 }, expectedVersion: 0, clientToken: "app-1" });
    expect(res).toMatchObject({ status: 200, body: { version: 1, state: { desired: { setpoint: 21 } }, clientToken: "app-1" } });
    expect(shadows.get("Thermostat-02", "config")).toMatchObject({ accepted: true, document: { version: 1, state: { desired: { setpoint: 21 } } } });
  });

  it("refuses a stale version with 409, the current version in the body, and changes nothing", async () => {
    await patch("Thermostat-03", "$classic", { desired: { fan: "auto" }, expectedVersion: 0 });
    await patch("Thermostat-03", "$classic", { desired: { fan: "on" }, expectedVersion: 1 });
    const stale = await patch("Thermostat-03", "$classic", { desired: { fan: "off" }, expectedVersion: 1 });
    expect(stale).toMatchObject({ status: 409, body: { code: "VersionConflict", field: "expectedVersion", expectedVersion: 1, currentVersion: 2 } });
    expect(shadows.get("Thermostat-03")).toMatchObject({ document: { version: 2, state: { desired: { fan: "on" } } } });
  });

  it.each([
    ["an empty body", "", "body"],
    ["a body that is not JSON", "{", "body"],
    ["a body that is an array", "[]", "body"],
    ["no desired", { expectedVersion: 1 }, "desired"],
    ["desired not an object", { desired: [1], expectedVersion: 1 }, "desired"],
    ["desired with no key", { desired: {}, expectedVersion: 1 }, "desired"],
    ["no expectedVersion", { desired: { a: 1 } }, "expectedVersion"],
    ["a negative expectedVersion", { desired: { a: 1 }, expectedVersion: -1 }, "expectedVersion"],
    ["a fractional expectedVersion", { desired: { a: 1 }, expectedVersion: 1.5 }, "expectedVersion"],
    ["an unknown field", { desired: { a: 1 }, expectedVersion: 1, reported: { a: 1 } }, "reported"],
    ["a clientToken over 64 bytes", { desired: { a: 1 }, expectedVersion: 1, clientToken: "x".repeat(65) }, "clientToken"],
  ])("answers 400 for %s, naming %s", async (_what, body, field) => {
    expect(await patch("Thermostat-04", "config", body)).toMatchObject({ status: 400, body: { code: "InvalidRequest", field } });
    expect(shadows.get("Thermostat-04", "config").accepted).toBe(false);
  });

  it("answers 400 naming desired when the shadow service refuses the document (nesting deeper than 6)", async () => {
    const deep = { a: { b: { c: { d: { e: { f: { g: 1 } } } } } } };
    expect(await patch("Thermostat-04", "config", { desired: deep, expectedVersion: 0 })).toMatchObject({ status: 400, body: { field: "desired", message: expect.stringContaining("nesting") } });
  });

  it("answers 413 for a body over 8 KB, and for a change that would make the document larger than 8 KB", async () => {
    const big = await patch("Thermostat-04", "config", { desired: { blob: "x".repeat(8200) }, expectedVersion: 0 });
    expect(big).toMatchObject({ status: 413, body: { code: "PayloadTooLarge", field: "desired", maxBytes: 8192 } });
    // Two halves pass the body check one by one; together they exceed the document limit.
    expect((await patch("Thermostat-05", "config", { desired: { a: "x".repeat(4500) }, expectedVersion: 0 })).status).toBe(200);
    expect(await patch("Thermostat-05", "config", { desired: { b: "y".repeat(4500) }, expectedVersion: 1 })).toMatchObject({ status: 413, body: { field: "desired" } });
  });

  it("answers 429 with retry-after when the shadow service throttles", async () => {
    const throttled: ApiDependencies = {
      ...deps,
      shadows: { get: deps.shadows.get.bind(deps.shadows), updateDesired: async () => Promise.reject(new ShadowPortError("throttled", "Rate exceeded")) },
    };
    const res = await call({ method: "PATCH", path: "/things/Thermostat-06/shadows/config/desired", body: JSON.stringify({ desired: { a: 1 }, expectedVersion: 0 }) }, throttled);
    expect(res).toMatchObject({ status: 429, body: { code: "Throttled" }, headers: { "retry-after": "1" } });
  });
});

describe("GET /things/{thing}/shadows/{shadow}/history", () => {
  async function allPages(thing: string, shadow: string, query: Record<string, string>): Promise<{ versions: number[]; pages: number }> {
    const versions: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await call({ method: "GET", path: `/things/${thing}/shadows/${shadow}/history`, query: { ...query, ...(cursor ? { cursor } : {}) } });
      expect(res.status).toBe(200);
      versions.push(...(res.body.items as { version: number }[]).map((i) => i.version));
      cursor = res.body.cursor as string | undefined;
      pages++;
    } while (cursor !== undefined);
    return { versions, pages };
  }

  it("pages through one shadow's versions in order with an opaque cursor, limit items at a time", async () => {
    const { versions, pages } = await allPages("Thermostat-01", "$classic", { limit: "5" });
    expect(versions).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(pages).toBe(3);
    expect((await allPages("Thermostat-01", "config", {})).versions).toEqual([1, 2, 3]);
  });

  it("reads a time range (epoch seconds or ISO 8601) of one shadow from the time index, filled to limit despite the other shadow's items", async () => {
    const from = new Date(T0 + 2 * 60_000).toISOString();
    const to = String((T0 + 9 * 60_000) / 1000);
    const { versions } = await allPages("Thermostat-01", "$classic", { from, to, limit: "3" });
    expect(versions).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    const first = await call({ method: "GET", path: "/things/Thermostat-01/shadows/$classic/history", query: { from, to, limit: "3" } });
    expect((first.body.items as unknown[]).length).toBe(3);
  });

  it("refuses a cursor of another query, an edited cursor, and bad parameters with 400 naming the field", async () => {
    const first = await call({ method: "GET", path: "/things/Thermostat-01/shadows/$classic/history", query: { limit: "2" } });
    const cursor = first.body.cursor as string;
    expect(await call({ method: "GET", path: "/things/Thermostat-01/shadows/config/history", query: { cursor } })).toMatchObject({ status: 400, body: { field: "cursor", message: expect.stringContaining("another query") } });
    // Same query binding, but a start key in another thing's partition.
    const body = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    const edited = Buffer.from(JSON.stringify({ ...body, k: { ...body.k, thingName: "Thermostat-02" } }), "utf8").toString("base64url");
    expect(await call({ method: "GET", path: "/things/Thermostat-01/shadows/$classic/history", query: { cursor: edited } })).toMatchObject({ status: 400, body: { field: "cursor" } });
    expect(await call({ method: "GET", path: "/things/Thermostat-01/shadows/$classic/history", query: { cursor: "not-a-cursor" } })).toMatchObject({ status: 400, body: { field: "cursor" } });
    for (const [query, field] of [[{ limit: "0" }, "limit"], [{ limit: "101" }, "limit"], [{ limit: "ten" }, "limit"], [{ from: "yesterday" }, "from"], [{ from: "200", to: "100" }, "from"], [{ page: "2" }, "page"]] as const) {
      expect(await call({ method: "GET", path: "/things/Thermostat-01/shadows/$classic/history", query })).toMatchObject({ status: 400, body: { code: "InvalidRequest", field } });
    }
  });
});

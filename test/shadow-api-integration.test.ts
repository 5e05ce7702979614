/**
 * The BUILT shadow-api bundle end to end: its real IoT data-plane client against the shadow
 * emulator's data-plane server, its real DynamoDB client against a local DynamoDB whose history the
 * BUILT shadow-history bundle writes from the emulator's update/documents messages (as the topic
 * rule would deliver them). SDK exceptions must come out as the API's errors.
 */
import { join } from "node:path";
import { ShadowService, UpdateDocumentsMessage } from "../tools/shadow-emulator";
import { LocalShadowApi, ShadowApiClient, ShadowApiError, startLocalShadowApi } from "../tools/shadow-api-client";
import { applyEnv } from "../tools/pipeline/env";
import { LocalDynamo, startLocalDynamo } from "./helpers/dynalite";

const TABLE = "api-integration-history";
const T0 = Date.UTC(2025, 0, 15, 8, 0, 0);
let clockMs = T0;
let dynamo: LocalDynamo;
let api: LocalShadowApi;
let client: ShadowApiClient;
let restoreEnv: () => void;
const shadows = new ShadowService({ now: () => clockMs });
const stored: Promise<unknown>[] = [];

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  await dynamo.createHistoryTable(TABLE);
  api = await startLocalShadowApi({ shadows, dynamo, tableName: TABLE, thingNamePrefix: "Thermostat-", shadowSelection: { classic: true, named: ["config"] } });
  restoreEnv = applyEnv({ TABLE_NAME: TABLE, POWERTOOLS_LOG_LEVEL: "ERROR" });
  const processor = require(join(__dirname, "..", "dist", "functions", "shadow-history", "index.js")).handler as (event: unknown) => Promise<unknown>;
  shadows.subscribe((topic, payload) => {
    const m = /^\$aws\/things\/([^/]+)\/shadow(?:\/name\/([^/]+))?\/update\/documents$/.exec(topic);
    if (m) stored.push(processor({ ...(payload as UpdateDocumentsMessage), thingName: m[1], ...(m[2] ? { shadowName: m[2] } : {}) }));
  });
  client = new ShadowApiClient(api.transport);
});

afterAll(async () => {
  restoreEnv?.();
  await api?.stop();
  await dynamo?.stop();
});

async function refusal(p: Promise<unknown>): Promise<ShadowApiError> {
  const error = await p.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ShadowApiError);
  return error as ShadowApiError;
}

describe("shadow API bundle against the emulator's data plane and a local DynamoDB", () => {
  it("changes desired state at the expected version, and answers a stale version with 409 and the current version", async () => {
    const first = await client.updateDesired("Thermostat-01", "config", { setpoint: 21 }, 0);
    expect(first.version).toBe(1);
    clockMs += 60_000;
    shadows.update("Thermostat-01", "config", { state: { reported: { setpoint: 21 } } });
    const stale = await refusal(client.updateDesired("Thermostat-01", "config", { setpoint: 19 }, 1));
    expect(stale).toMatchObject({ status: 409, body: { code: "VersionConflict", field: "expectedVersion", expectedVersion: 1, currentVersion: 2 } });
    expect((await client.getShadow("Thermostat-01", "config")).state).toMatchObject({ desired: { setpoint: 21 }, reported: { setpoint: 21 } });
    // It went through the SDK to the data plane: UpdateThingShadow with ?name=config.
    expect(api.dataPlane.requests).toContain("POST /things/Thermostat-01/shadow?name=config");
  });

  it("maps the data plane's 404, 413 and 429 to the API's errors", async () => {
    expect(await refusal(client.getShadow("Thermostat-09", "$classic"))).toMatchObject({ status: 404, body: { field: "shadow" } });
    expect(api.dataPlane.requests).toContain("GET /things/Thermostat-09/shadow");
    await client.updateDesired("Thermostat-02", "$classic", { a: "x".repeat(5000) }, 0);
    expect(await refusal(client.updateDesired("Thermostat-02", "$classic", { b: "y".repeat(5000) }, 1))).toMatchObject({ status: 413, body: { field: "desired" } });
    // The SDK retries throttling (3 attempts); the API answers 429 once they are spent.
    api.dataPlane.failNext(429, 3);
    expect(await refusal(client.getShadow("Thermostat-02", "$classic"))).toMatchObject({ status: 429, body: { code: "Throttled" } });
    expect((await client.getShadow("Thermostat-02", "$classic")).version).toBe(1);
  });

  it("pages through the history the processor stored, in version order, with the cursor", async () => {
    for (let i = 0; i < 7; i++) {
      clockMs += 60_000;
      shadows.update("Thermostat-03", undefined, { state: { reported: { temp: 20 + i } } });
    }
    await Promise.all(stored);
    const versions: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.history("Thermostat-03", "$classic", { limit: 3, cursor });
      expect(page.items.length).toBeLessThanOrEqual(3);
      versions.push(...page.items.map((i) => i.version as number));
      cursor = page.cursor;
    } while (cursor);
    expect(versions).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const range = await client.history("Thermostat-03", "$classic", { from: String(T0 / 1000 + 60 * 5), to: new Date(clockMs).toISOString() });
    // Minute 1 was the first test's device report; this thing reported at minutes 2-8.
    expect(range.items.map((i) => i.reported)).toEqual([{ temp: 23 }, { temp: 24 }, { temp: 25 }, { temp: 26 }]);
  });
});

/**
 * Integration tests of the BUILT bundle (dist/functions/shadow-history/index.js,
 * as Lambda runs it) against a local DynamoDB-compatible server, with the
 * table created from the same key schema the HistoryStore synthesizes.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { desiredGreen, documentsResponseExample, firstReport, reportedGreen } from "../functions/shadow-history/fixtures/aws-doc-examples";
import { CLASSIC_SHADOW, PARTITION_KEY, SORT_KEY, TIME_INDEX_NAME, UPDATED_AT, shadowKeyPrefix, shadowVersionKey } from "../modules/history-store/schema";
import { LocalDynamo, startLocalDynamo } from "./helpers/dynalite";
import { ProcessOutput } from "./helpers/process-output";

const ROOT = resolve(__dirname, "..");
const BUNDLE = join(ROOT, "dist/functions/shadow-history/index.js");
const METAFILE = join(ROOT, "dist/functions/shadow-history.meta.json");
const TABLE = "shadow-history-it";

interface Bundle {
  handler(event: unknown): Promise<{ outcome: "stored" | "duplicate"; thingName: string; shadowName: string; version: number }>;
  InvalidShadowEventError: new (...args: never[]) => Error & { field: string };
}

/** Fails with a clear instruction when the bundle is missing or older than its sources. */
function assertBundleFresh(): void {
  if (!existsSync(BUNDLE) || !existsSync(METAFILE)) throw new Error(`${BUNDLE} is missing: run \`npm run build\` first`);
  const builtAt = statSync(BUNDLE).mtimeMs;
  const inputs = Object.keys(JSON.parse(readFileSync(METAFILE, "utf8")).inputs).filter((p) => !p.includes("node_modules"));
  const stale = inputs.filter((p) => statSync(resolve(ROOT, p)).mtimeMs > builtAt);
  if (stale.length > 0) throw new Error(`the bundle is older than ${stale.join(", ")}: run \`npm run build\``);
}

/** Loads a fresh copy of the bundle (module state such as the config is per load). */
function loadBundle(env: Record<string, string | undefined>): Bundle {
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  let bundle: Bundle | undefined;
  jest.isolateModules(() => {
    bundle = require(BUNDLE) as Bundle;
  });
  return bundle!;
}

let dynamo: LocalDynamo;
let restoreEnv: () => void;
let doc: DynamoDBDocumentClient;
let bundle: Bundle;
const output = new ProcessOutput();

beforeAll(async () => {
  assertBundleFresh();
  dynamo = await startLocalDynamo();
  restoreEnv = dynamo.useAsSdkDefault();
  await dynamo.createHistoryTable(TABLE);
  doc = DynamoDBDocumentClient.from(dynamo.client);
  // EMF metrics and info logs go to stdout, error logs to stderr: capture both to assert them.
  output.install();
  bundle = loadBundle({ TABLE_NAME: TABLE, HISTORY_TTL_DAYS: undefined, POWERTOOLS_METRICS_NAMESPACE: "IotShadow/test", POWERTOOLS_LOG_LEVEL: "WARN" });
});

afterAll(async () => {
  jest.restoreAllMocks();
  delete process.env.TABLE_NAME;
  delete process.env.POWERTOOLS_METRICS_NAMESPACE;
  delete process.env.POWERTOOLS_LOG_LEVEL;
  delete process.env.HISTORY_TTL_DAYS;
  restoreEnv?.();
  await dynamo?.stop();
});

beforeEach(() => output.clear());

async function itemsOf(thingName: string, table = TABLE): Promise<Record<string, unknown>[]> {
  const out = await doc.send(new QueryCommand({ TableName: table, KeyConditionExpression: "#pk = :t", ExpressionAttributeNames: { "#pk": PARTITION_KEY }, ExpressionAttributeValues: { ":t": thingName } }));
  return out.Items ?? [];
}

const bytesOf = (document: unknown) => Buffer.byteLength(JSON.stringify(document), "utf8");

/** The EMF documents the bundle printed since the last clear(). */
const emfDocuments = (stdout: string): Record<string, any>[] => stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l)).filter((d) => d._aws);

function classicUpdate(thingName: string, version: number, timestamp: number, reported: Record<string, unknown>) {
  return { thingName, previous: null, current: { state: { reported }, metadata: {}, version }, timestamp };
}

describe("shadow-history bundle against a local DynamoDB", () => {
  it("stores every documented update once, with the full history item", async () => {
    const before = Date.now();
    for (const event of [firstReport, desiredGreen, reportedGreen]) {
      await expect(bundle.handler(event)).resolves.toMatchObject({ outcome: "stored", thingName: "myLightBulb", shadowName: CLASSIC_SHADOW });
    }
    const after = Date.now();
    const items = await itemsOf("myLightBulb");
    expect(items.map((i) => i[SORT_KEY])).toEqual(["$classic#0000000000000001", "$classic#0000000000000002", "$classic#0000000000000004"]);
    const green = items[1];
    expect(green).toMatchObject({
      thingName: "myLightBulb",
      shadowName: CLASSIC_SHADOW,
      version: 2,
      updatedAt: 1483468612,
      desired: { color: "green" },
      reported: { color: "red" },
      changedKeys: ["/desired/color"],
      drift: { color: "green" },
      hasDrift: true,
      previousVersion: 1,
      documentSizeBytes: bytesOf(desiredGreen.current),
    });
    expect(green).not.toHaveProperty("convergence");
    expect(green.receivedAtMs).toBeGreaterThanOrEqual(before);
    expect(green.receivedAtMs).toBeLessThanOrEqual(after);
    expect(green).not.toHaveProperty("expiresAt");
    expect(output.metrics()).toEqual({ ShadowUpdateStored: 3, DriftDetected: 1, ShadowDocumentSize: [firstReport, desiredGreen, reportedGreen].reduce((n, e) => n + bytesOf(e.current), 0) });

    await bundle.handler(documentsResponseExample);
    const [withToken] = await itemsOf("Thermostat-0001");
    expect(withToken).toMatchObject({ clientToken: "token", version: 42, hasDrift: false, convergence: { "/attribute1": 42, "/attribute2": 42, "/attributeN": 42 } });
  });

  it("emits document size (Bytes) and one convergence latency (Seconds) per converged key as EMF, once per stored update", async () => {
    const event = { ...documentsResponseExample, thingName: "emf-1" };
    await bundle.handler(event);
    const [doc] = emfDocuments(output.stdout);
    const [directive] = doc._aws.CloudWatchMetrics;
    expect(directive.Namespace).toBe("IotShadow/test");
    expect(directive.Dimensions).toEqual([["service"]]);
    expect(doc.service).toBe("shadow-history");
    expect(directive.Metrics).toEqual(expect.arrayContaining([{ Name: "ShadowDocumentSize", Unit: "Bytes" }, { Name: "ConvergenceLatency", Unit: "Seconds" }]));
    expect(doc.ShadowDocumentSize).toBe(bytesOf(documentsResponseExample.current));
    expect(doc.ConvergenceLatency).toEqual([42, 42, 42]);

    output.clear();
    await expect(bundle.handler(event)).resolves.toMatchObject({ outcome: "duplicate" });
    expect(output.metrics()).toEqual({ DuplicateSkipped: 1 });
  });

  it("a redelivered or retried event stores nothing new and succeeds", async () => {
    const event = classicUpdate("redelivery-1", 7, 1_700_000_100, { temperature: 20.5 });
    await expect(bundle.handler(event)).resolves.toMatchObject({ outcome: "stored" });
    const [original] = await itemsOf("redelivery-1");

    const retried = await Promise.all([bundle.handler(event), bundle.handler(event), bundle.handler({ ...event, clientToken: "other" })]);
    expect(retried.map((r) => r.outcome)).toEqual(["duplicate", "duplicate", "duplicate"]);
    const items = await itemsOf("redelivery-1");
    expect(items).toEqual([original]);
    expect(output.metrics()).toEqual({ ShadowUpdateStored: 1, DuplicateSkipped: 3, ShadowDocumentSize: bytesOf(event.current) });
  });

  it("keeps all 50 updates of one thing accepted within the same second", async () => {
    const second = 1_700_000_200;
    const events = Array.from({ length: 50 }, (_, i) => classicUpdate("burst-1", i + 1, second, { setpoint: 18 + i / 10 }));
    // The same millisecond too: pin the clock the processor reads receivedAtMs from.
    const clock = jest.spyOn(Date, "now").mockReturnValue(1_700_000_200_500);
    const results = await Promise.all(events.map((e) => bundle.handler(e))).finally(() => clock.mockRestore());
    expect(results.every((r) => r.outcome === "stored")).toBe(true);

    const items = await itemsOf("burst-1");
    expect(items).toHaveLength(50);
    expect(items.map((i) => i.version)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(new Set(items.map((i) => i.receivedAtMs))).toEqual(new Set([1_700_000_200_500]));
    const inThatSecond = await doc.send(
      new QueryCommand({
        TableName: TABLE,
        IndexName: TIME_INDEX_NAME,
        KeyConditionExpression: "#pk = :t AND #ts = :s",
        ExpressionAttributeNames: { "#pk": PARTITION_KEY, "#ts": UPDATED_AT },
        ExpressionAttributeValues: { ":t": "burst-1", ":s": second },
      }),
    );
    expect(inThatSecond.Count).toBe(50);
    expect(output.metrics().ShadowUpdateStored).toBe(50);
  });

  it.each([
    ["missing current", { thingName: "invalid-1", previous: null, timestamp: 1 }, "current"],
    ["non-numeric version", { ...classicUpdate("invalid-1", 1, 1, {}), current: { state: {}, version: "one" } }, "current.version"],
    ["missing thingName", { ...classicUpdate("invalid-1", 1, 1, {}), thingName: undefined }, "thingName"],
    ["invalid shadow name", { ...classicUpdate("invalid-1", 1, 1, {}), shadowName: "bad/name" }, "shadowName"],
    ["oversized state", classicUpdate("invalid-1", 1, 1, { blob: "x".repeat(9000) }), "current.state"],
    ["too deeply nested state", classicUpdate("invalid-1", 1, 1, { a: { b: { c: { d: { e: { f: { g: 1 } } } } } } }), "current.state.reported"],
  ])("rejects an event with %s: typed error, nothing stored, InvalidEvent counted", async (_label, event, field) => {
    const error = await bundle.handler(event).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(bundle.InvalidShadowEventError);
    expect(error).toMatchObject({ name: "InvalidShadowEventError", field });
    expect(await itemsOf("invalid-1")).toEqual([]);
    expect(output.metrics()).toEqual({ InvalidEvent: 1 });
    expect(output.errorLogs()).toEqual([expect.objectContaining({ level: "ERROR", message: "Rejected invalid shadow event", field, service: "shadow-history" })]);
  });

  it("keeps the classic shadow and named shadows of one thing apart, even at the same version", async () => {
    const classic = classicUpdate("apart-1", 1, 1_700_000_300, { mode: "heat" });
    await bundle.handler(classic);
    await bundle.handler({ ...classic, shadowName: "config" });
    await bundle.handler({ ...classic, shadowName: "schedule" });

    expect((await itemsOf("apart-1")).map((i) => [i[SORT_KEY], i.shadowName])).toEqual([
      ["$classic#0000000000000001", CLASSIC_SHADOW],
      ["config#0000000000000001", "config"],
      ["schedule#0000000000000001", "schedule"],
    ]);
    const configOnly = await doc.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: "#pk = :t AND begins_with(#sk, :p)",
        ExpressionAttributeNames: { "#pk": PARTITION_KEY, "#sk": SORT_KEY },
        ExpressionAttributeValues: { ":t": "apart-1", ":p": shadowKeyPrefix("config") },
      }),
    );
    expect(configOnly.Items?.map((i) => i.shadowName)).toEqual(["config"]);
  });

  it("answers the documented access patterns: versions in order, and a time window per thing or per shadow", async () => {
    for (const [version, ts] of [[9, 100], [10, 200], [100, 300]] as const) await bundle.handler(classicUpdate("patterns-1", version, 1_700_001_000 + ts, { v: version }));
    await bundle.handler({ ...classicUpdate("patterns-1", 5, 1_700_001_250, { v: 5 }), shadowName: "config" });

    const versions = await doc.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: "#pk = :t AND begins_with(#sk, :p)",
        ExpressionAttributeNames: { "#pk": PARTITION_KEY, "#sk": SORT_KEY },
        ExpressionAttributeValues: { ":t": "patterns-1", ":p": shadowKeyPrefix(CLASSIC_SHADOW) },
      }),
    );
    expect(versions.Items?.map((i) => i.version)).toEqual([9, 10, 100]);

    const window = (filterShadow?: string) =>
      doc.send(
        new QueryCommand({
          TableName: TABLE,
          IndexName: TIME_INDEX_NAME,
          KeyConditionExpression: "#pk = :t AND #ts BETWEEN :a AND :b",
          FilterExpression: filterShadow ? "shadowName = :s" : undefined,
          ExpressionAttributeNames: { "#pk": PARTITION_KEY, "#ts": UPDATED_AT },
          ExpressionAttributeValues: { ":t": "patterns-1", ":a": 1_700_001_150, ":b": 1_700_001_300, ...(filterShadow ? { ":s": filterShadow } : {}) },
        }),
      );
    expect((await window()).Items?.map((i) => [i.shadowName, i.version])).toEqual([
      [CLASSIC_SHADOW, 10],
      ["config", 5],
      [CLASSIC_SHADOW, 100],
    ]);
    expect((await window(CLASSIC_SHADOW)).Items?.map((i) => i.version)).toEqual([10, 100]);
  });

  it("stores numbers beyond 2^53 and tiny fractions as they arrived", async () => {
    await bundle.handler(classicUpdate("numbers-1", 1, 1_700_000_400, { big: 1e21, small: 1.5e-7, negative: -273.15 }));
    const { Item } = await doc.send(new GetCommand({ TableName: TABLE, Key: { [PARTITION_KEY]: "numbers-1", [SORT_KEY]: shadowVersionKey(CLASSIC_SHADOW, 1) } }));
    // The reading client returns integers beyond 2^53 as BigInt; the stored value is exact.
    expect(Number(Item?.reported.big)).toBe(1e21);
    expect(Item?.reported).toMatchObject({ small: 1.5e-7, negative: -273.15 });
  });

  it("writes expiresAt when HISTORY_TTL_DAYS is set", async () => {
    const withTtl = loadBundle({ HISTORY_TTL_DAYS: "7" });
    try {
      await withTtl.handler(classicUpdate("ttl-1", 1, 1_700_000_500, { on: true }));
    } finally {
      delete process.env.HISTORY_TTL_DAYS;
    }
    const [item] = await itemsOf("ttl-1");
    expect(item.expiresAt).toBe(1_700_000_500 + 7 * 86_400);
  });

  it("throws on a DynamoDB error other than a duplicate, so Lambda retries and dead-letters the event", async () => {
    const broken = loadBundle({ TABLE_NAME: "no-such-table" });
    try {
      await expect(broken.handler(classicUpdate("broken-1", 1, 1_700_000_600, {}))).rejects.toMatchObject({ name: "ResourceNotFoundException" });
    } finally {
      process.env.TABLE_NAME = TABLE;
    }
    expect(output.metrics()).toEqual({ StoreFailed: 1 });
  });
});

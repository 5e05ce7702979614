/**
 * HistoryReader and the `npm run history` CLI against a local DynamoDB whose
 * table has the key schema the history store synthesizes, holding items
 * shaped by the processor's own transform.
 */
import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { environments } from "../environments";
import type { ShadowDocumentsEvent } from "../functions/shadow-history/event";
import { toHistoryItem } from "../functions/shadow-history/transform";
import { CLASSIC_SHADOW } from "../modules/history-store/schema";
import { HistoryReader, formatHistoryTable, historyClientConfig, parseHistoryArgs, runHistoryCli } from "../tools/history-reader";
import { LocalDynamo, startLocalDynamo } from "./helpers/dynalite";

const TABLE = "iot-test-shadow-history";
const BASE = 1_736_000_000; // epoch seconds

let dynamo: LocalDynamo;
let doc: DynamoDBDocumentClient;

function event(thingName: string, shadowName: string | undefined, version: number, timestamp: number): ShadowDocumentsEvent {
  const current = { state: { desired: { setpoint: 22 }, reported: { temperature: 20 + version / 10 } }, version };
  return {
    thingName,
    shadowName,
    previous: version > 1 ? { state: { reported: { temperature: 20 } }, version: version - 1 } : null,
    current,
    timestamp,
    clientToken: `token-${version}`,
    documentSizeBytes: Buffer.byteLength(JSON.stringify(current), "utf8"),
  };
}

async function put(e: ShadowDocumentsEvent): Promise<void> {
  await doc.send(new PutCommand({ TableName: TABLE, Item: toHistoryItem(e, { receivedAtMs: e.timestamp * 1000 + 5 }) }));
}

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  await dynamo.createHistoryTable(TABLE);
  doc = DynamoDBDocumentClient.from(dynamo.client);
  // Thing-1: 25 classic versions 10 s apart, 3 config versions; Thing-2 must never leak into Thing-1's reads.
  for (let v = 1; v <= 25; v++) await put(event("Thing-1", undefined, v, BASE + v * 10));
  for (const [v, offset] of [[1, 15], [2, 115], [3, 215]] as const) await put(event("Thing-1", "config", v, BASE + offset));
  await put(event("Thing-2", undefined, 1, BASE + 20));
  await dynamo.client.send(new PutCommand({ TableName: TABLE, Item: { thingName: "Foreign-1", shadowVersion: "x#1", note: "not a history item" } }));
});

afterAll(async () => {
  await dynamo?.stop();
});

describe("HistoryReader access patterns", () => {
  const reader = () => new HistoryReader({ tableName: TABLE, client: dynamo.client, pageSize: 7 });

  it("versions of one shadow come back complete and in version order across pages", async () => {
    const classic = await reader().versions("Thing-1", CLASSIC_SHADOW);
    expect(classic.map((r) => r.version)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(classic.every((r) => r.thingName === "Thing-1" && r.shadowName === CLASSIC_SHADOW)).toBe(true);
    expect(classic[1]).toMatchObject({ updatedAt: BASE + 20, previousVersion: 1, clientToken: "token-2", hasDrift: true, drift: { setpoint: 22 } });

    const config = await reader().versions("Thing-1", "config");
    expect(config.map((r) => [r.shadowName, r.version])).toEqual([["config", 1], ["config", 2], ["config", 3]]);
  });

  it("without a shadow, returns every shadow of the thing, by shadow then version", async () => {
    const all = await reader().versions("Thing-1");
    expect(all).toHaveLength(28);
    expect(all.slice(24).map((r) => `${r.shadowName}#${r.version}`)).toEqual(["$classic#25", "config#1", "config#2", "config#3"]);
    expect(await reader().versions("Thing-3")).toEqual([]);
  });

  it("between() reads the time index with inclusive bounds, in time order, all shadows or one", async () => {
    const since = new Date((BASE + 110) * 1000);
    const until = new Date((BASE + 130) * 1000 + 999); // fraction of a second: still second BASE+130
    const window = await reader().between("Thing-1", since, until);
    expect(window.map((r) => `${r.shadowName}#${r.version}@${r.updatedAt - BASE}`)).toEqual(["$classic#11@110", "config#2@115", "$classic#12@120", "$classic#13@130"]);

    // A filter on a small page size yields empty pages before the match: they must be followed.
    const onlyConfig = await new HistoryReader({ tableName: TABLE, client: dynamo.client, pageSize: 2 }).between("Thing-1", new Date(BASE * 1000), new Date((BASE + 300) * 1000), "config");
    expect(onlyConfig.map((r) => r.version)).toEqual([1, 2, 3]);
    const onlyClassic = await reader().between("Thing-1", since, until, CLASSIC_SHADOW);
    expect(onlyClassic.map((r) => r.version)).toEqual([11, 12, 13]);
    expect(await reader().between("Thing-2", since, until)).toEqual([]);
  });

  it("accepts a DynamoDBDocumentClient as well as a DynamoDBClient", async () => {
    const records = await new HistoryReader({ tableName: TABLE, client: doc }).versions("Thing-2");
    expect(records.map((r) => [r.thingName, r.version])).toEqual([["Thing-2", 1]]);
  });

  it("fails loudly on an item that is not a history item", async () => {
    await expect(reader().versions("Foreign-1")).rejects.toThrow(`table ${TABLE}: item "Foreign-1"/"x#1" is not a shadow-history item (shadowName must be a string)`);
  });

  it.each([
    ["a table name AWS would refuse", () => new HistoryReader({ tableName: "x", client: dynamo.client }), /HistoryReaderOptions.tableName: DynamoDB table name "x" is 1 characters long/],
    ["a page size of 0", () => new HistoryReader({ tableName: TABLE, client: dynamo.client, pageSize: 0 }), /pageSize must be a positive integer, got 0/],
  ])("rejects %s", (_label, make, message) => {
    expect(make).toThrow(message);
  });

  it.each([
    ["a thing name with a slash", (r: HistoryReader) => r.versions("a/b"), /HistoryReader.versions thingName: IoT thing name "a\/b" is invalid/],
    ["an invalid shadow name", (r: HistoryReader) => r.versions("Thing-1", "bad name"), /use CLASSIC_SHADOW for the classic shadow/],
    ["since after until", (r: HistoryReader) => r.between("Thing-1", new Date(2000), new Date(1000)), /since \(1970-01-01T00:00:02.000Z\) is after until .*swap them/],
    ["an invalid date", (r: HistoryReader) => r.between("Thing-1", new Date("nope"), new Date()), /since is not a valid Date/],
  ])("rejects %s", async (_label, call, message) => {
    await expect(call(reader())).rejects.toThrow(message);
  });
});

describe("formatHistoryTable", () => {
  it("renders one row per record with drift and changed keys", async () => {
    const records = await new HistoryReader({ tableName: TABLE, client: dynamo.client }).versions("Thing-1", "config");
    const lines = formatHistoryTable(records).split("\n");
    expect(lines[0]).toMatch(/^SHADOW\s+VERSION\s+UPDATED \(UTC\)\s+CHANGED\s+DRIFT\s+REPORTED\s+CLIENT TOKEN$/);
    expect(lines).toHaveLength(4);
    expect(lines[2]).toContain(new Date((BASE + 115) * 1000).toISOString().replace(".000Z", "Z"));
    expect(lines[2]).toContain('{"setpoint":22}');
    expect(formatHistoryTable([])).toBe("(no history items)");
  });
});

describe("npm run history (runHistoryCli)", () => {
  async function cli(args: string[], env: Record<string, string | undefined> = {}) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runHistoryCli(args, { environments, env, io: { stdout: (t) => out.push(t), stderr: (t) => err.push(t) } });
    return { code, stdout: out.join(""), stderr: err.join("") };
  }
  const local = () => ["--table", TABLE, "--endpoint", dynamo.endpoint, "--region", "eu-west-1"];

  it("prints every version of a thing as JSON, and a table by default", async () => {
    const json = await cli(["--env", "dev", "--thing", "Thing-1", ...local(), "--json"]);
    expect(json).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(json.stdout)).toHaveLength(28);

    const table = await cli(["--thing", "Thing-1", "--shadow", "config", ...local()]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(`${TABLE} · Thing-1 · config: 3 item(s)`);
    expect(table.stdout.trim().split("\n")).toHaveLength(5);
  });

  it("queries a time window with --since/--until, and the classic shadow with --classic", async () => {
    const since = new Date((BASE + 110) * 1000).toISOString();
    const until = new Date((BASE + 130) * 1000).toISOString();
    const window = await cli(["--thing", "Thing-1", "--since", since, "--until", until, "--json", ...local()]);
    expect(JSON.parse(window.stdout).map((r: { version: number }) => r.version)).toEqual([11, 2, 12, 13]);
    const classic = await cli(["--thing", "Thing-1", "--classic", "--since", since, "--until", until, "--json", ...local()]);
    expect(JSON.parse(classic.stdout).map((r: { version: number }) => r.version)).toEqual([11, 12, 13]);
  });

  it.each([
    [["--env", "dev"], "--thing is required"],
    [["--thing", "T"], "pass --env (table name from the environment's naming) or --table"],
    [["--env", "qa", "--thing", "T"], `--env qa is not an environment; known: ${Object.keys(environments).join(", ")}`],
    [["--env", "dev", "--thing", "T", "--shadow", "config", "--classic"], "--shadow and --classic select different shadows"],
    [["--env", "dev", "--thing", "T", "--since", "yesterday"], '--since must be an ISO 8601 date or time, e.g. 2025-01-31T12:00:00Z, got "yesterday"'],
    [["--env", "dev", "--thing", "T", "--endpoint", "localhost"], "--endpoint must be a URL"],
    [["--env", "dev", "--thing", "T", "--bogus"], "Unknown option '--bogus'"],
  ])("exits 2 with usage for %j", async (args, message) => {
    const result = await cli(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`error: ${message}`);
    expect(result.stderr).toContain("Usage: npm run history");
  });

  it.each([[[]], [["--help"]], [["--env", "dev", "--help"]]])("prints the usage on stdout and exits 0 for %j", async (args) => {
    const result = await cli(args);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toMatch(/^Usage: npm run history -- --env <env> --thing <thing>/);
  });

  it("exits 1 naming the table when the read fails", async () => {
    const result = await cli(["--thing", "Thing-1", "--table", "no-such-table", "--endpoint", dynamo.endpoint, "--region", "eu-west-1"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("error: reading no-such-table failed: ResourceNotFoundException");
  });

  it("derives the table name and region from the environment, --until defaults to now", () => {
    const now = new Date("2025-02-01T00:00:00Z");
    const query = parseHistoryArgs(["--env", "prod", "--thing", "T", "--since", "2025-01-01"], { environments, env: {}, now: () => now });
    expect(query).toMatchObject({ tableName: "iot-prod-shadow-history", region: "eu-west-1", thingName: "T", since: new Date("2025-01-01T00:00:00Z"), until: now });
    expect(parseHistoryArgs(["--env", "dev", "--thing", "T", "--until", "2025-01-01T10:00:00Z"], { environments, env: { AWS_REGION: "us-east-1" } })).toMatchObject({
      region: "us-east-1",
      since: new Date(0),
      until: new Date("2025-01-01T10:00:00Z"),
    });
  });

  it("uses dummy credentials only for a local endpoint without configured credentials", () => {
    const base = parseHistoryArgs(["--env", "dev", "--thing", "T", "--endpoint", "http://127.0.0.1:8000"], { environments, env: {} });
    expect(historyClientConfig(base, {})).toMatchObject({ endpoint: "http://127.0.0.1:8000", credentials: { accessKeyId: "local" } });
    expect(historyClientConfig(base, { AWS_PROFILE: "dev" }).credentials).toBeUndefined();
    const remote = { ...base, endpoint: "https://dynamodb.eu-west-1.amazonaws.com" };
    expect(historyClientConfig(remote, {}).credentials).toBeUndefined();
    expect(historyClientConfig({ ...base, endpoint: undefined }, {})).toEqual({ region: "eu-west-1" });
  });
});

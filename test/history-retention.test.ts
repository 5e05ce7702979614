/**
 * History retention end to end (issue 17 item 12): `history.ttlDays` in an environment file
 * must reach the items the processor stores. Each link is checked on what would be deployed:
 * the data stack's table TTL, the synthesized processor's HISTORY_TTL_DAYS, and `expiresAt`
 * on the items the BUILT bundle writes into a local DynamoDB created from the synthesized
 * table (tools/pipeline). A stack that stopped passing ttlDays to the processor keeps history
 * forever with TTL enabled on the table, and fails here.
 */
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { environments } from "../environments";
import { LocalPipeline, SynthesizedEnvironment, synthesizeEnvironment } from "../tools/pipeline";

const DAY_SECONDS = 86_400;
const START = Date.UTC(2025, 5, 1, 12, 0, 0);
/** Not dev's own 30 days, so nothing can pass by falling back to the checked-in value. */
const TTL_DAYS = 7;

type Json = Record<string, any>;

/** The checked-in dev environment with `history.ttlDays` replaced. */
function devWithRetention(ttlDays: number | "none"): SynthesizedEnvironment {
  const dev = JSON.parse(JSON.stringify(environments.dev));
  dev.history = { ...dev.history, ttlDays };
  return synthesizeEnvironment({ environments: { dev }, env: "dev" });
}

function only(stack: { tfJson: unknown }, type: string, where: (r: Json) => boolean = () => true): Json {
  const all = Object.values(((stack.tfJson as Json).resource?.[type] ?? {}) as Record<string, Json>).filter(where);
  expect(all).toHaveLength(1);
  return all[0];
}

const historyFunction = (env: SynthesizedEnvironment) => only(env.platform, "aws_lambda_function", (f) => f.function_name === "iot-dev-shadow-history");

/** Two thermostats report (classic and the named config shadow), a minute apart; returns every stored item. */
async function storedItems(env: SynthesizedEnvironment): Promise<Json[]> {
  const pipeline = await LocalPipeline.start({ platform: env.platform, data: env.data, startTimeMs: START });
  try {
    pipeline.shadows.update("Thermostat-01", undefined, { state: { reported: { temperature: 21.5 } } });
    pipeline.shadows.update("Thermostat-02", "config", { state: { reported: { reportIntervalSeconds: 60 } } });
    pipeline.clock.advance(60_000);
    pipeline.shadows.update("Thermostat-01", undefined, { state: { reported: { temperature: 22 } } });
    await pipeline.settle();
    expect(pipeline.deadLetters).toEqual([]);
    const page = await pipeline.dynamo.client.send(new ScanCommand({ TableName: pipeline.table.tableName }));
    return (page.Items ?? []) as Json[];
  } finally {
    await pipeline.stop();
  }
}

describe(`history.ttlDays: ${TTL_DAYS} reaches the stored items`, () => {
  let env: SynthesizedEnvironment;
  beforeAll(() => {
    env = devWithRetention(TTL_DAYS);
  });

  it("resolves the config to a number of days", () => {
    expect(env.config.history.ttlDays).toBe(TTL_DAYS);
  });

  it("enables TTL on expiresAt in the data stack's table", () => {
    expect(only(env.data, "aws_dynamodb_table").ttl).toEqual({ attribute_name: "expiresAt", enabled: true });
  });

  it("passes the days to the platform stack's history processor as HISTORY_TTL_DAYS", () => {
    expect(historyFunction(env).environment.variables.HISTORY_TTL_DAYS).toBe(String(TTL_DAYS));
  });

  it("stores every item with expiresAt = the shadow timestamp + ttlDays", async () => {
    const items = await storedItems(env);
    expect(items.map((i) => [i.thingName, i.shadowName, i.updatedAt]).sort()).toEqual(
      [
        ["Thermostat-01", "$classic", START / 1000],
        ["Thermostat-01", "$classic", START / 1000 + 60],
        ["Thermostat-02", "config", START / 1000],
      ].sort(),
    );
    for (const item of items) expect(item.expiresAt).toBe(item.updatedAt + TTL_DAYS * DAY_SECONDS);
  }, 30_000);
});

describe('history.ttlDays: "none" keeps history forever', () => {
  let env: SynthesizedEnvironment;
  beforeAll(() => {
    env = devWithRetention("none");
  });

  it("leaves TTL off on the table and HISTORY_TTL_DAYS out of the processor's environment", () => {
    expect(env.config.history.ttlDays).toBeUndefined();
    expect(only(env.data, "aws_dynamodb_table").ttl).toBeUndefined();
    expect(historyFunction(env).environment.variables).not.toHaveProperty("HISTORY_TTL_DAYS");
  });

  it("stores items without expiresAt", async () => {
    const items = await storedItems(env);
    expect(items).toHaveLength(3);
    for (const item of items) expect(item).not.toHaveProperty("expiresAt");
  }, 30_000);
});

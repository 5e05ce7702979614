/**
 * Two product lines in one account (dev and hvac-dev share 111111111111 in
 * eu-west-1) run together in the local pipeline, as AWS would run them: one
 * Device Shadow service publishes every thing's messages to the topic rules of
 * both lines; one DynamoDB holds both history tables; one CloudWatch holds both
 * namespaces. Both lines route the named shadow "schedule" and thermostats
 * route the classic shadow, so without each line's thing-name filter every
 * schedule update would be stored (and counted, and filter-alerted) twice.
 */
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { environments } from "../environments";
import { LocalPipeline, SynthesizedEnvironment, runFleetScenario, synthesizeEnvironments, verifyHistory } from "../tools/pipeline";

const START = Date.UTC(2025, 3, 1, 6, 0, 0);
const THERMOSTAT_NS = "IotShadow/thermostat/dev";
const HVAC_NS = "IotShadow/hvac/dev";

let thermostats: SynthesizedEnvironment;
let hvac: SynthesizedEnvironment;
let pipeline: LocalPipeline;
/** update/delta and update/rejected messages the shadow service published, by thing. */
const published: { topic: string; thingName: string; kind: string }[] = [];

const isThermostat = (thing: string) => thing.startsWith("Thermostat-");
const isHvac = (thing: string) => thing.startsWith("Hvac");

async function scan(tableName: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await pipeline.dynamo.client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: startKey }));
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

beforeAll(async () => {
  [thermostats, hvac] = synthesizeEnvironments({ environments, envs: ["dev", "hvac-dev"] });
  pipeline = await LocalPipeline.start({
    platform: thermostats.platform,
    data: thermostats.data,
    sameAccount: [{ platform: hvac.platform, data: hvac.data }],
    startTimeMs: START,
  });
  pipeline.shadows.subscribe((topic) => {
    const [, , thingName] = topic.split("/");
    const kind = topic.split("/").pop()!;
    if (kind === "delta" || kind === "rejected") published.push({ topic, thingName, kind });
  });
  // Both lines keep a "schedule" named shadow; thermostats also report on the classic shadow.
  await runFleetScenario(pipeline, { things: 3, burstSize: 3, namedShadow: "schedule", thingNamePrefix: "Thermostat-", classic: true });
  await runFleetScenario(pipeline, { things: 3, burstSize: 3, namedShadow: "schedule", thingNamePrefix: "Hvac-", classic: false });
  // A filter running low on one unit of each line: only an HVAC unit may trigger HVAC's filter alert.
  pipeline.shadows.update("Hvac-01", "maintenance", { state: { reported: { filterLifePercent: 6 } } });
  pipeline.shadows.update("Thermostat-01", "schedule", { state: { reported: { filterLifePercent: 6 } } });
  await pipeline.settle();
}, 60_000);

afterAll(async () => {
  await pipeline?.stop();
});

describe("two product lines of one account in one local pipeline", () => {
  it("runs both lines' synthesized rules, tables and functions against one shadow service", () => {
    expect(pipeline.lines.map((l) => [l.stack, l.table.tableName])).toEqual([
      ["iot-dev-platform", "iot-dev-shadow-history"],
      ["hvac-dev-platform", "hvac-dev-shadow-history"],
    ]);
    const functions = pipeline.lines.map((l) => [...l.functions.values()].map((f) => f.fn.functionName).sort());
    expect(functions).toEqual([["iot-dev-shadow-history"], ["hvac-dev-filter-alerts", "hvac-dev-shadow-history"]]);
    // Every rule of both lines keeps to its own thing-name space.
    for (const rule of pipeline.lines[0].rules) expect(rule.sql).toContain("WHERE startswith(topic(3), 'Thermostat-')");
    for (const rule of pipeline.lines[1].rules) expect(rule.sql).toContain("WHERE startswith(topic(3), 'Hvac')");
    const accepted = pipeline.acceptedUpdates;
    expect(accepted.filter((u) => isThermostat(u.thingName) && u.shadowName === "schedule").length).toBeGreaterThan(5);
    expect(accepted.filter((u) => isHvac(u.thingName) && u.shadowName === "schedule").length).toBeGreaterThan(5);
  });

  it("stores every accepted update exactly once in the account, each in its own line's table", async () => {
    const verification = await verifyHistory(pipeline);
    expect(verification).toMatchObject({ ok: true, missing: [], doubled: [], unexpected: [], untracked: 0 });
    const accepted = pipeline.acceptedUpdates;
    expect(verification.storedByTable).toEqual({
      "iot-dev-shadow-history": accepted.filter((u) => isThermostat(u.thingName)).length,
      "hvac-dev-shadow-history": accepted.filter((u) => isHvac(u.thingName)).length,
    });
    const thermostatItems = await scan("iot-dev-shadow-history");
    const hvacItems = await scan("hvac-dev-shadow-history");
    expect(thermostatItems.every((i) => isThermostat(i.thingName as string))).toBe(true);
    expect(hvacItems.every((i) => isHvac(i.thingName as string))).toBe(true);
    expect(new Set(thermostatItems.map((i) => i.shadowName))).toEqual(new Set(["$classic", "schedule"]));
    expect(new Set(hvacItems.map((i) => i.shadowName))).toEqual(new Set(["schedule", "maintenance"]));
  });

  it("routes each update only to its own line's functions", () => {
    for (const u of pipeline.acceptedUpdates) {
      const prefix = isThermostat(u.thingName) ? "iot-dev-" : "hvac-dev-";
      expect({ thing: u.thingName, shadow: u.shadowName, routedTo: u.routedTo.every((f) => f.startsWith(prefix)) && u.routedTo.length > 0 }).toEqual({
        thing: u.thingName,
        shadow: u.shadowName,
        routedTo: true,
      });
    }
    const filterAlerts = [...pipeline.lines[1].functions.values()].find((f) => f.fn.functionName === "hvac-dev-filter-alerts")!;
    expect(filterAlerts.invocations.length).toBe(pipeline.acceptedUpdates.filter((u) => isHvac(u.thingName)).length);
    expect(filterAlerts.invocations.every((i) => isHvac((i.event as { thingName: string }).thingName))).toBe(true);
    expect(pipeline.invocations.every((i) => i.outcome === "succeeded")).toBe(true);
  });

  it("counts each update only in its own line's namespace: accepted, stored, drift, rejections and filter alerts", () => {
    const accepted = pipeline.acceptedUpdates;
    const thermostatUpdates = accepted.filter((u) => isThermostat(u.thingName)).length;
    const hvacUpdates = accepted.filter((u) => isHvac(u.thingName)).length;
    const m = pipeline.metrics;
    expect(m.total("ShadowUpdatesAccepted", "rule", THERMOSTAT_NS)).toBe(thermostatUpdates);
    expect(m.total("ShadowUpdatesAccepted", "rule", HVAC_NS)).toBe(hvacUpdates);
    expect(m.total("ShadowUpdateStored", "processor", THERMOSTAT_NS)).toBe(thermostatUpdates);
    expect(m.total("ShadowUpdateStored", "processor", HVAC_NS)).toBe(hvacUpdates);
    // Drift metrics: thermostats route classic + schedule, HVAC only named shadows (maintenance, schedule).
    const routedByThermostats = (p: { topic: string }) => !p.topic.includes("/shadow/name/") || p.topic.includes("/shadow/name/schedule/");
    const count = (kind: string, mine: (t: string) => boolean, routed: (p: { topic: string }) => boolean) => published.filter((p) => p.kind === kind && mine(p.thingName) && routed(p)).length;
    const routedByHvac = (p: { topic: string }) => /\/shadow\/name\/(schedule|maintenance)\//.test(p.topic);
    expect(m.total("ShadowDeltaPublished", "rule", THERMOSTAT_NS)).toBe(count("delta", isThermostat, routedByThermostats));
    expect(m.total("ShadowDeltaPublished", "rule", HVAC_NS)).toBe(count("delta", isHvac, routedByHvac));
    expect(m.total("ShadowUpdateRejected", "rule", THERMOSTAT_NS)).toBe(count("rejected", isThermostat, routedByThermostats));
    expect(m.total("ShadowUpdateRejected", "rule", HVAC_NS)).toBe(count("rejected", isHvac, routedByHvac));
    expect(m.total("ShadowDeltaPublished", "rule", HVAC_NS)).toBeGreaterThan(0);
    // Thermostat-01's low "filter" reading on its schedule shadow is not HVAC's business.
    expect(m.total("FilterReplacementDue", "processor", HVAC_NS)).toBe(1);
    expect(m.total("FilterReplacementDue", "processor")).toBe(1);
    expect(pipeline.errorActions).toEqual([]);
  });

  it("stores nothing for a shadow no line routes for that thing, nor for a thing no line owns", async () => {
    const before = (await verifyHistory(pipeline)).storedByTable;
    const rulesMetricsBefore = pipeline.metrics.data.length;
    // An HVAC unit's classic shadow: thermostats route the classic shadow, but not for HVAC units.
    pipeline.shadows.update("Hvac-02", undefined, { state: { reported: { temperature: 18 } } });
    // A thing of no product line on a shadow name both lines route.
    pipeline.shadows.update("Sprinkler-1", "schedule", { state: { reported: { zone: 3 } } });
    await pipeline.settle();
    const after = await verifyHistory(pipeline);
    expect(after.storedByTable).toEqual(before);
    expect(after.missing.map((m) => [m.thingName, m.shadowName, m.reason])).toEqual([
      ["Hvac-02", "$classic", "no topic rule routed its update/documents message to a function"],
      ["Sprinkler-1", "schedule", "no topic rule routed its update/documents message to a function"],
    ]);
    expect(pipeline.metrics.data.length).toBe(rulesMetricsBefore);
  });
});

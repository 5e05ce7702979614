import { existsSync } from "node:fs";
import { join } from "node:path";
import { filterAlertFor, thresholdFromEnv } from "../functions/hvac-filter-alerts/alert";
import { parseShadowDocumentsEvent } from "../functions/shadow-history/event";

/**
 * An update/documents event. previousLife: a number (the previous report's filter life), undefined
 * (a previous report without one) or null (the shadow's first update: the service sends "previous": null).
 */
function documents(previousLife: number | undefined | null, currentLife: number | undefined, shadowName?: string) {
  const snapshot = (life: number | undefined, version: number) => ({
    state: { reported: life === undefined ? { mode: "cool" } : { mode: "cool", filterLifePercent: life } },
    metadata: {},
    version,
  });
  return {
    thingName: "Hvac-0001",
    ...(shadowName ? { shadowName } : {}),
    previous: previousLife === null ? null : snapshot(previousLife, 7),
    current: snapshot(currentLife, 8),
    timestamp: 1_700_000_000,
  };
}

describe("hvac filter alerts (pure)", () => {
  it.each([
    ["crossing below the threshold alerts", 12, 9, true],
    ["already below: no second alert", 9, 8, false],
    ["above the threshold: no alert", 50, 40, false],
    ["exactly at the threshold is not below", 11, 10, false],
    ["a previous report without a reading, now low, alerts", undefined, 5, true],
    ["first update of the shadow (previous null) already low alerts", null, 5, true],
    ["first update of the shadow (previous null) above the threshold: no alert", null, 50, false],
    ["first update of the shadow (previous null) without a reading: no alert", null, undefined, false],
    ["no filter reading: no alert", 50, undefined, false],
  ] as const)("%s", (_case, before, after, alerts) => {
    const alert = filterAlertFor(parseShadowDocumentsEvent(documents(before, after, "maintenance")), 10);
    expect(alert !== undefined).toBe(alerts);
    if (alert) expect(alert).toEqual({ thingName: "Hvac-0001", shadowName: "maintenance", version: 8, filterLifePercent: after });
  });

  it("reads and validates the threshold from the environment", () => {
    expect(thresholdFromEnv({})).toBe(10);
    expect(thresholdFromEnv({ FILTER_ALERT_THRESHOLD_PERCENT: "25" })).toBe(25);
    expect(() => thresholdFromEnv({ FILTER_ALERT_THRESHOLD_PERCENT: "0" })).toThrow(/FILTER_ALERT_THRESHOLD_PERCENT must be a number in \(0, 100\], got "0"/);
  });
});

describe("hvac filter alerts (built bundle)", () => {
  const bundle = join(__dirname, "..", "dist", "functions", "hvac-filter-alerts", "index.js");
  let handler: (event: unknown) => Promise<unknown>;
  let stdout: jest.SpyInstance;

  beforeAll(() => {
    if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run \`npm run build\` first`);
    process.env.POWERTOOLS_METRICS_NAMESPACE = "IotShadow/hvac/dev";
    stdout = jest.spyOn(process.stdout, "write").mockImplementation(() => true);
    handler = require(bundle).handler;
  });
  afterAll(() => stdout.mockRestore());

  it("returns the alert and emits the FilterReplacementDue EMF metric", async () => {
    stdout.mockClear();
    await expect(handler(documents(15, 4))).resolves.toEqual({ thingName: "Hvac-0001", version: 8, filterLifePercent: 4 });
    const emf = stdout.mock.calls.map((c) => String(c[0])).filter((l) => l.includes("_aws"));
    expect(emf.join("\n")).toContain("FilterReplacementDue");
  });

  it("handles a new device's first report (previous: null): alerts when already low, else nothing", async () => {
    const first = documents(null, 3);
    expect(first.previous).toBeNull();
    await expect(handler(first)).resolves.toEqual({ thingName: "Hvac-0001", version: 8, filterLifePercent: 3 });
    await expect(handler(documents(null, 80))).resolves.toBeUndefined();
  });

  it("throws on an event without thingName so Lambda retries and dead-letters it", async () => {
    const { thingName, ...rest } = documents(15, 4);
    await expect(handler(rest)).rejects.toThrow(/thingName/);
  });
});

import fc from "fast-check";
import { loadConfig } from "../functions/shadow-history/config";
import { InvalidShadowEventError, MAX_STATE_BYTES, parseShadowDocumentsEvent } from "../functions/shadow-history/event";
import { changedKeys, computeDrift, toHistoryItem } from "../functions/shadow-history/transform";
import { desiredGreen, documentsResponseExample, firstReport, reportedGreen } from "../functions/shadow-history/fixtures/aws-doc-examples";
import { CLASSIC_SHADOW, shadowVersionKey } from "../modules/history-store/schema";

const NOW = 1_700_000_000_123;
// A fixed seed keeps the property tests deterministic.
fc.configureGlobal({ seed: 20251123, numRuns: 200 });
const jsonObject = fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 4 }));
const itemOf = (event: unknown, ttlDays?: number) => toHistoryItem(parseShadowDocumentsEvent(event), { receivedAtMs: NOW, ttlDays });

/** Runs `fn`, expecting an InvalidShadowEventError; returns it. */
function rejection(event: unknown): InvalidShadowEventError {
  try {
    parseShadowDocumentsEvent(event);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidShadowEventError);
    return error as InvalidShadowEventError;
  }
  throw new Error("expected the event to be rejected");
}

describe("AWS documentation examples (update/documents)", () => {
  it("first report: previous is null, reported stored, every reported key changed, no drift", () => {
    expect(itemOf(firstReport)).toEqual({
      thingName: "myLightBulb",
      shadowVersion: "$classic#0000000000000001",
      shadowName: CLASSIC_SHADOW,
      version: 1,
      updatedAt: 1483467764,
      receivedAtMs: NOW,
      reported: { color: "red" },
      changedKeys: ["/reported/color"],
      drift: {},
      hasDrift: false,
      documentSizeBytes: Buffer.byteLength(JSON.stringify(firstReport.current), "utf8"),
    });
  });

  it("desired green while reported red: the change is in desired and the drift is the desired color", () => {
    const item = itemOf(desiredGreen);
    expect(item).toMatchObject({
      version: 2,
      previousVersion: 1,
      desired: { color: "green" },
      reported: { color: "red" },
      changedKeys: ["/desired/color"],
      drift: { color: "green" },
      hasDrift: true,
    });
  });

  it("reported green with desired cleared: drift is gone", () => {
    const item = itemOf(reportedGreen);
    expect(item.desired).toBeUndefined();
    expect(item).toMatchObject({ version: 4, previousVersion: 3, changedKeys: ["/reported/color"], drift: {}, hasDrift: false });
  });

  it("documented /documents response shape: client token kept, reported caught up with desired", () => {
    const item = itemOf(documentsResponseExample);
    expect(item).toMatchObject({
      thingName: "Thermostat-0001",
      shadowVersion: "$classic#0000000000000042",
      clientToken: "token",
      changedKeys: ["/reported/attribute1", "/reported/attribute2", "/reported/attributeN"],
      hasDrift: false,
    });
  });

  it("documented nested delta: only the differing leaf is drift", () => {
    const drift = computeDrift(
      { lights: { color: { r: 255, g: 255, b: 255 } } },
      { lights: { color: { r: 255, g: 0, b: 255 } } },
    );
    expect(drift).toEqual({ lights: { color: { g: 255 } } });
  });
});

describe("history item", () => {
  it("named shadows get their own sort-key prefix; classic gets the $classic marker", () => {
    expect(itemOf({ ...firstReport, shadowName: "config" })).toMatchObject({ shadowName: "config", shadowVersion: "config#0000000000000001" });
    expect(itemOf(firstReport).shadowVersion.startsWith(`${CLASSIC_SHADOW}#`)).toBe(true);
  });

  it("sets expiresAt from the shadow timestamp only when a retention is configured", () => {
    expect(itemOf(firstReport, 30).expiresAt).toBe(1483467764 + 30 * 86_400);
    expect(itemOf(firstReport).expiresAt).toBeUndefined();
  });

  it("a metadata-only update (same values, new version) changes no keys", () => {
    const same = { ...reportedGreen, previous: { ...reportedGreen.current, version: 4 }, current: { ...reportedGreen.current, version: 5 } };
    expect(itemOf(same).changedKeys).toEqual([]);
  });

  it("version keys sort like the numbers, up to 2^53-1", () => {
    expect(shadowVersionKey("s", Number.MAX_SAFE_INTEGER)).toBe("s#9007199254740991");
    fc.assert(
      fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), fc.nat({ max: Number.MAX_SAFE_INTEGER }), (a, b) => {
        const [ka, kb] = [shadowVersionKey("s", a), shadowVersionKey("s", b)];
        return Math.sign(a - b) === (ka < kb ? -1 : ka > kb ? 1 : 0);
      }),
    );
    expect(() => shadowVersionKey("s", 1.5)).toThrow(/non-negative safe integer/);
  });
});

describe("changedKeys", () => {
  it("reports nested leaves, removals, type changes and whole arrays as JSON Pointers", () => {
    const keys = changedKeys(
      { reported: { lights: { color: "red", level: 3 }, mode: "eco", schedule: [1, 2], gone: true, "a/b~c": 1 } },
      { reported: { lights: { color: "blue", level: 3 }, mode: { name: "eco" }, schedule: [1, 2, 3], "a/b~c": 2 }, desired: { target: 21 } },
    );
    expect(keys).toEqual(["/desired/target", "/reported/a~1b~0c", "/reported/gone", "/reported/lights/color", "/reported/mode", "/reported/schedule"]);
  });

  it("is empty for identical states (property)", () => {
    const state = fc.record({ desired: fc.option(jsonObject, { nil: undefined }), reported: fc.option(jsonObject, { nil: undefined }) });
    fc.assert(fc.property(state, (s) => changedKeys(s as never, s as never).length === 0));
  });
});

describe("computeDrift", () => {
  it("includes desired fields missing from reported, compares arrays whole, ignores reported-only fields", () => {
    expect(computeDrift({ target: 21, colors: ["RED"], fan: "auto" }, { colors: ["RED", "GREEN"], fan: "auto", humidity: 40 })).toEqual({
      target: 21,
      colors: ["RED"],
    });
    expect(computeDrift(undefined, { a: 1 })).toEqual({});
    expect(computeDrift({ nested: { a: 1 } }, { nested: "flat" })).toEqual({ nested: { a: 1 } });
  });

  it("is empty when desired equals reported (property)", () => {
    fc.assert(fc.property(jsonObject, (o) => Object.keys(computeDrift(o as never, o as never)).length === 0));
  });
});

describe("parseShadowDocumentsEvent accepts", () => {
  it("a missing previous, a missing state and null sections", () => {
    const parsed = parseShadowDocumentsEvent({ thingName: "t1", current: { version: 3, state: { desired: null } }, timestamp: 10 });
    expect(parsed).toEqual({
      thingName: "t1",
      shadowName: undefined,
      previous: null,
      current: { version: 3, state: { desired: undefined, reported: undefined } },
      timestamp: 10,
      clientToken: undefined,
      documentSizeBytes: Buffer.byteLength('{"version":3,"state":{"desired":null}}', "utf8"),
    });
    expect(parseShadowDocumentsEvent({ thingName: "t1", current: { version: 3 }, timestamp: 10 }).current.state).toEqual({});
  });

  it("state nested exactly 6 levels and exactly 8 KB", () => {
    const six = { a: { b: { c: { d: { e: { f: 1 } } } } } };
    expect(() => parseShadowDocumentsEvent({ ...firstReport, current: { version: 1, state: { reported: six } } })).not.toThrow();
    const overhead = JSON.stringify({ reported: { blob: "" } }).length;
    const exact = { blob: "x".repeat(MAX_STATE_BYTES - overhead) };
    expect(() => parseShadowDocumentsEvent({ ...firstReport, current: { version: 1, state: { reported: exact } } })).not.toThrow();
  });
});

describe("parseShadowDocumentsEvent rejects, naming the field", () => {
  const cases: [string, unknown, string, RegExp][] = [
    ["a non-object event", "hello", "(event)", /must be a JSON object/],
    ["an array event", [firstReport], "(event)", /an array/],
    ["a missing thingName", { ...firstReport, thingName: undefined }, "thingName", /topic\(3\) AS thingName/],
    ["a non-string thingName", { ...firstReport, thingName: 42 }, "thingName", /must be a string/],
    ["an invalid thingName", { ...firstReport, thingName: "my bulb" }, "thingName", /IoT thing name "my bulb" is invalid/],
    ["the classic marker as shadowName", { ...firstReport, shadowName: CLASSIC_SHADOW }, "shadowName", /shadow name/],
    ["an empty shadowName", { ...firstReport, shadowName: "" }, "shadowName", /shadow name "" is 0 bytes long/],
    ["a shadowName over 64 bytes", { ...firstReport, shadowName: "s".repeat(65) }, "shadowName", /65 bytes long/],
    ["a missing current", { ...firstReport, current: undefined }, "current", /is missing/],
    ["a non-object current", { ...firstReport, current: "x" }, "current", /must be an object/],
    ["a non-numeric version", { ...firstReport, current: { ...firstReport.current, version: "2" } }, "current.version", /non-negative integer, got "2"/],
    ["a fractional version", { ...firstReport, current: { ...firstReport.current, version: 1.5 } }, "current.version", /non-negative integer/],
    ["a bad previous version", { ...desiredGreen, previous: { state: {} } }, "previous.version", /non-negative integer/],
    ["a non-object reported section", { ...firstReport, current: { version: 1, state: { reported: "red" } } }, "current.state.reported", /must be an object/],
    ["a non-object state", { ...firstReport, current: { version: 1, state: [] } }, "current.state", /must be an object/],
    ["state nested 7 levels", { ...firstReport, current: { version: 1, state: { desired: { a: { b: { c: { d: { e: { f: { g: 1 } } } } } } } } } }, "current.state.desired", /nests 7 levels.*at most 6/],
    ["state over 8 KB", { ...firstReport, current: { version: 1, state: { reported: { blob: "x".repeat(MAX_STATE_BYTES) } } } }, "current.state", /bytes; the Device Shadow service allows at most 8192/],
    ["a number DynamoDB cannot store", { ...firstReport, current: { version: 1, state: { reported: { x: 1e130 } } } }, "current.state.reported.x", /outside the range DynamoDB can store/],
    ["a missing timestamp", { ...firstReport, timestamp: undefined }, "timestamp", /epoch seconds/],
    ["a millisecond timestamp", { ...firstReport, timestamp: 1483467764000 }, "timestamp", /looks like milliseconds/],
    ["a client token over 64 bytes", { ...firstReport, clientToken: "c".repeat(65) }, "clientToken", /longer than 64 bytes/],
    ["a non-string client token", { ...firstReport, clientToken: 7 }, "clientToken", /must be a string/],
  ];

  it.each(cases)("%s", (_label, event, field, message) => {
    const error = rejection(event);
    expect(error.field).toBe(field);
    expect(error.name).toBe("InvalidShadowEventError");
    expect(error.message).toContain(field);
    expect(error.message).toMatch(message);
  });
});

describe("loadConfig", () => {
  it("requires TABLE_NAME and reads an optional positive HISTORY_TTL_DAYS", () => {
    expect(() => loadConfig({})).toThrow(/TABLE_NAME is not set/);
    expect(loadConfig({ TABLE_NAME: "h" })).toEqual({ tableName: "h" });
    expect(loadConfig({ TABLE_NAME: "h", HISTORY_TTL_DAYS: "30" })).toEqual({ tableName: "h", ttlDays: 30 });
    expect(() => loadConfig({ TABLE_NAME: "h", HISTORY_TTL_DAYS: "0" })).toThrow(/HISTORY_TTL_DAYS must be a positive whole number/);
    expect(() => loadConfig({ TABLE_NAME: "h", HISTORY_TTL_DAYS: "a week" })).toThrow(/got "a week"/);
  });
});

/**
 * Convergence latency and document size of the shadow-history processor:
 * the pure computation (convergence.ts) through the real parser, and the
 * attributes toHistoryItem stores. EMF output is asserted on the built bundle
 * (shadow-history-bundle.test.ts).
 */
import fc from "fast-check";
import { isDeepStrictEqual } from "node:util";
import { convergenceLatencies } from "../functions/shadow-history/convergence";
import { parseShadowDocumentsEvent } from "../functions/shadow-history/event";
import { toHistoryItem } from "../functions/shadow-history/transform";
import { desiredGreen, documentsResponseExample, firstReport, reportedGreen } from "../functions/shadow-history/fixtures/aws-doc-examples";
import { fcParams } from "./helpers/arbitraries";

type Obj = Record<string, unknown>;

const T0 = 1_700_000_000;
const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), "utf8");

/** A documents event with full metadata: each leaf of each section stamped with the given time. */
function documents(previous: { desired?: Obj; reported?: Obj } | null, current: { desired?: Obj; reported?: Obj }, stamps: { desired: number; reported: number }) {
  const stamp = (value: unknown, t: number): unknown =>
    typeof value === "object" && value !== null && !Array.isArray(value) ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, stamp(v, t)])) : { timestamp: t };
  const metadata = { desired: stamp(current.desired ?? {}, stamps.desired), reported: stamp(current.reported ?? {}, stamps.reported) };
  return {
    thingName: "Thermostat-0001",
    previous: previous === null ? null : { state: previous, metadata: {}, version: 1 },
    current: { state: current, metadata, version: 2 },
    timestamp: Math.max(stamps.desired, stamps.reported),
  };
}

const latencies = (event: unknown) => {
  const parsed = parseShadowDocumentsEvent(event);
  return convergenceLatencies(parsed.previous, parsed.current);
};
const itemOf = (event: unknown) => toHistoryItem(parseShadowDocumentsEvent(event), { receivedAtMs: 1 });

describe("convergence latency", () => {
  it("documented /documents response: every desired key the device caught up with, reported minus desired timestamp", () => {
    expect(latencies(documentsResponseExample)).toEqual({ "/attribute1": 42, "/attribute2": 42, "/attributeN": 42 });
  });

  it("nothing while desired differs from reported, or once desired is cleared", () => {
    expect(latencies(firstReport)).toEqual({});
    expect(latencies(desiredGreen)).toEqual({});
    expect(latencies(reportedGreen)).toEqual({});
  });

  it("counts nested leaves at their JSON Pointer, and only the leaves that converged", () => {
    const event = documents(
      { desired: { lights: { color: "blue", level: 3 }, "a/b": 1 }, reported: { lights: { color: "red", level: 2 }, "a/b": 0 } },
      { desired: { lights: { color: "blue", level: 3 }, "a/b": 1 }, reported: { lights: { color: "blue", level: 2 }, "a/b": 1 } },
      { desired: T0, reported: T0 + 7 },
    );
    expect(latencies(event)).toEqual({ "/lights/color": 7, "/a~1b": 7 });
  });

  it("does not count again a key that was already converged in previous", () => {
    const converged = { desired: { mode: "heat" }, reported: { mode: "heat" } };
    expect(latencies(documents(converged, { ...converged, reported: { mode: "heat", temperature: 20 } }, { desired: T0, reported: T0 + 5 }))).toEqual({});
    // The first update of a shadow has no previous: a key converged in it counts.
    expect(latencies(documents(null, converged, { desired: T0, reported: T0 + 5 }))).toEqual({ "/mode": 5 });
  });

  it("is 0 when desired asks for what the device had already reported", () => {
    const event = documents({ reported: { mode: "eco" } }, { desired: { mode: "eco" }, reported: { mode: "eco" } }, { desired: T0 + 60, reported: T0 });
    expect(latencies(event)).toEqual({ "/mode": 0 });
  });

  it("compares arrays whole and takes the latest element timestamp of an array value", () => {
    const event = {
      thingName: "t1",
      previous: { state: { desired: { colors: ["RED", "GREEN"] }, reported: { colors: ["RED"] } }, version: 1 },
      current: {
        state: { desired: { colors: ["RED", "GREEN"] }, reported: { colors: ["RED", "GREEN"] } },
        metadata: { desired: { colors: [{ timestamp: T0 }, { timestamp: T0 }] }, reported: { colors: [{ timestamp: T0 + 3 }, { timestamp: T0 + 9 }] } },
        version: 2,
      },
      timestamp: T0 + 9,
    };
    expect(latencies(event)).toEqual({ "/colors": 9 });
  });

  it.each<[string, unknown]>([
    ["no metadata", undefined],
    ["metadata not an object", "yesterday"],
    ["no desired metadata", { reported: { mode: { timestamp: T0 } } }],
    ["no reported metadata", { desired: { mode: { timestamp: T0 } } }],
    ["a string timestamp", { desired: { mode: { timestamp: String(T0) } }, reported: { mode: { timestamp: T0 } } }],
    ["a millisecond timestamp", { desired: { mode: { timestamp: T0 } }, reported: { mode: { timestamp: T0 * 1000 } } }],
    ["a negative timestamp", { desired: { mode: { timestamp: -1 } }, reported: { mode: { timestamp: T0 } } }],
    ["metadata shaped unlike the state", { desired: [{ timestamp: T0 }], reported: { mode: [] } }],
  ])("%s: no latency for the key, and no error", (_label, metadata) => {
    const event = { thingName: "t1", previous: null, current: { state: { desired: { mode: "heat" }, reported: { mode: "heat" } }, metadata, version: 1 }, timestamp: T0 };
    expect(latencies(event)).toEqual({});
    expect(itemOf(event).convergence).toBeUndefined();
  });

  it("keeps the keys whose metadata is complete when another key's is missing", () => {
    const event = {
      thingName: "t1",
      previous: null,
      current: {
        state: { desired: { a: 1, b: 2 }, reported: { a: 1, b: 2 } },
        metadata: { desired: { a: { timestamp: T0 }, b: { timestamp: T0 } }, reported: { a: { timestamp: T0 + 4 } } },
        version: 1,
      },
      timestamp: T0 + 4,
    };
    expect(latencies(event)).toEqual({ "/a": 4 });
  });
});

describe("convergence latency properties", () => {
  const key = fc.constantFrom("a", "b", "c", "mode", "a/b", "constructor");
  const leaf = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom("on", "off"), fc.constant([1, 2]), fc.constant(null));
  const section: fc.Arbitrary<Obj> = fc.dictionary(key, fc.oneof(leaf, fc.dictionary(key, leaf, { maxKeys: 3, noNullPrototype: true })), { maxKeys: 4, noNullPrototype: true });
  const state = fc.record({ desired: fc.option(section, { nil: undefined }), reported: fc.option(section, { nil: undefined }) }, { requiredKeys: [] });
  /** previous and current drawn from a few shared sections, so keys converged in both, either or neither all come up often. */
  const transition = fc.tuple(fc.array(section, { minLength: 1, maxLength: 3 }), fc.array(fc.nat({ max: 3 }), { minLength: 4, maxLength: 4 }), fc.boolean()).map(([pool, [pd, pr, cd, cr], first]) => {
    const pick = (i: number) => (i < pool.length ? structuredClone(pool[i]) : undefined);
    return { previous: first ? null : { desired: pick(pd), reported: pick(pr) }, current: { desired: pick(cd), reported: pick(cr) } };
  });
  const stamps = fc.record({ desired: fc.integer({ min: 0, max: 2_000_000_000 }), lag: fc.integer({ min: 0, max: 86_400 }) });

  /** Resolves a JSON Pointer through objects; written apart from the module so the check is independent. */
  const resolve = (root: unknown, pointer: string): unknown =>
    pointer
      .split("/")
      .slice(1)
      .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
      .reduce<unknown>((node, k) => (typeof node === "object" && node !== null && !Array.isArray(node) && Object.hasOwn(node, k) ? (node as Obj)[k] : undefined), root);
  const leaves = (value: unknown, path = ""): string[] =>
    typeof value === "object" && value !== null && !Array.isArray(value)
      ? Object.entries(value).flatMap(([k, v]) => leaves(v, `${path}/${k.replace(/~/g, "~0").replace(/\//g, "~1")}`))
      : [path];
  const convergedAt = (s: { desired?: Obj; reported?: Obj } | null, p: string) =>
    s !== null && resolve(s.desired, p) !== undefined && isDeepStrictEqual(resolve(s.desired, p), resolve(s.reported, p));

  it("with ordered timestamps, every latency is reported minus desired (so >= 0), for exactly the newly converged keys", () => {
    fc.assert(
      fc.property(transition, stamps, ({ previous, current }, { desired, lag }) => {
        const got = latencies(documents(previous, current, { desired, reported: desired + lag }));
        const expected = (current.desired ? leaves(current.desired) : []).filter((p) => convergedAt(current, p) && !convergedAt(previous, p));
        expect(Object.keys(got).sort()).toEqual(expected.sort());
        for (const seconds of Object.values(got)) expect(seconds).toBe(lag);
      }),
      fcParams(300),
    );
  });

  it("an update that repeats the previous state counts nothing", () => {
    fc.assert(
      fc.property(state, stamps, (s, { desired, lag }) => {
        expect(latencies(documents(s, s, { desired, reported: desired + lag }))).toEqual({});
      }),
      fcParams(300),
    );
  });

  it("never throws on missing or malformed metadata, and yields only finite latencies >= 0", () => {
    const metadata = fc.oneof(
      fc.constant(undefined),
      fc.jsonValue({ maxDepth: 4 }),
      fc.record({ desired: fc.jsonValue({ maxDepth: 3 }), reported: fc.jsonValue({ maxDepth: 3 }) }, { requiredKeys: [] }),
      fc.record({ desired: fc.dictionary(key, fc.record({ timestamp: fc.jsonValue() })), reported: fc.dictionary(key, fc.record({ timestamp: fc.jsonValue() })) }),
    );
    fc.assert(
      fc.property(fc.option(state, { nil: null }), state, metadata, (previous, current, md) => {
        const event = { thingName: "t1", previous: previous && { state: previous, version: 1 }, current: { state: current, metadata: md, version: 2 }, timestamp: T0 };
        for (const seconds of Object.values(latencies(JSON.parse(JSON.stringify(event))))) {
          expect(Number.isFinite(seconds)).toBe(true);
          expect(seconds).toBeGreaterThanOrEqual(0);
        }
      }),
      fcParams(500),
    );
  });
});

describe("history item attributes", () => {
  it("stores convergence by key and the current document's size; the key schema and existing attributes are unchanged", () => {
    const item = itemOf(documentsResponseExample);
    expect(item).toMatchObject({
      thingName: "Thermostat-0001",
      shadowVersion: "$classic#0000000000000042",
      version: 42,
      hasDrift: false,
      convergence: { "/attribute1": 42, "/attribute2": 42, "/attributeN": 42 },
      documentSizeBytes: bytes(documentsResponseExample.current),
    });
  });

  it("has no convergence attribute when no key converged", () => {
    expect(itemOf(desiredGreen).convergence).toBeUndefined();
  });

  it("sizes the current document in UTF-8 bytes as received, whatever previous holds", () => {
    const current = { state: { reported: { "温度": "二十一度" } }, metadata: { reported: { "温度": { timestamp: T0 } } }, version: 3 };
    const withPrevious = itemOf({ thingName: "t1", previous: { state: { reported: { x: "y".repeat(500) } }, version: 2 }, current, timestamp: T0 });
    const first = itemOf({ thingName: "t1", previous: null, current, timestamp: T0 });
    // Each of these CJK characters is 3 bytes in UTF-8 (1 UTF-16 unit): 2 extra bytes per character, in the state and the metadata.
    expect(withPrevious.documentSizeBytes).toBe(JSON.stringify(current).length + 2 * (2 * "温度".length + "二十一度".length));
    expect(first.documentSizeBytes).toBe(withPrevious.documentSizeBytes);
  });
});

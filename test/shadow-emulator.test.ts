import fc from "fast-check";
import {
  ShadowMessage,
  ShadowService,
  UpdateAcceptedMessage,
  UpdateDeltaMessage,
  UpdateDocumentsMessage,
  RejectedMessage,
  parseShadowTopic,
  shadowTopic,
} from "../tools/shadow-emulator";

const T0_MS = 1_700_000_000_123; // epoch ms; shadow timestamps are epoch seconds
const T0 = 1_700_000_000;

function setup(opts: { maxStateBytes?: number } = {}) {
  let clock = T0_MS;
  const service = new ShadowService({ now: () => clock, ...opts });
  const published: Array<{ topic: string; payload: ShadowMessage }> = [];
  service.subscribe((topic, payload) => published.push({ topic, payload }));
  return {
    service,
    published,
    tick: (ms: number) => (clock += ms),
    /** Messages published on topics ending in `suffix`, in order. */
    on: <T extends ShadowMessage>(suffix: string) => published.filter((m) => m.topic.endsWith(suffix)).map((m) => m.payload as T),
    clear: () => published.splice(0),
  };
}

const THING = "Thermostat-01";
const classic = (suffix: string) => `$aws/things/${THING}/shadow/${suffix}`;

describe("ShadowService: documented update flow (device-shadow-data-flow)", () => {
  it("a desired update is accepted, produces a delta and documents with previous = null", () => {
    const { service, published, on } = setup();
    const result = service.update(THING, undefined, { state: { desired: { color: { r: 10 }, engine: "ON" } }, clientToken: "req-1" });

    expect(result).toEqual({
      accepted: true,
      document: {
        state: { desired: { color: { r: 10 }, engine: "ON" } },
        metadata: { desired: { color: { r: { timestamp: T0 } }, engine: { timestamp: T0 } } },
        version: 1,
        timestamp: T0,
        clientToken: "req-1",
      },
    });
    expect(published.map((m) => m.topic)).toEqual([classic("update/accepted"), classic("update/delta"), classic("update/documents")]);
    expect(on<UpdateDeltaMessage>("update/delta")[0]).toEqual({
      state: { color: { r: 10 }, engine: "ON" },
      metadata: { color: { r: { timestamp: T0 } }, engine: { timestamp: T0 } },
      version: 1,
      timestamp: T0,
      clientToken: "req-1",
    });
    expect(on<UpdateDocumentsMessage>("update/documents")[0]).toEqual({
      previous: null,
      current: {
        state: { desired: { color: { r: 10 }, engine: "ON" } },
        metadata: { desired: { color: { r: { timestamp: T0 } }, engine: { timestamp: T0 } } },
        version: 1,
      },
      timestamp: T0,
      clientToken: "req-1",
    });
  });

  it("a device report that converges publishes accepted and documents but no delta", () => {
    const { service, published, on, clear, tick } = setup();
    service.update(THING, undefined, { state: { desired: { color: { r: 10 }, engine: "ON" } } });
    clear();
    tick(2000);
    service.update(THING, undefined, { state: { reported: { color: { r: 10 }, engine: "ON" } } });

    expect(published.map((m) => m.topic)).toEqual([classic("update/accepted"), classic("update/documents")]);
    const docs = on<UpdateDocumentsMessage>("update/documents")[0];
    expect(docs.previous?.version).toBe(1);
    expect(docs.previous?.state).toEqual({ desired: { color: { r: 10 }, engine: "ON" } });
    expect(docs.current.version).toBe(2);
    expect(docs.current.state).toEqual({ desired: { color: { r: 10 }, engine: "ON" }, reported: { color: { r: 10 }, engine: "ON" } });
    expect(docs.current.metadata.reported).toEqual({ color: { r: { timestamp: T0 + 2 } }, engine: { timestamp: T0 + 2 } });
    expect(docs.current.metadata.desired).toEqual({ color: { r: { timestamp: T0 } }, engine: { timestamp: T0 } });
    expect(docs).not.toHaveProperty("clientToken");
    const get = service.get(THING);
    expect(get.accepted && get.document.state).not.toHaveProperty("delta");
  });

  it("null deletes a property (and its metadata); accepted echoes the null with a timestamp", () => {
    const { service, on } = setup();
    service.update(THING, undefined, { state: { desired: { color: { r: 10 }, engine: "ON" } } });
    service.update(THING, undefined, { state: { desired: { engine: null } } });

    const accepted = on<UpdateAcceptedMessage>("update/accepted")[1];
    expect(accepted.state).toEqual({ desired: { engine: null } });
    expect(accepted.metadata).toEqual({ desired: { engine: { timestamp: T0 } } });
    const get = service.get(THING);
    if (!get.accepted) throw new Error("expected a shadow");
    expect(get.document.state.desired).toEqual({ color: { r: 10 } });
    expect(get.document.metadata.desired).toEqual({ color: { r: { timestamp: T0 } } });
    expect(get.document.version).toBe(2);
  });

  it("setting a section to null removes it (empty-sections example)", () => {
    const { service } = setup();
    service.update(THING, undefined, { state: { desired: { color: "red" } } });
    service.update(THING, undefined, { state: { reported: { color: "red" }, desired: null } });
    const get = service.get(THING);
    if (!get.accepted) throw new Error("expected a shadow");
    expect(get.document.state).toEqual({ reported: { color: "red" } });
    expect(get.document.metadata).toEqual({ reported: { color: { timestamp: T0 } } });
  });

  it("a state of null empties the shadow but keeps it (and its version)", () => {
    const { service } = setup();
    service.update(THING, undefined, { state: { reported: { temp: 55 } } });
    const result = service.update(THING, undefined, { state: null });
    expect(result).toMatchObject({ accepted: true, document: { state: null, version: 2 } });
    expect(service.get(THING)).toMatchObject({ accepted: true, document: { state: {}, metadata: {}, version: 2 } });
  });
});

describe("ShadowService: delta state (device-shadow-document examples)", () => {
  it("includes desired fields that differ or are missing from reported, never reported-only fields", () => {
    const { service, on } = setup();
    service.update(THING, undefined, { state: { reported: { color: "GREEN", engine: "ON" } } });
    service.update(THING, undefined, { state: { desired: { color: "RED", state: "STOP" } } });

    expect(on<UpdateDeltaMessage>("update/delta")).toEqual([
      { state: { color: "RED", state: "STOP" }, metadata: { color: { timestamp: T0 }, state: { timestamp: T0 } }, version: 2, timestamp: T0 },
    ]);
    expect(service.get(THING)).toMatchObject({
      accepted: true,
      document: {
        state: { desired: { color: "RED", state: "STOP" }, reported: { color: "GREEN", engine: "ON" }, delta: { color: "RED", state: "STOP" } },
        version: 2,
      },
    });
  });

  it("keeps the path to the root for nested differences", () => {
    const { service, on } = setup();
    service.update(THING, undefined, { state: { reported: { lights: { color: { r: 255, g: 0, b: 255 } } } } });
    service.update(THING, undefined, { state: { desired: { lights: { color: { r: 255, g: 255, b: 255 } } } } });
    expect(on<UpdateDeltaMessage>("update/delta")[0].state).toEqual({ lights: { color: { g: 255 } } });
    expect(on<UpdateDeltaMessage>("update/delta")[0].metadata).toEqual({ lights: { color: { g: { timestamp: T0 } } } });
  });

  it("treats arrays as values: an update replaces the whole array and a differing array is copied whole", () => {
    const { service, on } = setup();
    service.update(THING, undefined, { state: { desired: { colors: ["RED", "GREEN", "BLUE"] }, reported: { colors: ["RED", "GREEN", "BLUE"] } } });
    expect(on("update/delta")).toHaveLength(0);
    service.update(THING, undefined, { state: { desired: { colors: ["RED"] } } });
    const get = service.get(THING);
    if (!get.accepted) throw new Error("expected a shadow");
    expect(get.document.state.desired).toEqual({ colors: ["RED"] });
    expect(get.document.metadata.desired).toEqual({ colors: { timestamp: T0 } });
    expect(on<UpdateDeltaMessage>("update/delta")[0].state).toEqual({ colors: ["RED"] });
  });

  it("includes a desired field whose reported counterpart was deleted", () => {
    const { service, on, clear } = setup();
    service.update(THING, undefined, { state: { desired: { mode: "eco" }, reported: { mode: "eco" } } });
    clear();
    service.update(THING, undefined, { state: { reported: { mode: null } } });
    expect(service.get(THING)).toMatchObject({ accepted: true, document: { state: { delta: { mode: "eco" } } } });
    // Only an update that sets desired state publishes on update/delta.
    expect(on("update/delta")).toHaveLength(0);
  });
});

describe("ShadowService: optimistic locking (documented example)", () => {
  it("rejects a stale version with 409 and accepts the current one", () => {
    const { service, on } = setup();
    for (let i = 0; i < 10; i++) service.update(THING, undefined, { state: { desired: { colors: ["RED", "GREEN", "BLUE"] } } });
    expect(service.get(THING)).toMatchObject({ accepted: true, document: { version: 10 } });

    const stale = service.update(THING, undefined, { state: { desired: { colors: ["BLUE"] } }, version: 9, clientToken: "426bfd96-e720-46d3-95cd-014e3ef12bb6" });
    expect(stale).toEqual({ accepted: false, code: 409, message: "Version conflict" });
    expect(on<RejectedMessage>("update/rejected")).toEqual([
      { code: 409, message: "Version conflict", timestamp: T0, clientToken: "426bfd96-e720-46d3-95cd-014e3ef12bb6" },
    ]);
    expect(service.get(THING)).toMatchObject({ accepted: true, document: { state: { desired: { colors: ["RED", "GREEN", "BLUE"] } }, version: 10 } });

    const current = service.update(THING, undefined, { state: { desired: { colors: ["BLUE"] } }, version: 10 });
    expect(current).toMatchObject({ accepted: true, document: { version: 11 } });
    expect(service.get(THING)).toMatchObject({ accepted: true, document: { state: { desired: { colors: ["BLUE"] } }, version: 11 } });
  });

  it("counts versions per (thing, shadow): classic and named shadows are independent", () => {
    const { service, published } = setup();
    service.update(THING, undefined, { state: { reported: { temp: 20 } } });
    service.update(THING, undefined, { state: { reported: { temp: 21 } } });
    const named = service.update(THING, "config", { state: { reported: { interval: 60 } } });
    expect(named).toMatchObject({ accepted: true, document: { version: 1 } });
    expect(service.update("Thermostat-02", undefined, { state: { reported: { temp: 1 } } })).toMatchObject({ document: { version: 1 } });
    expect(published.map((m) => m.topic)).toContain(`$aws/things/${THING}/shadow/name/config/update/documents`);
    expect(service.update(THING, "config", { state: { reported: { interval: 30 } }, version: 2 })).toMatchObject({ accepted: false, code: 409 });
  });

  it("gives every update in a burst within one second its own version and the same timestamp", () => {
    const { service, on, tick } = setup();
    for (let i = 0; i < 5; i++) {
      service.update(THING, undefined, { state: { reported: { temp: 20 + i } } });
      tick(100);
    }
    const docs = on<UpdateDocumentsMessage>("update/documents");
    expect(docs.map((d) => d.current.version)).toEqual([1, 2, 3, 4, 5]);
    expect(new Set(docs.map((d) => d.timestamp))).toEqual(new Set([T0]));
  });
});

describe("ShadowService: rejections with the documented codes and messages", () => {
  const cases: Array<[string, unknown, number, string]> = [
    ["text that is not JSON", "{not json", 400, "Invalid JSON"],
    ["a document without state", { version: 1 }, 400, "Missing required node: state"],
    ["a JSON array", "[1,2]", 400, "Missing required node: state"],
    ["a state that is not an object", { state: "on" }, 400, "State node must be an object"],
    ["a desired node that is not an object", { state: { desired: [1] } }, 400, "Desired node must be an object"],
    ["a reported node that is not an object", { state: { reported: 5 } }, 400, "Reported node must be an object"],
    ["an unknown state node", { state: { delta: { a: 1 } } }, 400, "State contains an invalid node"],
    ["an array holding null", { state: { desired: { colors: [null, "RED", "GREEN"] } } }, 400, "State contains an invalid node"],
    ["a negative version", { state: { reported: {} }, version: -1 }, 400, "Invalid version"],
    ["a non-integer version", { state: { reported: {} }, version: 1.5 }, 400, "Invalid version"],
    ["a numeric clientToken", { state: { reported: {} }, clientToken: 7 }, 400, "Invalid clientToken"],
  ];

  it.each(cases)("rejects %s", (_label, request, code, message) => {
    const { service, on } = setup();
    expect(service.update(THING, undefined, request)).toEqual({ accepted: false, code, message });
    expect(on<RejectedMessage>("update/rejected")).toEqual([expect.objectContaining({ code, message, timestamp: T0 })]);
    expect(on("update/accepted")).toHaveLength(0);
    expect(service.get(THING)).toMatchObject({ accepted: false, code: 404 });
  });

  it("accepts a 64-byte clientToken and rejects 65 bytes, counting UTF-8 bytes", () => {
    const { service, on } = setup();
    expect(service.update(THING, undefined, { state: { reported: { a: 1 } }, clientToken: "x".repeat(64) })).toMatchObject({ accepted: true });
    expect(service.update(THING, undefined, { state: { reported: { a: 1 } }, clientToken: "x".repeat(65) })).toEqual({
      accepted: false,
      code: 400,
      message: "Invalid clientToken",
    });
    // 22 three-byte characters = 66 bytes though only 22 characters.
    expect(service.update(THING, undefined, { state: { reported: { a: 1 } }, clientToken: "€".repeat(22) })).toMatchObject({ accepted: false, code: 400 });
    // An invalid token is not echoed back.
    expect(on<RejectedMessage>("update/rejected").every((m) => !("clientToken" in m))).toBe(true);
  });

  it("allows 6 levels of nesting below desired/reported and rejects 7", () => {
    const { service } = setup();
    const nest = (levels: number): Record<string, unknown> => (levels === 1 ? { l1: 1 } : { [`l${levels}`]: nest(levels - 1) });
    expect(service.update(THING, undefined, { state: { reported: nest(6) } })).toMatchObject({ accepted: true });
    expect(service.update(THING, undefined, { state: { reported: nest(7) } })).toEqual({
      accepted: false,
      code: 400,
      message: "JSON contains too many levels of nesting; maximum is 6",
    });
  });

  it("rejects a request whose state exceeds 8 KB with 413", () => {
    const { service } = setup();
    const big = "x".repeat(8192);
    expect(service.update(THING, undefined, { state: { reported: { blob: big } }, clientToken: "t" })).toEqual({
      accepted: false,
      code: 413,
      message: "The payload exceeds the maximum size allowed",
    });
  });

  it("rejects an update that would grow the stored state past 8 KB, though each request is small", () => {
    const { service } = setup();
    const chunk = "y".repeat(3000);
    expect(service.update(THING, undefined, { state: { reported: { a: chunk } } })).toMatchObject({ accepted: true });
    expect(service.update(THING, undefined, { state: { desired: { b: chunk } } })).toMatchObject({ accepted: true });
    expect(service.update(THING, undefined, { state: { desired: { c: chunk } } })).toMatchObject({ accepted: false, code: 413 });
    expect(service.get(THING)).toMatchObject({ accepted: true, document: { version: 2 } });
  });

  it("does not count metadata toward the size limit", () => {
    const { service } = setup({ maxStateBytes: 200 });
    const fields = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`f${i}`, 1]));
    // ~150 bytes of state; its metadata ({"timestamp":...} per field) is far larger.
    expect(service.update(THING, undefined, { state: { reported: fields } })).toMatchObject({ accepted: true });
  });

  it("throws (a caller bug, not a shadow rejection) for invalid thing or shadow names and options", () => {
    const { service } = setup();
    expect(() => service.update("bad name", undefined, { state: {} })).toThrow(/thingName: IoT thing name "bad name" is invalid/);
    expect(() => service.update(THING, "x".repeat(65), { state: {} })).toThrow(/shadowName: shadow name .* 65 bytes long; allowed 1-64 bytes/);
    expect(() => new ShadowService({ maxStateBytes: 0 })).toThrow(/ShadowServiceOptions.maxStateBytes must be a positive integer/);
  });
});

describe("ShadowService: get, delete and MQTT request topics", () => {
  it("deleting keeps the version: the next update continues from it with previous = null", () => {
    const { service, on } = setup();
    service.update(THING, "config", { state: { reported: { interval: 60 } } });
    service.update(THING, "config", { state: { reported: { interval: 30 } } });
    expect(service.delete(THING, "config", { clientToken: "del" })).toEqual({ accepted: true, document: { version: 2, timestamp: T0, clientToken: "del" } });
    expect(service.get(THING, "config")).toEqual({ accepted: false, code: 404, message: "No shadow exists with name: 'config'" });

    service.update(THING, "config", { state: { reported: { interval: 15 } } });
    const docs = on<UpdateDocumentsMessage>("update/documents");
    expect(docs[2]).toMatchObject({ previous: null, current: { version: 3, state: { reported: { interval: 15 } } } });
    expect(service.delete(THING)).toEqual({ accepted: false, code: 404, message: `No shadow exists with name: '${THING}'` });
    expect(on<RejectedMessage>("delete/rejected")).toEqual([{ code: 404, message: `No shadow exists with name: '${THING}'`, timestamp: T0 }]);
  });

  it("handles publishes on request topics and ignores other topics", () => {
    const { service, published } = setup();
    const update = service.handleMqttPublish(shadowTopic(THING, "config", "update"), JSON.stringify({ state: { reported: { interval: 60 } } }));
    expect(update).toMatchObject({ accepted: true, document: { version: 1 } });
    const get = service.handleMqttPublish(`$aws/things/${THING}/shadow/name/config/get`, JSON.stringify({ clientToken: "g1" }));
    expect(get).toMatchObject({ accepted: true, document: { version: 1, clientToken: "g1", state: { reported: { interval: 60 } } } });
    expect(published.at(-1)?.topic).toBe(`$aws/things/${THING}/shadow/name/config/get/accepted`);
    expect(service.handleMqttPublish(`$aws/things/${THING}/shadow/get`, "")).toMatchObject({ accepted: false, code: 404 });
    expect(published.at(-1)?.topic).toBe(`$aws/things/${THING}/shadow/get/rejected`);
    expect(service.handleMqttPublish("devices/Thermostat-01/telemetry", "{}")).toBeUndefined();
    expect(service.handleMqttPublish(`$aws/things/${THING}/shadow/update/accepted`, "{}")).toBeUndefined();
  });

  it("parses and builds classic and named topics", () => {
    expect(parseShadowTopic("$aws/things/T-1/shadow/name/config/update/documents")).toEqual({
      thingName: "T-1",
      shadowName: "config",
      operation: "update",
      response: "documents",
    });
    expect(parseShadowTopic("$aws/things/T-1/shadow/update")).toEqual({ thingName: "T-1", shadowName: undefined, operation: "update", response: undefined });
    expect(parseShadowTopic("$aws/things/T-1/shadow/get/delta")).toBeUndefined();
    expect(shadowTopic("T-1", undefined, "delete", "accepted")).toBe("$aws/things/T-1/shadow/delete/accepted");
  });

  it("gives listeners copies and stops after unsubscribe", () => {
    const service = new ShadowService({ now: () => T0_MS });
    const seen: string[] = [];
    const off = service.subscribe((topic, payload) => {
      seen.push(topic);
      (payload as { version?: number }).version = 999;
    });
    service.update(THING, undefined, { state: { reported: { a: 1 } } });
    expect(service.get(THING)).toMatchObject({ document: { version: 1 } });
    off();
    service.update(THING, undefined, { state: { reported: { a: 2 } } });
    expect(seen).toHaveLength(2);
  });
});

describe("ShadowService: invariants over random report sequences", () => {
  const leaf = fc.oneof(fc.integer(), fc.string({ maxLength: 5 }), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }));
  const key = fc.constantFrom("a", "b", "c", "d");
  const patch = fc.dictionary(key, fc.oneof(leaf, fc.dictionary(key, leaf, { maxKeys: 3 })), { maxKeys: 4 });

  function metadataMirrorsState(state: unknown, metadata: unknown): boolean {
    if (typeof state !== "object" || state === null || Array.isArray(state)) {
      return JSON.stringify(Object.keys(metadata as object)) === '["timestamp"]';
    }
    const keys = Object.keys(state).sort();
    if (JSON.stringify(keys) !== JSON.stringify(Object.keys(metadata as object).sort())) return false;
    return keys.every((k) => metadataMirrorsState((state as Record<string, unknown>)[k], (metadata as Record<string, unknown>)[k]));
  }

  const containsNull = (value: unknown): boolean =>
    value === null || (typeof value === "object" && Object.values(value as object).some(containsNull));

  it("versions count accepted updates, documents chain previous → current, metadata mirrors state", () => {
    fc.assert(
      fc.property(fc.array(patch, { minLength: 1, maxLength: 12 }), (patches) => {
        const { service, on } = setup();
        patches.forEach((p) => service.update(THING, undefined, { state: { reported: p } }));
        const docs = on<UpdateDocumentsMessage>("update/documents");
        expect(docs.map((d) => d.current.version)).toEqual(patches.map((_, i) => i + 1));
        docs.slice(1).forEach((d, i) => expect(d.previous).toEqual(docs[i].current));
        const get = service.get(THING);
        if (!get.accepted) throw new Error("expected a shadow");
        expect(metadataMirrorsState(get.document.state.reported ?? {}, get.document.metadata.reported ?? {})).toBe(true);
        expect(containsNull(get.document.state)).toBe(false);
      }),
      { numRuns: 150, seed: 42 },
    );
  });
});

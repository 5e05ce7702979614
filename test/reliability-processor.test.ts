/**
 * Property-based reliability tests of the shadow-history processor: generated
 * `update/documents` events (valid ones within the AWS limits, and single-field
 * mutations of them) through the pure parse/transform and through the BUILT
 * bundle against a local DynamoDB server; then a burst with redeliveries and
 * out-of-order versions. FC_RUNS cases per property (default 1000).
 */
import fc from "fast-check";
import { isDeepStrictEqual } from "node:util";
import { AttributeValue, DeleteItemCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import { InvalidShadowEventError, parseShadowDocumentsEvent } from "../functions/shadow-history/event";
import { changedKeys, toHistoryItem } from "../functions/shadow-history/transform";
import type { ShadowState } from "../functions/shadow-history/event";
import { CLASSIC_SHADOW, PARTITION_KEY, SORT_KEY } from "../modules/history-store/schema";
import { ProcessorBundle, loadProcessorBundle, runBurst } from "../bench/burst";
import { EventMutation, FC_RUNS, WireEvent, WireState, fcParams, invalidEventArb, validEventArb } from "./helpers/arbitraries";
import { LocalDynamo, startLocalDynamo } from "./helpers/dynalite";

const TABLE = "shadow-history-reliability";
/**
 * Jest timeout for a property: generous per case, so `FC_RUNS=20000` runs are not cut off. A hang
 * guard, not a timing assertion: a loaded 2-core machine runs these several times slower.
 */
const timeoutFor = (msPerCase: number) => Math.max(60_000, FC_RUNS * msPerCase);

/** DynamoDB's item size limit; a history item must always fit. */
const MAX_ITEM_BYTES = 400 * 1024;

/** Reads an attribute value back as JSON, keeping every map key (the SDK's unmarshall drops "__proto__"). */
function fromAttribute(value: AttributeValue): unknown {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return Number(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.NULL !== undefined) return null;
  if (value.L !== undefined) return value.L.map(fromAttribute);
  if (value.M !== undefined) return fromAttributes(value.M);
  throw new Error(`unexpected attribute type ${Object.keys(value).join(",")}`);
}

function fromAttributes(map: Record<string, AttributeValue>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, fromAttribute(v)]));
}

/** What JSON makes of a value: the comparison basis for "read back equals what the transform produced". */
const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

/** Resolves an RFC 6901 pointer through plain objects (own keys only); arrays and scalars are leaves. */
function resolvePointer(root: unknown, pointer: string): unknown {
  let node = root;
  for (const raw of pointer.split("/").slice(1)) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (typeof node !== "object" || node === null || Array.isArray(node) || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

const isLeaf = (v: unknown): boolean => v !== undefined && (typeof v !== "object" || v === null || Array.isArray(v));

/** Pointers of every leaf (non-object value) under `value`. */
function leafPointers(value: unknown, path: string, out: string[]): string[] {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    for (const key of Object.keys(value)) leafPointers((value as Record<string, unknown>)[key], `${path}/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`, out);
  } else if (value !== undefined) {
    out.push(path);
  }
  return out;
}

/** Pointers of every leaf below the object `root`, an empty object counting as a leaf (drift can hold one: desired {} against reported 1). */
function valuePointers(root: unknown): string[] {
  const out: string[] = [];
  const walk = (value: unknown, path: string, top: boolean): void => {
    if (isPlainObject(value) && (top || Object.keys(value).length > 0)) {
      for (const key of Object.keys(value)) walk(value[key], `${path}/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`, false);
    } else if (value !== undefined && !top) {
      out.push(path);
    }
  };
  walk(root, "", true);
  return out;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A wire state as the processor reads it: a deleted (null) section is no section. */
const stateOf = (state: WireState | undefined): ShadowState => ({
  desired: (state?.desired ?? undefined) as ShadowState["desired"],
  reported: (state?.reported ?? undefined) as ShadowState["reported"],
});

/** `keys` names exactly the values that differ between the two states, at their leaves, sorted and once each. */
function expectChangedKeys(before: ShadowState, after: ShadowState, keys: unknown): void {
  expect(Array.isArray(keys)).toBe(true);
  const list = keys as string[];
  expect([...new Set(list)].sort()).toEqual(list);
  for (const p of list) {
    const [was, is] = [resolvePointer(before, p), resolvePointer(after, p)];
    // Sound: every reported pointer differs between the two states...
    expect(isDeepStrictEqual(was, is)).toBe(false);
    // ...and is a leaf: one side holds a value that is not an object (a field named "constructor" included).
    expect(isLeaf(was) || isLeaf(is)).toBe(true);
  }
  // Complete: every differing leaf is covered by a reported pointer (itself or an ancestor).
  for (const leaf of new Set([...leafPointers(before, "", []), ...leafPointers(after, "", [])])) {
    if (isDeepStrictEqual(resolvePointer(before, leaf), resolvePointer(after, leaf))) continue;
    expect(list.some((p) => leaf === p || leaf.startsWith(`${p}/`))).toBe(true);
  }
}

/**
 * `drift` is the shadow service's delta of desired against reported: every desired value whose
 * reported value differs, as deep as both sides are objects, and nothing else.
 */
function expectDrift(desired: unknown, reported: unknown, drift: unknown): void {
  expect(isPlainObject(drift)).toBe(true);
  /** Where desired and reported differ and stop being two objects: there the drift must hold the desired value. */
  const differs = (p: string) => {
    const [want, have] = [resolvePointer(desired, p), resolvePointer(reported, p)];
    return want !== undefined && !isDeepStrictEqual(want, have) && !(isPlainObject(want) && isPlainObject(have));
  };
  const driftPointers = valuePointers(drift);
  // Sound: each drift value is the desired value at a pointer where the device reports something else.
  for (const p of driftPointers) {
    expect(differs(p)).toBe(true);
    expect(resolvePointer(drift, p)).toEqual(resolvePointer(desired, p));
  }
  // Complete: every desired value the device has not reported is in the drift (itself or an ancestor).
  for (const p of valuePointers(desired)) {
    if (differs(p)) expect(driftPointers.some((d) => p === d || p.startsWith(`${d}/`))).toBe(true);
  }
}

/**
 * The history item the processor must write for `event`, derived from the event alone (never from
 * the transform under test): its key, the current state as sent, the previous version, the client
 * token, no TTL (no retention configured), the current document's size, the changed keys and the drift.
 */
function expectItemFor(item: Record<string, unknown>, event: WireEvent, receivedAtMs: number): void {
  const shadowName = event.shadowName ?? CLASSIC_SHADOW;
  const current = stateOf(event.current.state);
  const { changedKeys: keys, drift, hasDrift, ...rest } = item;
  expect(asJson(rest)).toEqual(
    asJson({
      thingName: event.thingName,
      shadowVersion: `${shadowName}#${String(event.current.version).padStart(16, "0")}`,
      shadowName,
      version: event.current.version,
      updatedAt: event.timestamp,
      receivedAtMs,
      desired: current.desired,
      reported: current.reported,
      previousVersion: event.previous?.version,
      clientToken: event.clientToken,
      // The current document as delivered; no convergence: the generated metadata has no desired timestamps.
      documentSizeBytes: Buffer.byteLength(JSON.stringify(event.current), "utf8"),
    }),
  );
  expectChangedKeys(stateOf(event.previous?.state), current, keys);
  expectDrift(current.desired ?? {}, current.reported ?? {}, drift);
  expect(hasDrift).toBe(Object.keys(drift as object).length > 0);
}

describe("processor properties, pure (parse + transform)", () => {
  it(`accepts every valid update/documents event and derives the item it calls for (${FC_RUNS} cases)`, () => {
    fc.assert(
      fc.property(validEventArb, (event) => {
        const item = toHistoryItem(parseShadowDocumentsEvent(event), { receivedAtMs: 1 });
        expectItemFor({ ...item }, event, 1);
        expect(item.expiresAt).toBeUndefined();
        expect(Buffer.byteLength(JSON.stringify(item), "utf8")).toBeLessThan(MAX_ITEM_BYTES);
      }),
      fcParams(),
    );
  }, timeoutFor(5));

  it(`rejects every single-field mutation with a typed error naming the field (${FC_RUNS} cases)`, () => {
    const fieldsSeen = new Set<string>();
    fc.assert(
      fc.property(invalidEventArb, ({ event, field }: EventMutation) => {
        let error: unknown;
        try {
          parseShadowDocumentsEvent(event);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(InvalidShadowEventError);
        expect((error as InvalidShadowEventError).field).toBe(field);
        expect((error as Error).message).toContain(field);
        fieldsSeen.add(field.replace(/^current\.state\.(desired|reported)\.__proto__$/, "<section>.__proto__").replace(/^current\.state\.reported\.unstorable$/, "<number>"));
      }),
      fcParams(),
    );
    // Every field of the payload was broken at least once.
    for (const f of ["(event)", "thingName", "shadowName", "current", "current.version", "current.state", "current.state.desired", "current.state.reported", "<number>", "<section>.__proto__", "previous", "previous.version", "previous.state", "timestamp", "clientToken"]) {
      expect(fieldsSeen).toContain(f);
    }
  }, timeoutFor(5));

  it(`changedKeys names exactly the values that differ, at their leaves (${FC_RUNS} cases)`, () => {
    fc.assert(
      fc.property(validEventArb, (event) => {
        const parsed = parseShadowDocumentsEvent(event);
        const before: ShadowState = parsed.previous?.state ?? {};
        expectChangedKeys(before, parsed.current.state, changedKeys(before, parsed.current.state));
      }),
      fcParams(),
    );
  }, timeoutFor(5));
});

describe("processor properties through the built bundle and a local DynamoDB", () => {
  let dynamo: LocalDynamo;
  let restoreEnv: () => void;
  let bundle: ProcessorBundle;
  const NOW = Date.now();

  beforeAll(async () => {
    dynamo = await startLocalDynamo();
    restoreEnv = dynamo.useAsSdkDefault();
    await dynamo.createHistoryTable(TABLE);
    process.env.TABLE_NAME = TABLE;
    delete process.env.HISTORY_TTL_DAYS;
    // Log and EMF lines of thousands of invocations: not asserted here (the bundle test does).
    jest.spyOn(process.stdout, "write").mockImplementation(() => true);
    jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    bundle = loadProcessorBundle();
  });

  afterAll(async () => {
    jest.restoreAllMocks();
    delete process.env.TABLE_NAME;
    restoreEnv?.();
    await dynamo?.stop();
  });

  async function scanTable(): Promise<Record<string, AttributeValue>[]> {
    const out = await dynamo.client.send(new ScanCommand({ TableName: TABLE }));
    return out.Items ?? [];
  }

  /** Every case leaves the table empty, so "exactly one item" and "nothing written" are checked on the whole table. */
  async function emptyTable(items: Record<string, AttributeValue>[]): Promise<void> {
    for (const item of items) {
      await dynamo.client.send(new DeleteItemCommand({ TableName: TABLE, Key: { [PARTITION_KEY]: item[PARTITION_KEY], [SORT_KEY]: item[SORT_KEY] } }));
    }
  }

  it(`stores every valid event exactly once, also when delivered again or twice at once, and reads back the item the event calls for (${FC_RUNS} cases)`, async () => {
    const clock = jest.spyOn(Date, "now").mockReturnValue(NOW);
    try {
      await fc.assert(
        fc.asyncProperty(validEventArb, async (event: WireEvent) => {
          try {
            const concurrent = await Promise.all([bundle.handler(event), bundle.handler(event)]);
            expect(concurrent.map((r) => r.outcome).sort()).toEqual(["duplicate", "stored"]);
            await expect(bundle.handler(event)).resolves.toMatchObject({ outcome: "duplicate" });

            const items = await scanTable();
            expect(items).toHaveLength(1);
            const stored = fromAttributes(items[0]);
            expect(stored).not.toHaveProperty("expiresAt");
            expectItemFor(stored, event, NOW);
          } finally {
            await emptyTable(await scanTable());
          }
        }),
        fcParams(),
      );
    } finally {
      clock.mockRestore();
    }
  }, timeoutFor(200));

  it(`rejects every invalid event with the bundle's typed error naming the field, and writes nothing (${FC_RUNS} cases)`, async () => {
    await fc.assert(
      fc.asyncProperty(invalidEventArb, async ({ event, field }: EventMutation) => {
        const error = await bundle.handler(event).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(bundle.InvalidShadowEventError);
        expect(error).toMatchObject({ name: "InvalidShadowEventError", field });
        const items = await scanTable();
        await emptyTable(items);
        expect(items).toEqual([]);
      }),
      fcParams(),
    );
  }, timeoutFor(100));

  it("regression: state fields named like Object.prototype members are stored and read back as sent", async () => {
    // The SDK's marshall threw on "constructor" (poison event: retried, then dead-lettered).
    const reported = JSON.parse('{"constructor":{"name":"Set"},"toString":1,"valueOf":{"a":[1,{"hasOwnProperty":null}]},"prototype":"p"}');
    const event = { thingName: "regression-proto", previous: { state: { reported: {} }, version: 1 }, current: { state: { reported, desired: { constructor: 2 } }, version: 2 }, timestamp: 1_700_000_000 };
    await expect(bundle.handler(event)).resolves.toMatchObject({ outcome: "stored" });
    const items = await scanTable();
    await emptyTable(items);
    expect(items).toHaveLength(1);
    const stored = fromAttributes(items[0]);
    expect(stored).toMatchObject({ reported, desired: { constructor: 2 }, drift: { constructor: 2 }, hasDrift: true });
    expect(stored.changedKeys).toEqual(["/desired/constructor", "/reported/constructor/name", "/reported/prototype", "/reported/toString", "/reported/valueOf/a"]);
  });

  it("a burst of 1,000 events for 100 things, with redeliveries and out-of-order versions, stores exactly the distinct updates", async () => {
    const result = await runBurst({
      events: 1000,
      things: 100,
      concurrency: 16,
      target: { handler: (e) => bundle.handler(e), client: dynamo.client, tableName: TABLE },
    });
    expect(result).toMatchObject({ events: 1000, things: 100, distinctUpdates: 900, duplicatesSent: 100, missing: 0, unexpected: 0, mismatched: 0, correct: true });
    expect(result.outcomes).toEqual({ stored: 900, duplicate: 100, failed: 0 });
    expect(result.tableItems).toBe(900);
    expect(result.outOfOrder).toBeGreaterThan(0);
  });
});

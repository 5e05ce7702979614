/**
 * Property-based reliability tests of the shadow-history processor: generated
 * `update/documents` events (valid ones within the AWS limits, and single-field
 * mutations of them) through the pure parse/transform and through the BUILT
 * bundle against a local DynamoDB server; then a burst with redeliveries and
 * out-of-order versions. FC_RUNS cases per property (default 1000).
 */
import fc from "fast-check";
import { AttributeValue, DeleteItemCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import { InvalidShadowEventError, parseShadowDocumentsEvent } from "../functions/shadow-history/event";
import { changedKeys, jsonEqual, toHistoryItem } from "../functions/shadow-history/transform";
import type { JsonValue, ShadowState } from "../functions/shadow-history/event";
import { CLASSIC_SHADOW, PARTITION_KEY, SORT_KEY, shadowVersionKey } from "../modules/history-store/schema";
import { ProcessorBundle, loadProcessorBundle, runBurst } from "../bench/burst";
import { EventMutation, FC_RUNS, WireEvent, fcParams, invalidEventArb, validEventArb } from "./helpers/arbitraries";
import { LocalDynamo, startLocalDynamo } from "./helpers/dynalite";

const TABLE = "shadow-history-reliability";
/** Jest timeout for a property: generous per case, so `FC_RUNS=20000` runs are not cut off. */
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

describe("processor properties, pure (parse + transform)", () => {
  it(`accepts every valid update/documents event and derives its key (${FC_RUNS} cases)`, () => {
    fc.assert(
      fc.property(validEventArb, (event) => {
        const parsed = parseShadowDocumentsEvent(event);
        const item = toHistoryItem(parsed, { receivedAtMs: 1 });
        expect(item.thingName).toBe(event.thingName);
        expect(item.shadowName).toBe(event.shadowName ?? CLASSIC_SHADOW);
        expect(item.shadowVersion).toBe(shadowVersionKey(event.shadowName ?? CLASSIC_SHADOW, event.current.version));
        expect(item.updatedAt).toBe(event.timestamp);
        expect(item.previousVersion).toBe(event.previous?.version);
        expect(item.clientToken).toBe(event.clientToken);
        // Pure: the same event gives the same item.
        expect(toHistoryItem(parseShadowDocumentsEvent(event), { receivedAtMs: 1 })).toEqual(item);
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
        const after = parsed.current.state;
        const keys = changedKeys(before, after);
        expect([...new Set(keys)].sort()).toEqual(keys);
        for (const p of keys) {
          const [was, is] = [resolvePointer(before, p), resolvePointer(after, p)];
          // Sound: every reported pointer differs between the two states...
          expect(jsonEqual(was as JsonValue, is as JsonValue)).toBe(false);
          // ...and is a leaf: one side holds a value that is not an object (a field named "constructor" included).
          expect(isLeaf(was) || isLeaf(is)).toBe(true);
        }
        // Complete: every differing leaf is covered by a reported pointer (itself or an ancestor).
        for (const leaf of new Set([...leafPointers(before, "", []), ...leafPointers(after, "", [])])) {
          if (jsonEqual(resolvePointer(before, leaf) as JsonValue, resolvePointer(after, leaf) as JsonValue)) continue;
          expect(keys.some((p) => leaf === p || leaf.startsWith(`${p}/`))).toBe(true);
        }
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

  it(`stores every valid event exactly once, also when delivered again or twice at once, and reads back what the transform produced (${FC_RUNS} cases)`, async () => {
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
            const expected = toHistoryItem(parseShadowDocumentsEvent(event), { receivedAtMs: NOW });
            expect(fromAttributes(items[0])).toEqual(asJson(expected));
          } finally {
            await emptyTable(await scanTable());
          }
        }),
        fcParams(),
      );
    } finally {
      clock.mockRestore();
    }
  }, timeoutFor(50));

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
  }, timeoutFor(20));

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

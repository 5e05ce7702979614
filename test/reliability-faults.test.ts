/**
 * Fault injection: the BUILT processor bundle talks to a local DynamoDB server
 * through a proxy that refuses connections, resets them, holds requests past
 * the SDK timeout, or answers throttling / 5xx. The handler must throw whenever
 * the item is not known to be stored (so Lambda's async retries and the
 * dead-letter queue take over), succeed when the fault clears within the SDK's
 * retry budget, and never leave a partial or second item.
 */
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { DYNAMODB_CLIENT_SETTINGS } from "../functions/shadow-history/config";
import { parseShadowDocumentsEvent } from "../functions/shadow-history/event";
import { toHistoryItem } from "../functions/shadow-history/transform";
import { CLASSIC_SHADOW, PARTITION_KEY, SORT_KEY, shadowVersionKey } from "../modules/history-store/schema";
import { ProcessorBundle, ProcessorResult, loadProcessorBundle } from "../bench/burst";
import { LocalDynamo, startLocalDynamo } from "./helpers/dynalite";
import { DynamoErrorName, FaultyProxy, startFaultyProxy } from "./helpers/faulty-proxy";
import { ProcessOutput } from "./helpers/process-output";

const TABLE = "shadow-history-faults";
/** The processor's Lambda timeout (modules/shadow-processor default, every environment's config). */
const LAMBDA_TIMEOUT_MS = 30_000;
/** Async invocations: 1 + maximumRetryAttempts (2) deliveries, then the dead-letter queue. */
const LAMBDA_DELIVERIES = 3;
/** Longer than the SDK request timeout, so a held request or response times out. */
const SLOW_MS = DYNAMODB_CLIENT_SETTINGS.requestTimeoutMs + 1_500;

let dynamo: LocalDynamo;
let proxy: FaultyProxy;
let restoreEnv: () => void;
let bundle: ProcessorBundle;
const output = new ProcessOutput();

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  await dynamo.createHistoryTable(TABLE);
  proxy = await startFaultyProxy(dynamo.endpoint);
  restoreEnv = dynamo.useAsSdkDefault();
  // The bundle's client resolves its endpoint once: every request goes through the proxy.
  process.env.AWS_ENDPOINT_URL_DYNAMODB = proxy.endpoint;
  process.env.TABLE_NAME = TABLE;
  output.install();
  bundle = loadProcessorBundle();
});

afterAll(async () => {
  jest.restoreAllMocks();
  delete process.env.TABLE_NAME;
  restoreEnv?.();
  await proxy?.stop();
  await dynamo?.stop();
});

beforeEach(() => output.clear());

afterEach(async () => {
  await proxy.clear();
  await proxy.idle();
  proxy.resetStats();
});

let counter = 0;
/** A fresh thing per case, so each case reads only its own item. */
function update(version = 1): { thingName: string; previous: null; current: { state: { reported: { temperature: number } }; metadata: object; version: number }; timestamp: number } {
  counter++;
  return { thingName: `fault-${counter}`, previous: null, current: { state: { reported: { temperature: 20 + counter / 10 } }, metadata: {}, version }, timestamp: 1_700_000_000 + counter };
}

/** What the SDK throws: the service or network error, with the attempts it made. */
type StoreError = Error & { code?: string; $metadata?: { attempts?: number } };
type Settled = { ok: true; value: ProcessorResult } | { ok: false; error: StoreError };
const settle = (p: Promise<ProcessorResult>): Promise<Settled> =>
  p.then(
    (value) => ({ ok: true as const, value }),
    (error: StoreError) => ({ ok: false as const, error }),
  );

/** The stored item of `event`, read directly from the server (not through the proxy). */
async function storedItem(event: ReturnType<typeof update>): Promise<Record<string, unknown> | undefined> {
  const { Item } = await dynamo.client.send(
    new GetItemCommand({ TableName: TABLE, ConsistentRead: true, Key: { [PARTITION_KEY]: { S: event.thingName }, [SORT_KEY]: { S: shadowVersionKey(CLASSIC_SHADOW, event.current.version) } } }),
  );
  return Item ? unmarshall(Item) : undefined;
}

/** No item, or exactly the complete item the transform makes of `event` (a PutItem is atomic: never a part of one). */
async function expectWholeOrNothing(event: ReturnType<typeof update>, want: "stored" | "absent"): Promise<void> {
  await proxy.idle();
  const item = await storedItem(event);
  if (want === "absent") return expect(item).toBeUndefined();
  expect(item).toBeDefined();
  expect(item).toEqual(JSON.parse(JSON.stringify(toHistoryItem(parseShadowDocumentsEvent(event), { receivedAtMs: item!.receivedAtMs as number }))));
}

describe("SDK timeouts and retries of the processor", () => {
  it("are explicit and bounded well inside the Lambda timeout", () => {
    expect(DYNAMODB_CLIENT_SETTINGS).toEqual({ maxAttempts: 3, retryMode: "standard", connectionTimeoutMs: 1_000, requestTimeoutMs: 3_000, throwOnRequestTimeout: true });
    // Worst case: every attempt times out, plus the standard mode's backoff (at most 1 s + 2 s after throttling).
    const worstCaseMs = DYNAMODB_CLIENT_SETTINGS.maxAttempts * DYNAMODB_CLIENT_SETTINGS.requestTimeoutMs + 3_000;
    expect(worstCaseMs).toBeLessThanOrEqual(LAMBDA_TIMEOUT_MS / 2);
  });
});

describe("DynamoDB refuses connections", () => {
  it("throws after the SDK's attempts, writes nothing; the Lambda retry after recovery stores it once", async () => {
    const event = update();
    await proxy.inject({ kind: "refuse" });
    const first = await settle(bundle.handler(event));
    expect(first.ok).toBe(false);
    if (first.ok) return;
    expect(`${first.error.name} ${first.error.code} ${first.error.message}`).toMatch(/ECONNREFUSED/);
    expect(first.error.$metadata?.attempts).toBe(DYNAMODB_CLIENT_SETTINGS.maxAttempts);
    expect(output.metrics()).toEqual({ StoreFailed: 1 });
    expect(output.stderr).toContain("Storing shadow update failed");
    await expectWholeOrNothing(event, "absent");

    await proxy.clear();
    await expect(bundle.handler(event)).resolves.toMatchObject({ outcome: "stored" });
    await expectWholeOrNothing(event, "stored");
  });
});

describe("DynamoDB resets connections", () => {
  it("recovers within the SDK retries when one request is reset before it reaches the server", async () => {
    const event = update();
    await proxy.inject({ kind: "reset" }, { requests: 1 });
    await expect(bundle.handler(event)).resolves.toMatchObject({ outcome: "stored" });
    expect(proxy.stats()).toMatchObject({ requests: 2, faulted: 1, forwarded: 1 });
    await expectWholeOrNothing(event, "stored");
  });

  it("a reset after the write landed is retried into a duplicate: one item, reported as success", async () => {
    const event = update();
    await proxy.inject({ kind: "reset", phase: "after-forward" }, { requests: 1 });
    await expect(bundle.handler(event)).resolves.toMatchObject({ outcome: "duplicate" });
    expect(proxy.stats()).toMatchObject({ requests: 2, forwarded: 2 });
    await expectWholeOrNothing(event, "stored");
  });

  it("throws when every attempt is reset, and writes nothing", async () => {
    const event = update();
    await proxy.inject({ kind: "reset" });
    const result = await settle(bundle.handler(event));
    expect(result.ok).toBe(false);
    expect(proxy.stats()).toMatchObject({ requests: DYNAMODB_CLIENT_SETTINGS.maxAttempts, forwarded: 0 });
    await expectWholeOrNothing(event, "absent");
  });
});

describe("DynamoDB throttles or fails with 5xx", () => {
  const cases: [string, DynamoErrorName, string][] = [
    ["throttling (ProvisionedThroughputExceededException)", "throttled", "ProvisionedThroughputExceededException"],
    ["throttling (ThrottlingException)", "throttling", "ThrottlingException"],
    ["500 InternalServerError", "internal", "InternalServerError"],
    ["503 ServiceUnavailable", "unavailable", "ServiceUnavailable"],
  ];

  it.each(cases)("%s for fewer requests than the SDK's attempts: stored once", async (_label, error) => {
    const event = update();
    await proxy.inject({ kind: "error", error }, { requests: DYNAMODB_CLIENT_SETTINGS.maxAttempts - 1 });
    await expect(bundle.handler(event)).resolves.toMatchObject({ outcome: "stored" });
    expect(proxy.stats()).toMatchObject({ requests: DYNAMODB_CLIENT_SETTINGS.maxAttempts, forwarded: 1 });
    await expectWholeOrNothing(event, "stored");
  });

  it.each(cases)("%s beyond the SDK's attempts: throws that error, writes nothing, counts StoreFailed", async (_label, error, name) => {
    const event = update();
    await proxy.inject({ kind: "error", error });
    const result = await settle(bundle.handler(event));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.name).toBe(name);
    expect(result.error.$metadata?.attempts).toBe(DYNAMODB_CLIENT_SETTINGS.maxAttempts);
    expect(proxy.stats()).toMatchObject({ requests: DYNAMODB_CLIENT_SETTINGS.maxAttempts, forwarded: 0 });
    expect(output.metrics()).toEqual({ StoreFailed: 1 });
    await expectWholeOrNothing(event, "absent");
  });

  it("a 500 returned after the write landed is retried into a duplicate: one item, success", async () => {
    const event = update();
    await proxy.inject({ kind: "error", error: "internal", phase: "after-forward" }, { requests: 1 });
    await expect(bundle.handler(event)).resolves.toMatchObject({ outcome: "duplicate" });
    await expectWholeOrNothing(event, "stored");
  });
});

describe("DynamoDB answers slower than the SDK request timeout", () => {
  it("a request held past the timeout on every attempt: throws TimeoutError, writes nothing", async () => {
    const event = update();
    await proxy.inject({ kind: "delay", ms: SLOW_MS, phase: "before-forward" });
    const result = await settle(bundle.handler(event));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.name).toBe("TimeoutError");
    expect(result.error.$metadata?.attempts).toBe(DYNAMODB_CLIENT_SETTINGS.maxAttempts);
    await expectWholeOrNothing(event, "absent");
    // The SDK gave up on each attempt before the proxy answered, and none reached the server.
    expect(proxy.stats()).toMatchObject({ requests: DYNAMODB_CLIENT_SETTINGS.maxAttempts, clientAborts: DYNAMODB_CLIENT_SETTINGS.maxAttempts, forwarded: 0 });
  });

  it("a response held past the timeout after the write landed: throws, one complete item; the Lambda retry finds the duplicate", async () => {
    const event = update();
    await proxy.inject({ kind: "delay", ms: SLOW_MS, phase: "after-forward" });
    const result = await settle(bundle.handler(event));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.name).toBe("TimeoutError");
    await expectWholeOrNothing(event, "stored");

    await proxy.clear();
    await expect(bundle.handler(event)).resolves.toMatchObject({ outcome: "duplicate" });
    await expectWholeOrNothing(event, "stored");
  });

  it("one slow attempt, then a normal one: stored within the SDK retries", async () => {
    const event = update();
    await proxy.inject({ kind: "delay", ms: SLOW_MS, phase: "before-forward" }, { requests: 1 });
    await expect(bundle.handler(event)).resolves.toMatchObject({ outcome: "stored" });
    await expectWholeOrNothing(event, "stored");
    expect(proxy.stats()).toMatchObject({ requests: 2, clientAborts: 1, forwarded: 1 });
  });
});

describe("Lambda's async retries and the dead-letter path", () => {
  /** Delivers like Lambda's async invoke: up to LAMBDA_DELIVERIES attempts, then the dead-letter queue. */
  async function deliver(event: unknown, beforeRetry: (attempt: number) => Promise<void>): Promise<{ result?: ProcessorResult; deadLettered: boolean; invocations: number }> {
    for (let attempt = 1; attempt <= LAMBDA_DELIVERIES; attempt++) {
      const settled = await settle(bundle.handler(event));
      if (settled.ok) return { result: settled.value, deadLettered: false, invocations: attempt };
      if (attempt < LAMBDA_DELIVERIES) await beforeRetry(attempt);
    }
    return { deadLettered: true, invocations: LAMBDA_DELIVERIES };
  }

  it("an outage outlasting every retry ends in the dead-letter queue, never in a reported success", async () => {
    const event = update();
    await proxy.inject({ kind: "error", error: "unavailable" });
    const outcome = await deliver(event, async () => undefined);
    expect(outcome).toEqual({ deadLettered: true, invocations: LAMBDA_DELIVERIES });
    await expectWholeOrNothing(event, "absent");
  });

  it("an outage that ends between Lambda retries: stored once by the retry", async () => {
    const event = update();
    await proxy.inject({ kind: "refuse" });
    const outcome = await deliver(event, async () => proxy.clear());
    expect(outcome).toMatchObject({ deadLettered: false, invocations: 2, result: { outcome: "stored" } });
    await expectWholeOrNothing(event, "stored");
  });
});

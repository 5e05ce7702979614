/**
 * A small reconnect storm (tools/pipeline/storm.ts) through the built processor bundle and a local
 * DynamoDB, on simulated time with fixed invocation durations, so the counts are reproducible:
 * buffered ingestion stores every update exactly once and dead-letters only the poison after
 * maxReceiveCount receives; the direct path (asynchronous invokes throttled at the same cap) loses
 * valid updates to the dead-letter queue by event age.
 */
import { runStorm, StormResult } from "../tools/pipeline/storm";

let result: StormResult;

beforeAll(async () => {
  result = await runStorm({
    events: 2_000,
    things: 200,
    poison: 3,
    arrivalSeconds: 2,
    concurrency: 10,
    batchSize: 25,
    maximumBatchingWindowSeconds: 1,
    maxReceiveCount: 5,
    visibilityTimeoutSeconds: 181,
    // A short event age makes the direct path's backlog visible at this size.
    maximumEventAgeSeconds: 60,
    serviceTimeMs: { direct: () => 100, buffered: (_measured, records) => 50 + 10 * records },
  });
}, 180_000);

describe("storm: 2,000 updates of 200 things at a concurrency cap of 10", () => {
  it("buffered: 0 lost, 0 doubled, every valid update stored", () => {
    expect(result.buffered).toMatchObject({ validEvents: 2_000, stored: 2_000, lost: 0, doubled: 0 });
  });

  it("buffered: the poison events, and only they, are in the dead-letter queue after maxReceiveCount receives", () => {
    expect(result.buffered?.deadLettered).toEqual({ poison: 3, valid: 0, byReason: { "max-receive-count": 3 } });
    // Five receives, four visibility timeouts of 181 s in between.
    expect(result.buffered?.deadLetteredByMs).toBeGreaterThanOrEqual(4 * 181_000);
    expect(result.buffered?.batchItemFailuresMetric).toBe(3 * 5);
  });

  it("direct: the same storm puts valid updates into the dead-letter queue (event age), none is lost or doubled", () => {
    const direct = result.direct!;
    expect(direct.deadLettered.poison).toBe(3);
    expect(direct.deadLettered.valid).toBe(result.direct?.deadLettered.byReason["event-age"]! - 3);
    // Simulated time with fixed durations: exactly this many age out (throttle backoff leaves the function idle while events wait).
    expect(direct.deadLettered.valid).toBe(900);
    expect(direct).toMatchObject({ lost: 0, doubled: 0, stored: 2_000 - direct.deadLettered.valid });
    expect(direct.throttles).toBeGreaterThan(0);
  });

  it("is reproducible: the same storm gives the same dead-letter counts", async () => {
    const again = await runStorm({ ...result.settings, paths: ["direct"], serviceTimeMs: { direct: () => 100 } });
    expect(again.direct?.deadLettered).toEqual(result.direct?.deadLettered);
  }, 180_000);
});

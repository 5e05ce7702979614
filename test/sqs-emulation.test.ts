/**
 * The in-process SQS queue and event source mapping the storm and the local pipeline run on
 * (tools/pipeline/sqs-queue.ts, event-source-mapping.ts, async-invoke-queue.ts), on simulated time.
 */
import type { SQSEvent } from "aws-lambda";
import { AsyncInvokeQueue } from "../tools/pipeline/async-invoke-queue";
import { DiscreteEventLoop } from "../tools/pipeline/event-loop";
import { SqsEventSourceMapping } from "../tools/pipeline/event-source-mapping";
import { LocalSqsQueue } from "../tools/pipeline/sqs-queue";

function queues(loop: DiscreteEventLoop, maxReceiveCount = 3, visibilityTimeoutSeconds = 60) {
  const now = () => loop.now();
  const dlq = new LocalSqsQueue({ name: "dlq", visibilityTimeoutSeconds: 30, now });
  const queue = new LocalSqsQueue({ name: "ingest", visibilityTimeoutSeconds, redrive: { deadLetterQueue: dlq, maxReceiveCount }, now });
  return { queue, dlq };
}

describe("LocalSqsQueue", () => {
  it("hides a received message for the visibility timeout, then delivers it again with a higher receive count", async () => {
    const loop = new DiscreteEventLoop(0);
    const { queue } = queues(loop);
    queue.send("a");
    const [first] = queue.receive(10);
    expect(first.receiveCount).toBe(1);
    expect(queue.receive(10)).toEqual([]);
    loop.at(59_999, () => expect(queue.receive(10)).toEqual([]));
    loop.at(60_000, () => expect(queue.receive(10).map((m) => m.receiveCount)).toEqual([2]));
    await loop.run();
  });

  it("deletes only with the latest receipt handle", () => {
    const loop = new DiscreteEventLoop(0);
    const { queue } = queues(loop, 3, 0);
    queue.send("a");
    const [old] = queue.receive(1);
    const [latest] = queue.receive(1);
    expect(queue.delete(old.receiptHandle)).toBe(false);
    expect(queue.delete(latest.receiptHandle)).toBe(true);
    expect(queue.size).toBe(0);
  });

  it("moves a message to the dead-letter queue instead of its (maxReceiveCount + 1)th receive", () => {
    const loop = new DiscreteEventLoop(0);
    const { queue, dlq } = queues(loop, 3, 0);
    queue.send("poison");
    for (let i = 1; i <= 3; i++) expect(queue.receive(1).map((m) => m.receiveCount)).toEqual([i]);
    expect(queue.receive(1)).toEqual([]);
    expect(dlq.deadLettered.map((m) => [m.body, m.receiveCount])).toEqual([["poison", 3]]);
    expect(queue.size).toBe(0);
  });
});

describe("SqsEventSourceMapping", () => {
  const handlerFailing = (bad: Set<string>) => async (event: SQSEvent) => ({
    batchItemFailures: event.Records.filter((r) => bad.has(r.body)).map((r) => ({ itemIdentifier: r.messageId })),
  });

  function run(invoke: (e: SQSEvent) => Promise<unknown>, opts: { batchSize?: number; maximumConcurrency?: number; reportBatchItemFailures?: boolean; serviceMs?: number } = {}) {
    const loop = new DiscreteEventLoop(0);
    const { queue, dlq } = queues(loop, 3, 180);
    const batches: string[][] = [];
    const mapping = new SqsEventSourceMapping(
      queue,
      (e) => {
        batches.push(e.Records.map((r) => r.body));
        return invoke(e);
      },
      loop,
      { queueArn: "arn:aws:sqs:eu-west-1:1:ingest", region: "eu-west-1", batchSize: opts.batchSize ?? 4, maximumBatchingWindowSeconds: 0, maximumConcurrency: opts.maximumConcurrency ?? 2, reportBatchItemFailures: opts.reportBatchItemFailures ?? true, serviceTimeMs: () => opts.serviceMs ?? 10 },
    );
    return { loop, queue, dlq, mapping, batches };
  }

  it("receives only the reported failures again; after maxReceiveCount they are in the dead-letter queue", async () => {
    const { loop, queue, dlq, mapping, batches } = run(handlerFailing(new Set(["bad"])));
    for (const body of ["a", "b", "bad", "c", "d", "e"]) queue.send(body);
    await loop.run();
    expect(mapping.delivered.map((d) => d.receiveCount)).toEqual([1, 1, 1, 1, 1]);
    expect(dlq.deadLettered.map((m) => m.body)).toEqual(["bad"]);
    expect(batches.flat().filter((b) => b !== "bad")).toHaveLength(5); // every good record delivered once
    expect(batches.flat().filter((b) => b === "bad")).toHaveLength(3);
    expect(loop.now()).toBeGreaterThanOrEqual(2 * 180_000); // two visibility timeouts passed (simulated)
  });

  it("keeps the whole batch when the function throws or reports an identifier not in the batch", async () => {
    let calls = 0;
    const { loop, queue, dlq } = run(async (e) => {
      calls++;
      if (calls === 1) throw new Error("boom");
      if (calls === 2) return { batchItemFailures: [{ itemIdentifier: "not-in-batch" }] };
      return { batchItemFailures: [] };
    });
    for (const body of ["a", "b"]) queue.send(body);
    await loop.run();
    expect(calls).toBe(3);
    expect(dlq.deadLettered).toEqual([]);
  });

  it("never runs more batches at once than maximumConcurrency", async () => {
    const loop = new DiscreteEventLoop(0);
    const { queue } = queues(loop, 3, 180);
    let peak = 0;
    const mapping: SqsEventSourceMapping = new SqsEventSourceMapping(queue, async () => ((peak = Math.max(peak, mapping.busy)), { batchItemFailures: [] }), loop, {
      queueArn: "q", region: "eu-west-1", batchSize: 1, maximumBatchingWindowSeconds: 0, maximumConcurrency: 3, reportBatchItemFailures: true, serviceTimeMs: () => 50,
    });
    for (let i = 0; i < 20; i++) queue.send(String(i));
    await loop.run();
    expect(peak).toBe(3);
    expect(mapping.stats.recordsDelivered).toBe(20);
  });
});

describe("AsyncInvokeQueue (Lambda asynchronous invocation)", () => {
  it("throttles above the concurrency cap with backoff and dead-letters events older than the maximum event age", async () => {
    const loop = new DiscreteEventLoop(0);
    const q = new AsyncInvokeQueue(async () => undefined, loop, { concurrency: 1, maximumRetryAttempts: 2, maximumEventAgeSeconds: 60, serviceTimeMs: () => 10_000 });
    for (let i = 0; i < 10; i++) q.submit(i, 0);
    await loop.run();
    // One at a time, 10 s each: about 6 fit in the first minute; the backoff (1, 2, 4, ... s) decides which.
    expect(q.stats.succeeded + q.deadLetters.length).toBe(10);
    expect(q.deadLetters.length).toBeGreaterThan(0);
    expect(q.deadLetters.every((d) => d.reason === "event-age")).toBe(true);
    expect(q.stats.throttles).toBeGreaterThan(0);
  });

  it("retries a function error twice (1 and 2 minutes later), then dead-letters it", async () => {
    const loop = new DiscreteEventLoop(0);
    const starts: number[] = [];
    const q = new AsyncInvokeQueue(async () => {
      starts.push(loop.now());
      throw new Error("bad");
    }, loop, { concurrency: 5, maximumRetryAttempts: 2, maximumEventAgeSeconds: 3600, serviceTimeMs: () => 100 });
    q.submit("poison", 0);
    await loop.run();
    expect(starts).toEqual([0, 60_100, 180_200]);
    expect(q.deadLetters.map((d) => [d.reason, d.attempts])).toEqual([["retries-exhausted", 3]]);
  });
});

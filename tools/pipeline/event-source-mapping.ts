/**
 * Lambda's SQS event source mapping on the discrete-event loop: up to `maximumConcurrency` pollers
 * (scaling_config) each receive a batch of up to `batchSize` (waiting up to the batching window for a
 * full one), invoke the function synchronously and delete what succeeded. With ReportBatchItemFailures
 * the records the function names in `batchItemFailures` stay (visible again after the visibility
 * timeout; the queue's redrive policy dead-letters them after maxReceiveCount receives); a function
 * error, a timeout or a malformed response keeps the whole batch. Pollers wait for messages (long
 * polling) and for in-flight ones to become visible, so the loop ends when the queue is empty.
 */
import { createHash } from "node:crypto";
import type { SQSEvent, SQSRecord } from "aws-lambda";
import type { DiscreteEventLoop } from "./event-loop";
import type { LocalSqsQueue, ReceivedMessage } from "./sqs-queue";

export interface SqsEventSourceMappingOptions {
  readonly queueArn: string;
  readonly region: string;
  readonly batchSize: number;
  readonly maximumBatchingWindowSeconds: number;
  readonly maximumConcurrency: number;
  readonly reportBatchItemFailures: boolean;
  /** The function's timeout: a longer (simulated) invocation fails the whole batch. @default 30 */
  readonly timeoutSeconds?: number;
  /** Simulated duration of an invocation from its measured real duration and record count. @default the measured duration */
  readonly serviceTimeMs?: (measuredMs: number, records: number) => number;
}

export interface DeliveredRecord {
  readonly messageId: string;
  readonly sentAtMs: number;
  /** When the function's success was acknowledged (the message deleted). */
  readonly deletedAtMs: number;
  readonly receiveCount: number;
}

export interface EventSourceMappingStats {
  invocations: number;
  recordsDelivered: number;
  recordsFailed: number;
  /** Invocations that threw, timed out or answered something that is not a batch response: the whole batch failed. */
  batchErrors: number;
  /** Simulated milliseconds of every invocation (for GB-seconds). */
  billedMs: number;
}


export class SqsEventSourceMapping {
  readonly stats: EventSourceMappingStats = { invocations: 0, recordsDelivered: 0, recordsFailed: 0, batchErrors: 0, billedMs: 0 };
  readonly delivered: DeliveredRecord[] = [];
  readonly errors: string[] = [];
  /** Per poller: running a batch, or waiting; a waiting poller polls at its earliest wake-up (Infinity: none). */
  private readonly running: boolean[];
  private readonly wakeAt: number[];

  constructor(
    private readonly queue: LocalSqsQueue,
    private readonly invoke: (event: SQSEvent) => Promise<unknown>,
    private readonly loop: DiscreteEventLoop,
    private readonly options: SqsEventSourceMappingOptions,
  ) {
    const { batchSize, maximumBatchingWindowSeconds: window, maximumConcurrency } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) throw new Error(`event source mapping batchSize must be 1-10000, got ${batchSize}`);
    if (!Number.isInteger(window) || window < 0 || window > 300) throw new Error(`event source mapping maximumBatchingWindowSeconds must be 0-300, got ${window}`);
    if (!Number.isInteger(maximumConcurrency) || maximumConcurrency < 2 || maximumConcurrency > 1000) {
      throw new Error(`event source mapping maximumConcurrency must be 2-1000 (scaling_config), got ${maximumConcurrency}`);
    }
    this.running = Array.from({ length: maximumConcurrency }, () => false);
    this.wakeAt = Array.from({ length: maximumConcurrency }, () => Infinity);
    queue.onMessage(() => this.wake(this.loop.now()));
    this.wake(loop.now());
  }

  /** Invocations running at this simulated moment. */
  get busy(): number {
    return this.running.filter(Boolean).length;
  }

  /** Wakes every waiting poller at `atMs` unless it wakes earlier anyway; a superseded wake-up does nothing. */
  private wake(atMs: number): void {
    this.running.forEach((running, i) => {
      if (running || this.wakeAt[i] <= atMs) return;
      this.wakeAt[i] = atMs;
      this.loop.at(atMs, () => {
        if (this.running[i] || this.wakeAt[i] !== atMs) return;
        this.wakeAt[i] = Infinity;
        return this.poll(i);
      });
    });
  }

  private async poll(slot: number): Promise<void> {
    const batch = this.queue.receive(this.options.batchSize);
    if (batch.length === 0) {
      this.running[slot] = false;
      // Nothing visible: wait for a send (onMessage) or for an in-flight message to come back.
      const next = this.queue.nextVisibleAtMs();
      if (next !== undefined) this.wake(next);
      return;
    }
    this.running[slot] = true;
    const windowMs = this.options.maximumBatchingWindowSeconds * 1000;
    if (batch.length < this.options.batchSize && windowMs > 0) {
      // Lambda holds what it received and fills the batch until the window closes.
      this.loop.after(windowMs, () => this.run(slot, [...batch, ...this.queue.receive(this.options.batchSize - batch.length)]));
      return;
    }
    await this.run(slot, batch);
  }

  private async run(slot: number, batch: readonly ReceivedMessage[]): Promise<void> {
    const event: SQSEvent = { Records: batch.map((m) => this.record(m)) };
    const started = performance.now();
    let response: unknown;
    let error: unknown;
    try {
      response = await this.invoke(event);
    } catch (e) {
      error = e;
    }
    const measured = performance.now() - started;
    const serviceMs = Math.max(0, this.options.serviceTimeMs?.(measured, batch.length) ?? measured);
    this.stats.invocations++;
    this.stats.billedMs += Math.ceil(serviceMs);
    const timeoutMs = (this.options.timeoutSeconds ?? 30) * 1000;
    this.loop.after(Math.min(serviceMs, timeoutMs), () => {
      const failed = error !== undefined || serviceMs > timeoutMs ? undefined : this.failedIds(response, batch);
      if (failed === undefined) {
        this.stats.batchErrors++;
        this.stats.recordsFailed += batch.length;
        if (this.errors.length < 20) this.errors.push(error !== undefined ? String(error) : serviceMs > timeoutMs ? `timed out after ${serviceMs} ms` : `not a batch response: ${JSON.stringify(response)?.slice(0, 200)}`);
      } else {
        for (const m of batch) {
          if (failed.has(m.messageId)) {
            this.stats.recordsFailed++;
            continue;
          }
          // A stale handle (the message came back and was received again) deletes nothing, as in SQS.
          if (!this.queue.delete(m.receiptHandle)) continue;
          this.stats.recordsDelivered++;
          this.delivered.push({ messageId: m.messageId, sentAtMs: m.sentAtMs, deletedAtMs: this.loop.now(), receiveCount: m.receiveCount });
        }
      }
      return this.poll(slot);
    });
  }

  /**
   * The ids to keep, or undefined when the whole batch failed. Without ReportBatchItemFailures any
   * success deletes everything; with it, an empty or absent list does too, and an unknown or missing
   * itemIdentifier fails the batch (Lambda's rule).
   */
  private failedIds(response: unknown, batch: readonly ReceivedMessage[]): Set<string> | undefined {
    if (!this.options.reportBatchItemFailures) return new Set();
    if (response === null || response === undefined || typeof response !== "object") return new Set();
    const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
    if (failures === undefined || failures === null) return new Set();
    if (!Array.isArray(failures)) return undefined;
    const ids = new Set(batch.map((m) => m.messageId));
    const out = new Set<string>();
    for (const f of failures) {
      const id = (f as { itemIdentifier?: unknown } | null)?.itemIdentifier;
      if (typeof id !== "string" || !ids.has(id)) return undefined;
      out.add(id);
    }
    return out;
  }

  private record(m: ReceivedMessage): SQSRecord {
    return {
      messageId: m.messageId,
      receiptHandle: m.receiptHandle,
      body: m.body,
      attributes: {
        ApproximateReceiveCount: String(m.receiveCount),
        SentTimestamp: String(m.sentAtMs),
        SenderId: "AROAIOTRULEROLE:iot",
        ApproximateFirstReceiveTimestamp: String(m.firstReceiveAtMs),
      },
      messageAttributes: {},
      md5OfBody: createHash("md5").update(m.body).digest("hex"),
      eventSource: "aws:sqs",
      eventSourceARN: this.options.queueArn,
      awsRegion: this.options.region,
    };
  }
}

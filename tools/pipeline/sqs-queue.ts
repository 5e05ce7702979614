/**
 * An in-process SQS standard queue with the semantics buffered ingestion relies on: a received
 * message is invisible for the visibility timeout and comes back unless deleted; every receive
 * counts (ApproximateReceiveCount); with a redrive policy, a message that would be received for the
 * (maxReceiveCount + 1)th time moves to the dead-letter queue instead; a stale receipt handle
 * deletes nothing. Time comes from `now()` (simulated milliseconds). Delivery is in send order
 * (SQS standard only tries to), and each message is delivered to one receiver at a time.
 */
export interface LocalSqsQueueOptions {
  readonly name: string;
  readonly visibilityTimeoutSeconds: number;
  /** Redrive policy: the dead-letter queue and maxReceiveCount. @default none (messages are received forever) */
  readonly redrive?: { readonly deadLetterQueue: LocalSqsQueue; readonly maxReceiveCount: number };
  readonly now: () => number;
}

export interface SqsMessage {
  readonly messageId: string;
  readonly body: string;
  /** When it was sent (to this queue; a dead-lettered message keeps its original time, as SQS standard does). */
  readonly sentAtMs: number;
  receiveCount: number;
  firstReceiveAtMs?: number;
  /** Set on each receive; only the latest one deletes. */
  receiptHandle?: string;
  visibleAtMs: number;
}

export interface ReceivedMessage {
  readonly messageId: string;
  readonly body: string;
  readonly receiptHandle: string;
  readonly receiveCount: number;
  readonly sentAtMs: number;
  readonly firstReceiveAtMs: number;
}

export class LocalSqsQueue {
  readonly name: string;
  /** Messages moved here by the redrive policy of another queue, in arrival order (for a dead-letter queue). */
  readonly deadLettered: SqsMessage[] = [];
  private readonly messages = new Map<string, SqsMessage>();
  /** Visible message ids in delivery order (a consumed index instead of shift(): O(1) per receive). */
  private visibleIds: string[] = [];
  private visibleHead = 0;
  /** In-flight messages ordered by when they become visible again. */
  private readonly inFlightIds: string[] = [];
  private counter = 0;
  private receipts = 0;
  private readonly listeners: (() => void)[] = [];

  constructor(private readonly options: LocalSqsQueueOptions) {
    const max = options.redrive?.maxReceiveCount;
    if (max !== undefined && (!Number.isInteger(max) || max < 1 || max > 1000)) throw new Error(`LocalSqsQueue ${options.name}: maxReceiveCount must be 1-1000, got ${max}`);
    if (!Number.isInteger(options.visibilityTimeoutSeconds) || options.visibilityTimeoutSeconds < 0) {
      throw new Error(`LocalSqsQueue ${options.name}: visibilityTimeoutSeconds must be a whole number of seconds, got ${options.visibilityTimeoutSeconds}`);
    }
    this.name = options.name;
  }

  get visibilityTimeoutSeconds(): number {
    return this.options.visibilityTimeoutSeconds;
  }

  send(body: string, sentAtMs = this.options.now()): string {
    const messageId = `${this.name}-${++this.counter}`;
    this.enqueue({ messageId, body, sentAtMs, receiveCount: 0, visibleAtMs: this.options.now() });
    return messageId;
  }

  /** Called whenever a message arrives (a consumer's long poll returning). */
  onMessage(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Up to `max` visible messages (1-10000), each now invisible for the visibility timeout. */
  receive(max: number): ReceivedMessage[] {
    this.releaseExpired();
    const now = this.options.now();
    const out: ReceivedMessage[] = [];
    while (out.length < max && this.visibleHead < this.visibleIds.length) {
      const id = this.visibleIds[this.visibleHead++];
      const m = this.messages.get(id);
      if (!m || m.visibleAtMs > now) continue;
      const redrive = this.options.redrive;
      if (redrive && m.receiveCount >= redrive.maxReceiveCount) {
        this.messages.delete(id);
        redrive.deadLetterQueue.acceptDeadLetter(m);
        continue;
      }
      m.receiveCount++;
      m.firstReceiveAtMs ??= now;
      m.receiptHandle = `${id}#${++this.receipts}`;
      m.visibleAtMs = now + this.options.visibilityTimeoutSeconds * 1000;
      this.insertInFlight(id);
      out.push({ messageId: id, body: m.body, receiptHandle: m.receiptHandle, receiveCount: m.receiveCount, sentAtMs: m.sentAtMs, firstReceiveAtMs: m.firstReceiveAtMs });
    }
    this.compact();
    return out;
  }

  /** Deletes the message of the latest receipt handle; false for a stale or unknown one. */
  delete(receiptHandle: string): boolean {
    const id = receiptHandle.slice(0, receiptHandle.lastIndexOf("#"));
    const m = this.messages.get(id);
    if (!m || m.receiptHandle !== receiptHandle) return false;
    this.messages.delete(id);
    return true;
  }

  /** Visible now (ApproximateNumberOfMessagesVisible). */
  get visibleCount(): number {
    this.releaseExpired();
    let n = 0;
    for (let i = this.visibleHead; i < this.visibleIds.length; i++) if (this.messages.has(this.visibleIds[i])) n++;
    return n;
  }

  /** Every message still in the queue, visible or in flight. */
  get size(): number {
    return this.messages.size;
  }

  /** When the next in-flight message becomes visible again; undefined when none is in flight. */
  nextVisibleAtMs(): number | undefined {
    for (const id of this.inFlightIds) {
      const m = this.messages.get(id);
      if (m) return m.visibleAtMs;
    }
    return undefined;
  }

  /** ApproximateAgeOfOldestMessage, in milliseconds (0 when empty). */
  oldestAgeMs(): number {
    let oldest = Infinity;
    for (const m of this.messages.values()) oldest = Math.min(oldest, m.sentAtMs);
    return oldest === Infinity ? 0 : this.options.now() - oldest;
  }

  private acceptDeadLetter(m: SqsMessage): void {
    this.deadLettered.push(m);
    // Available to an operator as an ordinary message of this queue (receive, inspect, redrive).
    this.enqueue({ messageId: m.messageId, body: m.body, sentAtMs: m.sentAtMs, receiveCount: 0, visibleAtMs: this.options.now() });
  }

  private enqueue(m: SqsMessage): void {
    this.messages.set(m.messageId, m);
    this.visibleIds.push(m.messageId);
    for (const listener of this.listeners) listener();
  }

  private insertInFlight(id: string): void {
    // Receives happen in time order with one timeout, so appending keeps the list sorted.
    this.inFlightIds.push(id);
  }

  /** In-flight messages whose visibility timeout passed become visible again (at the back, as new deliveries). */
  private releaseExpired(): void {
    const now = this.options.now();
    let i = 0;
    for (; i < this.inFlightIds.length; i++) {
      const id = this.inFlightIds[i];
      const m = this.messages.get(id);
      if (!m || m.visibleAtMs > now) {
        if (m) break;
        continue;
      }
      this.visibleIds.push(id);
    }
    if (i > 0) this.inFlightIds.splice(0, i);
  }

  private compact(): void {
    if (this.visibleHead > 4096 && this.visibleHead * 2 > this.visibleIds.length) {
      this.visibleIds = this.visibleIds.slice(this.visibleHead);
      this.visibleHead = 0;
    }
  }
}

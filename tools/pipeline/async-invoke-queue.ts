/**
 * Lambda's asynchronous invocation on the discrete-event loop, with the parts a storm exercises:
 * - concurrency: at most `concurrency` invocations at once (reserved concurrency); an event arriving
 *   while all are busy is throttled and retried with exponential backoff (1 s doubling to 5 min);
 * - function errors: retried `maximumRetryAttempts` times (0-2), 1 min and 2 min later;
 * - maximum event age: an event whose next attempt would start later than `maximumEventAgeSeconds`
 *   after it arrived goes to the failure destination (DLQ), as does one whose retries are used up.
 * What AWS documents (Lambda developer guide, "asynchronous invocation"; its internal queue's ordering
 * is not documented: here attempts start in time order).
 */
import type { DiscreteEventLoop } from "./event-loop";

export interface AsyncInvokeQueueOptions {
  readonly concurrency: number;
  readonly maximumRetryAttempts: number;
  readonly maximumEventAgeSeconds: number;
  /** Simulated duration of an invocation from its measured real duration. @default the measured duration */
  readonly serviceTimeMs?: (measuredMs: number) => number;
}

export interface AsyncDeadLetter {
  readonly event: unknown;
  readonly reason: "retries-exhausted" | "event-age";
  readonly arrivedAtMs: number;
  readonly attempts: number;
  readonly throttles: number;
  readonly error?: string;
  /** When it was dead-lettered, simulated ms. */
  readonly atMs: number;
}

export interface AsyncInvokeStats {
  arrived: number;
  succeeded: number;
  invocations: number;
  throttles: number;
  functionErrors: number;
  billedMs: number;
}

/** AWS: function errors are retried after about 1 and 2 minutes. */
export const ASYNC_RETRY_DELAYS_MS = [60_000, 120_000] as const;
/** AWS: throttled events are retried with backoff from 1 second up to 5 minutes. */
export const THROTTLE_BACKOFF_MS = { initial: 1_000, max: 300_000 } as const;

interface Pending {
  readonly event: unknown;
  readonly arrivedAtMs: number;
  attempts: number;
  throttles: number;
  lastError?: string;
}

export class AsyncInvokeQueue {
  readonly stats: AsyncInvokeStats = { arrived: 0, succeeded: 0, invocations: 0, throttles: 0, functionErrors: 0, billedMs: 0 };
  readonly deadLetters: AsyncDeadLetter[] = [];
  /** Arrival-to-success time of each event that succeeded, simulated ms. */
  readonly latenciesMs: number[] = [];
  /** When the last event succeeded, simulated ms (0 before any). */
  succeededAtMs = 0;
  private running = 0;

  constructor(
    private readonly invoke: (event: unknown) => Promise<unknown>,
    private readonly loop: DiscreteEventLoop,
    private readonly options: AsyncInvokeQueueOptions,
  ) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new Error(`AsyncInvokeQueue concurrency must be a positive whole number, got ${options.concurrency}`);
    if (!Number.isInteger(options.maximumRetryAttempts) || options.maximumRetryAttempts < 0 || options.maximumRetryAttempts > 2) {
      throw new Error(`AsyncInvokeQueue maximumRetryAttempts must be 0-2, got ${options.maximumRetryAttempts}`);
    }
  }

  /** IoT's invoke: the event is accepted at `atMs` (simulated) and runs when concurrency allows. */
  submit(event: unknown, atMs = this.loop.now()): void {
    this.stats.arrived++;
    const pending: Pending = { event, arrivedAtMs: atMs, attempts: 0, throttles: 0 };
    this.loop.at(atMs, () => this.attempt(pending));
  }

  private schedule(p: Pending, atMs: number): void {
    if (atMs - p.arrivedAtMs > this.options.maximumEventAgeSeconds * 1000) {
      this.deadLetters.push({ event: p.event, reason: "event-age", arrivedAtMs: p.arrivedAtMs, attempts: p.attempts, throttles: p.throttles, error: p.lastError, atMs: p.arrivedAtMs + this.options.maximumEventAgeSeconds * 1000 });
      return;
    }
    this.loop.at(atMs, () => this.attempt(p));
  }

  private async attempt(p: Pending): Promise<void> {
    if (this.running >= this.options.concurrency) {
      this.stats.throttles++;
      const backoff = Math.min(THROTTLE_BACKOFF_MS.initial * 2 ** p.throttles, THROTTLE_BACKOFF_MS.max);
      p.throttles++;
      this.schedule(p, this.loop.now() + backoff);
      return;
    }
    this.running++;
    p.attempts++;
    this.stats.invocations++;
    const started = performance.now();
    let error: unknown;
    try {
      await this.invoke(p.event);
    } catch (e) {
      error = e;
    }
    const serviceMs = Math.max(0, this.options.serviceTimeMs?.(performance.now() - started) ?? performance.now() - started);
    this.stats.billedMs += Math.ceil(serviceMs);
    this.loop.after(serviceMs, () => {
      this.running--;
      if (error === undefined) {
        this.stats.succeeded++;
        this.succeededAtMs = this.loop.now();
        this.latenciesMs.push(this.loop.now() - p.arrivedAtMs);
        return;
      }
      this.stats.functionErrors++;
      p.lastError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      const retry = p.attempts - 1;
      if (retry >= this.options.maximumRetryAttempts) {
        this.deadLetters.push({ event: p.event, reason: "retries-exhausted", arrivedAtMs: p.arrivedAtMs, attempts: p.attempts, throttles: p.throttles, error: p.lastError, atMs: this.loop.now() });
        return;
      }
      this.schedule(p, this.loop.now() + ASYNC_RETRY_DELAYS_MS[retry]);
    });
  }
}

/**
 * A discrete-event loop on simulated time: callbacks run one at a time in (time, order of
 * scheduling), each awaited before the next. The emulated AWS services (the SQS queue and its event
 * source mapping, Lambda's asynchronous invoke queue) schedule on it, so minutes of visibility
 * timeouts, retry delays and throttle backoff take no real time, and a run is reproducible when its
 * service times are (a real handler call still runs for real, one at a time: an execution environment
 * per invocation, as in Lambda, not one shared CPU).
 */
export class DiscreteEventLoop {
  private nowMs: number;
  private seq = 0;
  private readonly heap: { at: number; seq: number; run: () => void | Promise<void> }[] = [];

  constructor(startMs = 0) {
    this.nowMs = startMs;
  }

  /** Simulated epoch milliseconds. */
  now(): number {
    return this.nowMs;
  }

  /** Runs `run` at simulated time `atMs` (now, if that is past). */
  at(atMs: number, run: () => void | Promise<void>): void {
    if (!Number.isFinite(atMs)) throw new Error(`DiscreteEventLoop.at: ${atMs} is not a time`);
    this.push({ at: Math.max(atMs, this.nowMs), seq: this.seq++, run });
  }

  after(delayMs: number, run: () => void | Promise<void>): void {
    this.at(this.nowMs + delayMs, run);
  }

  get pending(): number {
    return this.heap.length;
  }

  /** Runs every scheduled callback (and those they schedule) until none is left; returns the simulated end time. */
  async run(): Promise<number> {
    for (let next = this.pop(); next; next = this.pop()) {
      this.nowMs = next.at;
      await next.run();
    }
    return this.nowMs;
  }

  private less(a: { at: number; seq: number }, b: { at: number; seq: number }): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(item: (typeof this.heap)[number]): void {
    const h = this.heap;
    h.push(item);
    for (let i = h.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i], h[parent])) break;
      [h[i], h[parent]] = [h[parent], h[i]];
      i = parent;
    }
  }

  private pop(): (typeof this.heap)[number] | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0];
    const last = h.pop() as (typeof h)[number];
    if (h.length > 0) {
      h[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l], h[m])) m = l;
        if (r < h.length && this.less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}

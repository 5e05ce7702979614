/** The shadow service's clock in a simulation: it moves only when told to, so runs are reproducible. */
export class SimulatedClock {
  private nowMs: number;

  constructor(startMs: number) {
    if (!Number.isFinite(startMs) || startMs < 0) throw new Error(`SimulatedClock start must be epoch milliseconds, got ${startMs}`);
    this.nowMs = startMs;
  }

  /** Epoch milliseconds (pass `() => clock.now()` as the shadow service's `now`). */
  now(): number {
    return this.nowMs;
  }

  advance(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) throw new Error(`SimulatedClock.advance takes a non-negative number of milliseconds, got ${ms}`);
    this.nowMs += ms;
    return this.nowMs;
  }
}

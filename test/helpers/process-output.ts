import { emfTotals } from "../../tools/pipeline/metrics";

/**
 * Captures what a loaded bundle prints (EMF metrics and info logs on stdout,
 * error logs on stderr) so tests can assert it. Install in beforeAll, `clear()`
 * in beforeEach; jest.restoreAllMocks() undoes it.
 */
export class ProcessOutput {
  private out: string[] = [];
  private err: string[] = [];

  install(): this {
    jest.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      this.out.push(chunk.toString());
      return true;
    });
    jest.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      this.err.push(chunk.toString());
      return true;
    });
    return this;
  }

  clear(): void {
    this.out = [];
    this.err = [];
  }

  get stdout(): string {
    return this.out.join("");
  }

  get stderr(): string {
    return this.err.join("");
  }

  /** Metric name -> summed value, from the EMF documents written since the last clear(). */
  metrics(): Record<string, number> {
    return emfTotals(this.stdout);
  }

  /** Structured (JSON) log lines written to stderr since the last clear(). */
  errorLogs(): Record<string, unknown>[] {
    return this.stderr.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
  }
}

/**
 * Collects what bundles print while an invocation is in flight (Lambda would
 * ship it to CloudWatch): Powertools' JSON log lines go to `logs`, EMF metric
 * documents to the metrics sink, anything else to `otherOutput`. Outside
 * invocations stdout/stderr are untouched, so the caller's own output is not.
 */
import { MetricsSink } from "./metrics";

export type CapturedLog = Readonly<Record<string, unknown>>;

type Write = typeof process.stdout.write;

export class OutputCapture {
  readonly logs: CapturedLog[] = [];
  /** Non-JSON lines bundles printed (e.g. Powertools warnings). */
  readonly otherOutput: string[] = [];
  private readonly restores: (() => void)[] = [];
  private holds = 0;

  constructor(private readonly metrics: MetricsSink) {}

  /** Captures until the matching `release()`; nested holds (concurrent invocations) are counted. */
  hold(): void {
    if (this.holds++ === 0) for (const stream of [process.stdout, process.stderr]) this.restores.push(this.patch(stream));
  }

  release(): void {
    if (this.holds === 0) return;
    if (--this.holds === 0) for (const restore of this.restores.splice(0)) restore();
  }

  /** Log lines at one level (e.g. "ERROR"). */
  byLevel(level: string): CapturedLog[] {
    return this.logs.filter((l) => l.level === level);
  }

  private patch(stream: NodeJS.WriteStream): () => void {
    const original: Write = stream.write;
    let pending = "";
    const other = (line: string) => {
      if (line.trim() !== "") this.otherOutput.push(line);
    };
    const patched = function (this: unknown, chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
      const text = typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString(typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8");
      const cb = typeof encoding === "function" ? encoding : callback;
      pending += text;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) if (!capture(line)) other(line);
      if (typeof cb === "function") (cb as () => void)();
      return true;
    };
    const capture = (line: string): boolean => {
      if (!line.startsWith("{")) return false;
      let doc: unknown;
      try {
        doc = JSON.parse(line);
      } catch {
        return false;
      }
      if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return false;
      if (this.metrics.addEmf(doc as Record<string, unknown>)) return true;
      if (typeof (doc as Record<string, unknown>).level !== "string") return false;
      this.logs.push(doc as CapturedLog);
      return true;
    };
    stream.write = patched as Write;
    return () => {
      stream.write = original;
      if (pending !== "" && !capture(pending)) other(pending);
    };
  }
}

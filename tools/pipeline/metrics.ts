/** In-memory CloudWatch: metric data from rule actions and from the processor's EMF output. */

/** "rule": a topic rule's cloudwatch_metric action; "processor": an EMF document the function printed. */
export type MetricSource = "rule" | "processor";

export interface MetricDatum {
  readonly source: MetricSource;
  readonly namespace: string;
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** The topic rule, for rule metrics. */
  readonly rule?: string;
}

export class MetricsSink {
  readonly data: MetricDatum[] = [];

  add(datum: MetricDatum): void {
    this.data.push(datum);
  }

  /** Sum of one metric's values (optionally from one source, and one namespace: one product line's environment). */
  total(name: string, source?: MetricSource, namespace?: string): number {
    return this.data.filter((d) => d.name === name && matches(d, source, namespace)).reduce((sum, d) => sum + d.value, 0);
  }

  /** Metric name -> summed value, sorted by name (optionally from one source and one namespace). */
  totals(source?: MetricSource, namespace?: string): Record<string, number> {
    const out: Record<string, number> = {};
    for (const d of this.data) if (matches(d, source, namespace)) out[d.name] = (out[d.name] ?? 0) + d.value;
    return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
  }

  /**
   * Adds the metrics of one CloudWatch Embedded Metric Format document
   * (what Powertools Metrics prints); returns false when `doc` is not EMF.
   */
  addEmf(doc: Record<string, unknown>): boolean {
    const aws = doc._aws as { CloudWatchMetrics?: { Namespace?: unknown; Metrics?: { Name?: unknown; Unit?: unknown }[] }[] } | undefined;
    if (!aws || !Array.isArray(aws.CloudWatchMetrics)) return false;
    for (const directive of aws.CloudWatchMetrics) {
      for (const metric of directive.Metrics ?? []) {
        if (typeof metric.Name !== "string") continue;
        const raw = doc[metric.Name];
        // EMF allows a value or an array of values per metric.
        for (const value of Array.isArray(raw) ? raw : [raw]) {
          if (typeof value !== "number") continue;
          this.add({ source: "processor", namespace: String(directive.Namespace ?? ""), name: metric.Name, value, unit: String(metric.Unit ?? "None") });
        }
      }
    }
    return true;
  }
}

function matches(d: MetricDatum, source: MetricSource | undefined, namespace: string | undefined): boolean {
  return (source === undefined || d.source === source) && (namespace === undefined || d.namespace === namespace);
}

/** Metric name -> summed value over every EMF document in a stretch of function output (one JSON per line). */
export function emfTotals(output: string): Record<string, number> {
  const sink = new MetricsSink();
  for (const line of output.split("\n")) if (line.startsWith("{")) sink.addEmf(JSON.parse(line));
  return sink.totals("processor");
}

/**
 * The per-environment dashboard body, built as plain data and serialised
 * with JSON.stringify (names may be tokens; they resolve inside the string).
 */
import type { IngestQueueRef } from "./alarms";
import { PROCESSOR_METRICS, PROCESSOR_SERVICE_DIMENSION, RULE_METRICS } from "./metrics";

export type ErrorTargetRef = { readonly kind: "sqs"; readonly queueName: string } | { readonly kind: "cloudwatch-logs"; readonly logGroupName: string };

export interface DashboardInput {
  readonly region: string;
  readonly metricNamespace: string;
  readonly processorFunctionName: string;
  readonly deadLetterQueueName: string;
  readonly errorTarget: ErrorTargetRef;
  readonly historyTableName: string;
  readonly driftMetrics: boolean;
  readonly alarmArns: readonly string[];
  /** Buffered ingestion: adds the queue's age, depth and batch failures. @default undefined */
  readonly ingestQueue?: IngestQueueRef;
}

export interface MetricOptions {
  readonly stat: "Sum" | "Average" | "Maximum" | "p50" | "p99";
  readonly label: string;
}

/** [namespace, metricName, dimName, dimValue, ..., options] as CloudWatch expects. */
export type MetricRow = readonly [string, string, ...(string | MetricOptions)[]];

export interface MetricWidget {
  readonly type: "metric";
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly properties: {
    readonly title: string;
    readonly region: string;
    readonly view: "timeSeries";
    readonly stacked: false;
    readonly period: number;
    readonly metrics: readonly MetricRow[];
  };
}

export interface AlarmWidget {
  readonly type: "alarm";
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly properties: { readonly title: string; readonly alarms: readonly string[] };
}

export interface DashboardBody {
  readonly widgets: readonly (MetricWidget | AlarmWidget)[];
}

const WIDTH = 12;
const HEIGHT = 6;
const PERIOD_SECONDS = 300;

export function buildDashboardBody(input: DashboardInput): DashboardBody {
  const ns = input.metricNamespace;
  const fn = ["FunctionName", input.processorFunctionName] as const;
  const table = ["TableName", input.historyTableName] as const;
  const service = ["service", PROCESSOR_SERVICE_DIMENSION.service] as const;
  const sum = (label: string): MetricOptions => ({ stat: "Sum", label });

  const panels: [string, MetricRow[]][] = [
    [
      "Shadow updates accepted (topic rules)",
      [
        [ns, RULE_METRICS.updatesAccepted, sum("accepted")],
        ...(input.driftMetrics
          ? ([
              [ns, RULE_METRICS.deltaPublished, sum("delta published")],
              [ns, RULE_METRICS.updateRejected, sum("update rejected")],
            ] as MetricRow[])
          : []),
      ],
    ],
    [
      "Processor invocations, errors, throttles",
      [
        ["AWS/Lambda", "Invocations", ...fn, sum("invocations")],
        ["AWS/Lambda", "Errors", ...fn, sum("errors")],
        ["AWS/Lambda", "Throttles", ...fn, sum("throttles")],
        ["AWS/Lambda", "AsyncEventsDropped", ...fn, sum("async events dropped")],
      ],
    ],
    [
      "Processor duration (ms)",
      [
        ["AWS/Lambda", "Duration", ...fn, { stat: "Average", label: "average" }],
        ["AWS/Lambda", "Duration", ...fn, { stat: "p99", label: "p99" }],
      ],
    ],
    [
      "History: stored vs duplicate vs invalid vs failed",
      [
        [ns, PROCESSOR_METRICS.stored, ...service, sum("stored")],
        [ns, PROCESSOR_METRICS.duplicate, ...service, sum("duplicate skipped")],
        [ns, PROCESSOR_METRICS.invalid, ...service, sum("invalid")],
        [ns, PROCESSOR_METRICS.storeFailed, ...service, sum("store failed")],
        [ns, PROCESSOR_METRICS.drift, ...service, sum("drift detected")],
      ],
    ],
    [
      input.errorTarget.kind === "sqs" ? "Dead-letter and error queue depth" : "Dead-letter queue depth and rule error log events",
      [
        ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", input.deadLetterQueueName, { stat: "Maximum", label: "dead-letter queue" }],
        input.errorTarget.kind === "sqs"
          ? ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", input.errorTarget.queueName, { stat: "Maximum", label: "rule error queue" }]
          : ["AWS/Logs", "IncomingLogEvents", "LogGroupName", input.errorTarget.logGroupName, sum("rule error log events")],
      ],
    ],
    [
      "History table capacity and throttles",
      [
        ["AWS/DynamoDB", "ConsumedWriteCapacityUnits", ...table, sum("write capacity")],
        ["AWS/DynamoDB", "ConsumedReadCapacityUnits", ...table, sum("read capacity")],
        ["AWS/DynamoDB", "WriteThrottleEvents", ...table, sum("write throttles")],
        ["AWS/DynamoDB", "ReadThrottleEvents", ...table, sum("read throttles")],
      ],
    ],
    [
      "Shadow document size (bytes)",
      [
        [ns, PROCESSOR_METRICS.documentSize, ...service, { stat: "Average", label: "average" }],
        [ns, PROCESSOR_METRICS.documentSize, ...service, { stat: "Maximum", label: "maximum" }],
      ],
    ],
    [
      "Convergence latency: desired to matching report (s)",
      [
        [ns, PROCESSOR_METRICS.convergenceLatency, ...service, { stat: "p50", label: "p50" }],
        [ns, PROCESSOR_METRICS.convergenceLatency, ...service, { stat: "p99", label: "p99" }],
      ],
    ],
  ];
  if (input.ingestQueue) {
    const q = input.ingestQueue;
    const max = (label: string): MetricOptions => ({ stat: "Maximum", label });
    panels.push(
      ["Ingest queue: oldest update (s)", [["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", q.queueName, max("oldest message age")]]],
      [
        "Ingest queue depth, dead-letter queue, batch failures",
        [
          ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", q.queueName, max("waiting")],
          ["AWS/SQS", "ApproximateNumberOfMessagesNotVisible", "QueueName", q.queueName, max("in flight")],
          ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", q.deadLetterQueueName, max("dead-letter queue")],
          [ns, PROCESSOR_METRICS.batchItemFailures, ...service, sum("batch item failures")],
        ],
      ],
    );
  }

  const widgets: (MetricWidget | AlarmWidget)[] = panels.map(([title, metrics], i) => ({
    type: "metric",
    x: (i % 2) * WIDTH,
    y: Math.floor(i / 2) * HEIGHT,
    width: WIDTH,
    height: HEIGHT,
    properties: { title, region: input.region, view: "timeSeries", stacked: false, period: PERIOD_SECONDS, metrics },
  }));
  widgets.push({
    type: "alarm",
    x: 0,
    y: Math.ceil(panels.length / 2) * HEIGHT,
    width: 2 * WIDTH,
    height: 3,
    properties: { title: "Alarms", alarms: input.alarmArns },
  });
  return { widgets };
}

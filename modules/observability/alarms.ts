/**
 * Alarm definitions as data: what each alarm watches, its threshold and how
 * missing data counts. Kept apart from the construct so each choice is visible.
 */
import { ErrorTargetRef } from "./dashboard";
import { PROCESSOR_METRICS, PROCESSOR_SERVICE_DIMENSION, RULE_METRICS } from "./metrics";

export type AlarmPurpose =
  | "processorErrors"
  | "processorThrottles"
  | "asyncEventsDropped"
  | "deadLetterMessages"
  | "errorActionMessages"
  | "invalidEvents"
  | "noUpdates"
  | "ingestQueueAge"
  | "ingestDeadLetterMessages"
  | "convergenceLatency";

export interface AlarmSpec {
  readonly purpose: AlarmPurpose;
  /** Appended to the name prefix: "<namePrefix>-<nameSuffix>". */
  readonly nameSuffix: string;
  readonly description: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions?: Readonly<Record<string, string>>;
  /** A percentile ("p99") becomes the alarm's extended statistic. */
  readonly statistic: "Sum" | "Maximum" | "p99";
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly comparisonOperator: "GreaterThanOrEqualToThreshold" | "LessThanThreshold";
  readonly threshold: number;
  /** Error counts: no data means nothing failed. No-updates: no data means no traffic, which is the alarm. */
  readonly treatMissingData: "notBreaching" | "breaching";
}

export interface AlarmThresholds {
  readonly processorErrors: number;
  readonly processorThrottles: number;
  readonly deadLetterMessages: number;
  readonly errorActionMessages: number;
  readonly invalidEvents: number;
  /** @default 1 */
  readonly asyncEventsDropped?: number;
  /** Buffered ingestion: seconds the oldest queued update may wait. @default 300 */
  readonly queueAgeSeconds?: number;
  /** p99 of the seconds a desired value waits for its matching report, sustained for 15 minutes. @default 600 */
  readonly convergenceLatencyP99Seconds?: number;
}

/**
 * A device that is online applies a desired change within seconds; one that was offline converges when it
 * reconnects, which can be hours. Ten minutes at p99, for three 5-minute periods in a row, is well above
 * the first and tolerates a few of the second, so it fires when the fleet as a whole stops converging.
 */
export const DEFAULT_CONVERGENCE_LATENCY_P99_SECONDS = 600;

/** The queue the documents rules send to (buffered ingestion) and its dead-letter queue. */
export interface IngestQueueRef {
  readonly queueName: string;
  readonly deadLetterQueueName: string;
}

export interface AlarmInput {
  readonly metricNamespace: string;
  readonly processorFunctionName: string;
  readonly deadLetterQueueName: string;
  readonly errorTarget: ErrorTargetRef;
  readonly thresholds: AlarmThresholds;
  readonly noUpdatesMinutes?: number;
  readonly ingestQueue?: IngestQueueRef;
}

const PERIOD = 300;

export function alarmSpecs(input: AlarmInput): AlarmSpec[] {
  const t = input.thresholds;
  const fn = { FunctionName: input.processorFunctionName };
  const count = { statistic: "Sum", periodSeconds: PERIOD, evaluationPeriods: 1, comparisonOperator: "GreaterThanOrEqualToThreshold", treatMissingData: "notBreaching" } as const;
  const depth = { ...count, statistic: "Maximum" } as const;
  const specs: AlarmSpec[] = [
    {
      ...count,
      purpose: "processorErrors",
      nameSuffix: "processor-errors",
      description: "Shadow processor invocations failed; failed events are retried, then land in the dead-letter queue. Check the processor logs.",
      namespace: "AWS/Lambda",
      metricName: "Errors",
      dimensions: fn,
      threshold: t.processorErrors,
    },
    {
      ...count,
      purpose: "processorThrottles",
      nameSuffix: "processor-throttles",
      description: "Shadow processor invocations were throttled; raise reserved concurrency or the account limit.",
      namespace: "AWS/Lambda",
      metricName: "Throttles",
      dimensions: fn,
      threshold: t.processorThrottles,
    },
    {
      ...count,
      purpose: "asyncEventsDropped",
      nameSuffix: "processor-events-dropped",
      description: "The processor dropped async events (event age or retries exhausted without a working dead-letter target): history is missing.",
      namespace: "AWS/Lambda",
      metricName: "AsyncEventsDropped",
      dimensions: fn,
      threshold: t.asyncEventsDropped ?? 1,
    },
    {
      ...depth,
      purpose: "deadLetterMessages",
      nameSuffix: "processor-dlq-messages",
      description: "Shadow updates the processor failed to store after retries are waiting in the dead-letter queue; fix the cause, then redrive.",
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: input.deadLetterQueueName },
      threshold: t.deadLetterMessages,
    },
    input.errorTarget.kind === "sqs"
      ? {
          ...depth,
          purpose: "errorActionMessages",
          nameSuffix: "rule-error-messages",
          description: "The topic rules could not deliver messages (e.g. Lambda invoke throttled or denied); they wait in the rule error queue.",
          namespace: "AWS/SQS",
          metricName: "ApproximateNumberOfMessagesVisible",
          dimensions: { QueueName: input.errorTarget.queueName },
          threshold: t.errorActionMessages,
        }
      : {
          ...count,
          purpose: "errorActionMessages",
          nameSuffix: "rule-error-messages",
          description: "The topic rules could not deliver messages (e.g. Lambda invoke throttled or denied); see the rule error log group.",
          namespace: "AWS/Logs",
          metricName: "IncomingLogEvents",
          dimensions: { LogGroupName: input.errorTarget.logGroupName },
          threshold: t.errorActionMessages,
        },
    {
      ...count,
      purpose: "invalidEvents",
      nameSuffix: "invalid-events",
      description: "The processor rejected shadow events that break the event contract; check the rule SQL and device payloads.",
      namespace: input.metricNamespace,
      metricName: PROCESSOR_METRICS.invalid,
      dimensions: PROCESSOR_SERVICE_DIMENSION,
      threshold: t.invalidEvents,
    },
    {
      ...count,
      purpose: "convergenceLatency",
      nameSuffix: "convergence-latency-p99",
      description: `p99 convergence latency (desired value set to matching report, from the shadow metadata) was ${t.convergenceLatencyP99Seconds ?? DEFAULT_CONVERGENCE_LATENCY_P99_SECONDS} s or more for 15 minutes: devices are not applying desired state. Check device connectivity and the device agent.`,
      namespace: input.metricNamespace,
      metricName: PROCESSOR_METRICS.convergenceLatency,
      dimensions: PROCESSOR_SERVICE_DIMENSION,
      statistic: "p99",
      // Three periods: one device reconnecting after a long absence must not page anyone.
      evaluationPeriods: 3,
      threshold: t.convergenceLatencyP99Seconds ?? DEFAULT_CONVERGENCE_LATENCY_P99_SECONDS,
    },
  ];
  if (input.ingestQueue !== undefined) {
    const queue = input.ingestQueue;
    specs.push(
      {
        ...depth,
        purpose: "ingestQueueAge",
        nameSuffix: "ingest-queue-age",
        description: `The oldest shadow update in the ingest queue waited ${t.queueAgeSeconds ?? 300} s or more: the processor drains slower than updates arrive (a storm, throttling or failing batches). History is late, not lost.`,
        namespace: "AWS/SQS",
        metricName: "ApproximateAgeOfOldestMessage",
        dimensions: { QueueName: queue.queueName },
        threshold: t.queueAgeSeconds ?? 300,
      },
      {
        ...depth,
        purpose: "ingestDeadLetterMessages",
        nameSuffix: "ingest-dlq-messages",
        description: "Shadow updates the processor could not store after maxReceiveCount receives wait in the ingest dead-letter queue; fix the cause, then redrive to the ingest queue.",
        namespace: "AWS/SQS",
        metricName: "ApproximateNumberOfMessagesVisible",
        dimensions: { QueueName: queue.deadLetterQueueName },
        threshold: t.deadLetterMessages,
      },
    );
  }
  if (input.noUpdatesMinutes !== undefined) {
    specs.push({
      purpose: "noUpdates",
      nameSuffix: "no-shadow-updates",
      description: `No shadow update reached the topic rules for ${input.noUpdatesMinutes} minutes; check devices, the rules and their enablement.`,
      namespace: input.metricNamespace,
      metricName: RULE_METRICS.updatesAccepted,
      statistic: "Sum",
      // One-minute periods: every minute without data breaches, so N periods = N silent minutes.
      periodSeconds: 60,
      evaluationPeriods: input.noUpdatesMinutes,
      comparisonOperator: "LessThanThreshold",
      threshold: 1,
      treatMissingData: "breaching",
    });
  }
  return specs;
}

/**
 * Buffered ingestion in the local pipeline: the queues a stack's topic rules send to that a function
 * of the same stack drains through an `aws_lambda_event_source_mapping`. Each becomes an in-process
 * SQS queue (visibility timeout, redrive to its dead-letter queue after maxReceiveCount) with the
 * mapping's batch size, batching window, maximum concurrency and ReportBatchItemFailures, on a
 * discrete-event loop of its own: `drain()` runs it until the queue is empty, visibility timeouts
 * taking no real time. A message the redrive policy dead-letters is recorded in the consumer's
 * `deadLetters`, like a failed asynchronous event.
 */
import { DiscreteEventLoop } from "./event-loop";
import { SqsEventSourceMapping } from "./event-source-mapping";
import type { AsyncLambda } from "./lambda-runtime";
import { LocalSqsQueue } from "./sqs-queue";

type Block = Record<string, unknown>;

export interface QueueConsumerDef {
  /** What a rule's sqs action names: `${aws_sqs_queue.<id>.url}`. */
  readonly queueUrlRef: string;
  readonly queueName: string;
  readonly visibilityTimeoutSeconds: number;
  readonly redrive?: { readonly deadLetterQueueName: string; readonly maxReceiveCount: number };
  /** The mapping's function_name, a reference to a function of the stack. */
  readonly functionArn: string;
  readonly batchSize: number;
  readonly maximumBatchingWindowSeconds: number;
  readonly maximumConcurrency: number;
  readonly reportBatchItemFailures: boolean;
}

const QUEUE_ARN_REF = /^\$\{aws_sqs_queue\.([A-Za-z0-9_-]+)\.arn\}$/;

const first = (v: unknown): Block | undefined => {
  const x = Array.isArray(v) ? v[0] : v;
  return typeof x === "object" && x !== null ? (x as Block) : undefined;
};

/** Every SQS event source mapping of the stack whose queue is a queue of the same stack; throws on what it cannot reproduce. */
export function describeQueueConsumers(tfJson: object): QueueConsumerDef[] {
  const resources = (tfJson as { resource?: Record<string, Record<string, Block>> }).resource ?? {};
  const queues = resources.aws_sqs_queue ?? {};
  return Object.entries(resources.aws_lambda_event_source_mapping ?? {}).map(([id, m]) => {
    const where = `aws_lambda_event_source_mapping.${id}`;
    const ref = typeof m.event_source_arn === "string" ? QUEUE_ARN_REF.exec(m.event_source_arn) : null;
    const queue = ref ? queues[ref[1]] : undefined;
    if (!ref || !queue) throw new Error(`${where}: event_source_arn ${String(m.event_source_arn)} is not a queue of this stack; the local pipeline drains only those`);
    if (typeof queue.name !== "string") throw new Error(`aws_sqs_queue.${ref[1]}.name must be a literal`);
    if (typeof m.function_name !== "string") throw new Error(`${where}.function_name must reference a function of the stack`);
    const redrive = typeof queue.redrive_policy === "string" ? (JSON.parse(queue.redrive_policy) as { deadLetterTargetArn?: string; maxReceiveCount?: number }) : undefined;
    const dlqRef = redrive?.deadLetterTargetArn ? QUEUE_ARN_REF.exec(redrive.deadLetterTargetArn) : null;
    const dlqName = dlqRef ? queues[dlqRef[1]]?.name : undefined;
    if (redrive && (typeof dlqName !== "string" || typeof redrive.maxReceiveCount !== "number")) {
      throw new Error(`aws_sqs_queue.${ref[1]}.redrive_policy must name a queue of this stack and a maxReceiveCount`);
    }
    return {
      queueUrlRef: `\${aws_sqs_queue.${ref[1]}.url}`,
      queueName: queue.name,
      visibilityTimeoutSeconds: typeof queue.visibility_timeout_seconds === "number" ? queue.visibility_timeout_seconds : 30,
      redrive: redrive && { deadLetterQueueName: dlqName as string, maxReceiveCount: redrive.maxReceiveCount as number },
      functionArn: m.function_name,
      batchSize: typeof m.batch_size === "number" ? m.batch_size : 10,
      maximumBatchingWindowSeconds: typeof m.maximum_batching_window_in_seconds === "number" ? m.maximum_batching_window_in_seconds : 0,
      maximumConcurrency: (first(m.scaling_config)?.maximum_concurrency as number | undefined) ?? 1000,
      reportBatchItemFailures: Array.isArray(m.function_response_types) && m.function_response_types.includes("ReportBatchItemFailures"),
    };
  });
}

/** One queue, its dead-letter queue and the mapping draining it into a function. */
export class QueueConsumer {
  readonly queue: LocalSqsQueue;
  readonly deadLetterQueue?: LocalSqsQueue;
  readonly mapping: SqsEventSourceMapping;
  private readonly loop = new DiscreteEventLoop(0);

  constructor(
    readonly def: QueueConsumerDef,
    readonly lambda: AsyncLambda,
    provider: { readonly region: string; readonly accountId: string },
  ) {
    const now = () => this.loop.now();
    this.deadLetterQueue = def.redrive && new LocalSqsQueue({ name: def.redrive.deadLetterQueueName, visibilityTimeoutSeconds: 30, now });
    this.queue = new LocalSqsQueue({
      name: def.queueName,
      visibilityTimeoutSeconds: def.visibilityTimeoutSeconds,
      redrive: def.redrive && this.deadLetterQueue && { deadLetterQueue: this.deadLetterQueue, maxReceiveCount: def.redrive.maxReceiveCount },
      now,
    });
    this.deadLetterQueue?.onMessage(() => {
      const m = this.deadLetterQueue?.deadLettered.at(-1);
      if (!m) return;
      lambda.deadLetters.push({
        functionName: lambda.fn.functionName,
        destination: `sqs ${def.redrive?.deadLetterQueueName}`,
        event: JSON.parse(m.body) as unknown,
        attempts: m.receiveCount,
        error: { name: "MaxReceiveCountExceeded", message: `received ${m.receiveCount} times without success (maxReceiveCount ${def.redrive?.maxReceiveCount})` },
      });
    });
    this.mapping = new SqsEventSourceMapping(this.queue, (event) => lambda.attempt(event), this.loop, {
      queueArn: `arn:aws:sqs:${provider.region}:${provider.accountId}:${def.queueName}`,
      region: provider.region,
      batchSize: def.batchSize,
      maximumBatchingWindowSeconds: def.maximumBatchingWindowSeconds,
      maximumConcurrency: Math.max(2, def.maximumConcurrency),
      reportBatchItemFailures: def.reportBatchItemFailures,
      timeoutSeconds: lambda.fn.timeoutSeconds,
    });
  }

  /** True while messages wait or batches are scheduled. */
  get busy(): boolean {
    return this.loop.pending > 0;
  }

  /** Runs the mapping until the queue is empty (every message deleted or dead-lettered). */
  async drain(): Promise<void> {
    await this.loop.run();
  }
}

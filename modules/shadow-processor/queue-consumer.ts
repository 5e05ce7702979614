/** What ShadowProcessor.consumeQueue takes, and its checks: every message names the prop and the fix. */

export interface QueueConsumerProps {
  /** The queue to drain (ShadowRules.ingestQueue.queue.arn). */
  readonly queueArn: string;
  /** The queue's KMS key (decrypted through SQS only). */
  readonly kmsKeyArn: string;
  /** The queue's visibility timeout: at least 6 x the function timeout + the batching window. */
  readonly visibilityTimeoutSeconds: number;
  /** Records per invocation, 1-10000 (above 10 needs a batching window). @default 10 */
  readonly batchSize?: number;
  /** Seconds Lambda waits to fill a batch, 0-300. @default 0 */
  readonly maximumBatchingWindowSeconds?: number;
  /** Concurrent invocations the mapping may use, 2-1000 (at most the reserved concurrency). */
  readonly maximumConcurrency: number;
}

/**
 * AWS guidance for a Lambda consumer: the source queue's visibility timeout is at least six times the
 * function timeout, plus the batching window. A shorter one lets a batch that is still running (or
 * retried after a throttle) become visible and be received a second time.
 */
export function minimumVisibilityTimeoutSeconds(functionTimeoutSeconds: number, batchingWindowSeconds: number): number {
  return 6 * functionTimeoutSeconds + batchingWindowSeconds;
}

function fail(field: string, problem: string): never {
  throw new Error(`ShadowProcessor consumeQueue ${field}: ${problem}`);
}

function int(value: number | undefined, min: number, max: number, field: string): void {
  if (value !== undefined && (!Number.isInteger(value) || value < min || value > max)) fail(field, `must be a whole number from ${min} to ${max}, got ${value}`);
}

export function validateQueueConsumer(props: QueueConsumerProps, functionTimeoutSeconds: number): void {
  int(props.batchSize, 1, 10_000, "batchSize");
  int(props.maximumBatchingWindowSeconds, 0, 300, "maximumBatchingWindowSeconds");
  int(props.maximumConcurrency, 2, 1000, "maximumConcurrency");
  const window = props.maximumBatchingWindowSeconds ?? 0;
  if ((props.batchSize ?? 10) > 10 && window < 1) fail("maximumBatchingWindowSeconds", `must be at least 1 with batchSize ${props.batchSize} (SQS allows a batch above 10 only with a batching window)`);
  const minimum = minimumVisibilityTimeoutSeconds(functionTimeoutSeconds, window);
  if (props.visibilityTimeoutSeconds < minimum) {
    fail(
      "visibilityTimeoutSeconds",
      `${props.visibilityTimeoutSeconds} is below 6 x the function timeout (${functionTimeoutSeconds} s) + the batching window (${window} s) = ${minimum} s; raise the queue's visibility timeout or lower the function timeout`,
    );
  }
}

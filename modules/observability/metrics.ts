/**
 * Platform metric names the alarms and the dashboard read. Rule metrics come
 * from the shadow-rules module itself, so the two cannot drift apart.
 */
import { RULE_METRICS } from "../shadow-rules/metrics";

export { RULE_METRICS };

/**
 * EMF metrics of the shadow processor (Powertools Metrics, default dimension
 * service = "shadow-history"). Must match METRIC in functions/shadow-history/handler.ts (a test checks).
 */
export const PROCESSOR_METRICS = {
  stored: "ShadowUpdateStored",
  duplicate: "DuplicateSkipped",
  invalid: "InvalidEvent",
  drift: "DriftDetected",
  storeFailed: "StoreFailed",
  /** Records of an SQS batch (buffered ingestion) the processor could not store: received again, then dead-lettered. */
  batchItemFailures: "BatchItemFailures",
  /** Bytes of each stored update's `current` document (unit Bytes). */
  documentSize: "ShadowDocumentSize",
  /** Seconds from a desired value to its matching report, one value per newly converged key (unit Seconds). */
  convergenceLatency: "ConvergenceLatency",
} as const;

export const PROCESSOR_SERVICE_DIMENSION = { service: "shadow-history" } as const;

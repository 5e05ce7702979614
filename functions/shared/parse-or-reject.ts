/**
 * The one place a processor turns an incoming event into a validated
 * `update/documents` event: an invalid event is counted (InvalidEvent metric),
 * logged with the field at fault, and thrown, so Lambda's retries and the
 * dead-letter queue keep it. Nothing is dropped silently.
 */
import type { Logger } from "@aws-lambda-powertools/logger";
import { MetricUnit, type Metrics } from "@aws-lambda-powertools/metrics";
import { InvalidShadowEventError, ShadowDocumentsEvent, parseShadowDocumentsEvent } from "../shadow-history/event";

export const INVALID_EVENT_METRIC = "InvalidEvent";

export function parseOrReject(event: unknown, logger: Logger, metrics: Metrics): ShadowDocumentsEvent {
  try {
    return parseShadowDocumentsEvent(event);
  } catch (error) {
    if (error instanceof InvalidShadowEventError) {
      metrics.addMetric(INVALID_EVENT_METRIC, MetricUnit.Count, 1);
      logger.error("Rejected invalid shadow event", { field: error.field, reason: error.message });
    }
    throw error;
  }
}

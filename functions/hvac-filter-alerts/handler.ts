/**
 * hvac-filter-alerts: the HVAC product line's own processor, routed by the
 * same ShadowRules fan-out as shadow-history. It writes nothing; it emits a
 * FilterReplacementDue metric (alarmable) when a unit's filter life crosses
 * the threshold. Invalid events throw, so Lambda retries and dead-letters them.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { InvalidShadowEventError, parseShadowDocumentsEvent } from "../shadow-history/event";
import { FilterAlert, filterAlertFor, thresholdFromEnv } from "./alert";

export const METRIC = { filterReplacementDue: "FilterReplacementDue", invalid: "InvalidEvent" } as const;

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? "hvac-filter-alerts";
const logger = new Logger({ serviceName });
const metrics = new Metrics({ serviceName });

export async function handler(event: unknown): Promise<FilterAlert | undefined> {
  try {
    const threshold = thresholdFromEnv(process.env);
    let parsed;
    try {
      parsed = parseShadowDocumentsEvent(event);
    } catch (error) {
      if (error instanceof InvalidShadowEventError) {
        metrics.addMetric(METRIC.invalid, MetricUnit.Count, 1);
        logger.error("Rejected invalid shadow event", { field: error.field, reason: error.message });
      }
      throw error;
    }
    const alert = filterAlertFor(parsed, threshold);
    if (alert) {
      metrics.addMetric(METRIC.filterReplacementDue, MetricUnit.Count, 1);
      logger.warn("Filter replacement due", { ...alert, thresholdPercent: threshold });
    }
    return alert;
  } finally {
    metrics.publishStoredMetrics();
  }
}

/**
 * hvac-filter-alerts: the HVAC product line's own processor, routed by the
 * same ShadowRules fan-out as shadow-history. It writes nothing; it emits a
 * FilterReplacementDue metric (alarmable) when a unit's filter life crosses
 * the threshold. Invalid events throw, so Lambda retries and dead-letters them.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { INVALID_EVENT_METRIC, parseOrReject } from "../shared/parse-or-reject";
import { FilterAlert, filterAlertFor, thresholdFromEnv } from "./alert";

export const METRIC = { filterReplacementDue: "FilterReplacementDue", invalid: INVALID_EVENT_METRIC } as const;

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? "hvac-filter-alerts";
const logger = new Logger({ serviceName });
const metrics = new Metrics({ serviceName });

export async function handler(event: unknown): Promise<FilterAlert | undefined> {
  try {
    const threshold = thresholdFromEnv(process.env);
    const parsed = parseOrReject(event, logger, metrics);
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

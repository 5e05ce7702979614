/**
 * Metric names the topic rules publish (IoT cloudwatch_metric actions carry
 * no dimensions). The observability module reads the same constants so
 * alarms and dashboards cannot drift from what the rules emit.
 */
export const RULE_METRICS = {
  /** One per `update/documents` message routed to the processor. */
  updatesAccepted: "ShadowUpdatesAccepted",
  /** One per `update/delta` message: desired and reported state differ. */
  deltaPublished: "ShadowDeltaPublished",
  /** One per `update/rejected` message: a device sent an invalid or stale update. */
  updateRejected: "ShadowUpdateRejected",
} as const;

export type RuleMetricName = (typeof RULE_METRICS)[keyof typeof RULE_METRICS];

/** Secure defaults and AWS limits of the account baseline, in one place. */

/** Every key UpdateEventConfigurations accepts (AWS IoT API reference). */
export const IOT_EVENT_TYPES = [
  "THING",
  "THING_GROUP",
  "THING_TYPE",
  "THING_GROUP_MEMBERSHIP",
  "THING_GROUP_HIERARCHY",
  "THING_TYPE_ASSOCIATION",
  "JOB",
  "JOB_EXECUTION",
  "POLICY",
  "CERTIFICATE",
  "CA_CERTIFICATE",
] as const;

export type IotEventType = (typeof IOT_EVENT_TYPES)[number];

/**
 * Registry and security events the platform audits (things, types, groups, memberships,
 * policies, certificates). Every key is listed so the baseline owns the whole setting
 * rather than leaving unlisted keys to whoever changed them last.
 */
export const DEFAULT_EVENT_CONFIGURATIONS: Readonly<Record<IotEventType, boolean>> = {
  THING: true,
  THING_GROUP: true,
  THING_TYPE: true,
  THING_GROUP_MEMBERSHIP: true,
  THING_GROUP_HIERARCHY: false,
  THING_TYPE_ASSOCIATION: true,
  JOB: false,
  JOB_EXECUTION: false,
  POLICY: true,
  CERTIFICATE: true,
  CA_CERTIFICATE: false,
};

/** Default quota of named shadows in the fleet indexing filter (raisable through Service Quotas). */
export const DEFAULT_MAX_NAMED_SHADOW_FILTER = 10;

/** IoT v2 logs always go to this log group (configure-logging, AWS IoT developer guide). */
export const IOT_LOG_GROUP = "AWSIotLogsV2";

/** A year, as checkov CKV_AWS_338 expects. */
export const DEFAULT_LOG_RETENTION_DAYS = 365;

/** The values PutRetentionPolicy accepts. */
export const LOG_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/**
 * What the role AWS IoT logs with may do: write log streams and events into
 * AWSIotLogsV2, nothing else. Deviations from the AWS IoT developer guide's
 * sample role policy, each because IoT does not need it here:
 * - logs:CreateLogGroup and logs:PutRetentionPolicy: the baseline creates the
 *   group with its retention and key in Terraform (or the account already has
 *   it, with `manageLogGroup: false`), so IoT never creates or reconfigures it;
 *   with these a compromised role could also shorten the retention.
 * - logs:PutMetricFilter: metric filters are configuration, made by operators,
 *   never by the role IoT assumes to write logs.
 * - iot:*LoggingOptions/*LoggingLevel: for the principal that configures
 *   logging, not the role IoT assumes, and cannot match a logs resource anyway.
 * - logs:GetLogEvents, logs:DescribeLogStreams (legacy AWSIoTLogging): IoT only writes.
 */
export const IOT_LOGGING_ACTIONS = ["logs:CreateLogStream", "logs:PutLogEvents"] as const;

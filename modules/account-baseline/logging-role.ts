/** Policy documents of the IoT logging role: trusted only by IoT in this account, writing only AWSIotLogsV2. */
import { iotTrustPolicy } from "../../lib/iam";
import { IOT_LOGGING_ACTIONS, IOT_LOG_GROUP } from "./defaults";

export type { AwsPartition } from "../../lib/aws-names";
import type { AwsPartition } from "../../lib/aws-names";

export interface LoggingRoleScope {
  readonly partition: AwsPartition;
  readonly region: string;
  readonly accountId: string;
}

/** `sts:AssumeRole` for iot.amazonaws.com only, and only on behalf of this account (confused deputy). */
export function loggingTrustPolicy(scope: LoggingRoleScope): string {
  return iotTrustPolicy({ sid: "IotLoggingOnly", accountId: scope.accountId });
}

export function iotLogGroupArn(scope: LoggingRoleScope): string {
  return `arn:${scope.partition}:logs:${scope.region}:${scope.accountId}:log-group:${IOT_LOG_GROUP}:*`;
}

export function loggingPermissionsPolicy(scope: LoggingRoleScope): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "WriteIotLogsV2",
        Effect: "Allow",
        Action: [...IOT_LOGGING_ACTIONS],
        Resource: [iotLogGroupArn(scope)],
      },
    ],
  });
}

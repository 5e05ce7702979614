/**
 * Published AWS prices the cost model uses: on-demand list prices of one region, as USD constants,
 * each with the page it is read from. They change: check the pages (or the AWS Pricing Calculator)
 * before a budget decision, and update `PRICES_AS_OF` with the values.
 */
export const PRICE_REGION = "eu-west-1";
/** When these values were read from the pricing pages. */
export const PRICES_AS_OF = "2026-12-01";

export interface Price {
  readonly usd: number;
  readonly per: string;
  readonly source: string;
}

const IOT = "https://aws.amazon.com/iot-core/pricing/";
const LAMBDA = "https://aws.amazon.com/lambda/pricing/";
const SQS = "https://aws.amazon.com/sqs/pricing/";
const DYNAMODB = "https://aws.amazon.com/dynamodb/pricing/on-demand/";
const CLOUDWATCH = "https://aws.amazon.com/cloudwatch/pricing/";
const KMS = "https://aws.amazon.com/kms/pricing/";

export const PRICES = {
  iotRuleTriggered: { usd: 0.15 / 1e6, per: "rule triggered", source: IOT },
  iotActionExecuted: { usd: 0.15 / 1e6, per: "action executed", source: IOT },
  lambdaRequest: { usd: 0.2 / 1e6, per: "request", source: LAMBDA },
  lambdaGbSecondArm: { usd: 0.0000133334, per: "GB-second (arm64)", source: LAMBDA },
  lambdaGbSecondX86: { usd: 0.0000166667, per: "GB-second (x86_64)", source: LAMBDA },
  sqsRequest: { usd: 0.4 / 1e6, per: "standard queue request (64 KB chunk)", source: SQS },
  // After the November 2024 on-demand price reduction (half of the earlier $1.4135).
  dynamodbWriteRequestUnit: { usd: 0.7068 / 1e6, per: "write request unit (1 KB)", source: DYNAMODB },
  dynamodbStorageGbMonth: { usd: 0.283, per: "GB-month (Standard table class)", source: DYNAMODB },
  dynamodbPitrGbMonth: { usd: 0.2264, per: "GB-month of continuous backup (PITR)", source: DYNAMODB },
  cloudwatchCustomMetricMonth: { usd: 0.3, per: "custom metric-month (first 10,000)", source: CLOUDWATCH },
  cloudwatchAlarmMonth: { usd: 0.1, per: "standard-resolution alarm metric-month", source: CLOUDWATCH },
  cloudwatchDashboardMonth: { usd: 3, per: "dashboard-month (beyond 3 free per account)", source: CLOUDWATCH },
  cloudwatchPutMetricDataRequest: { usd: 0.01 / 1000, per: "PutMetricData request", source: CLOUDWATCH },
  cloudwatchLogsIngestGb: { usd: 0.57, per: "GB of standard log ingestion", source: CLOUDWATCH },
  cloudwatchLogsStorageGbMonth: { usd: 0.03, per: "GB-month of log storage", source: CLOUDWATCH },
  kmsKeyMonth: { usd: 1, per: "customer managed key-month", source: KMS },
  kmsRequest: { usd: 0.03 / 10_000, per: "request", source: KMS },
} as const satisfies Record<string, Price>;

export type PriceTable = { readonly [K in keyof typeof PRICES]: Price };

/**
 * AWS name and format rules, in one place.
 *
 * Terraform cannot tell us about these here (no terraform binary, no provider
 * schema validation), so the config schema, the module constructors and the
 * offline validation pack all import these rules instead of re-stating them.
 * Sources: AWS IoT, DynamoDB, Lambda, IAM, S3, SQS, SNS and CloudWatch Logs
 * API references; see ../shared/docs/aws-iot-facts.md.
 */

export interface NameRule {
  /** Human label used in error messages, e.g. "IoT topic rule name". */
  readonly label: string;
  readonly pattern: RegExp;
  readonly minLength: number;
  readonly maxLength: number;
  /** What is allowed, phrased for an error message. */
  readonly allowed: string;
  /** Length is counted in UTF-8 bytes rather than characters. */
  readonly lengthInBytes?: boolean;
}

function rule(label: string, pattern: RegExp, minLength: number, maxLength: number, allowed: string, lengthInBytes = false): NameRule {
  return { label, pattern, minLength, maxLength, allowed, lengthInBytes };
}

export const AWS_NAME_RULES = {
  iotTopicRule: rule("IoT topic rule name", /^[a-zA-Z0-9_]+$/, 1, 128, "letters, digits and underscores only (no hyphens)"),
  iotThing: rule("IoT thing name", /^[a-zA-Z0-9:_-]+$/, 1, 128, "letters, digits, ':', '_' and '-'"),
  iotThingType: rule("IoT thing type name", /^[a-zA-Z0-9:_-]+$/, 1, 128, "letters, digits, ':', '_' and '-'"),
  iotThingGroup: rule("IoT thing group name", /^[a-zA-Z0-9:_-]+$/, 1, 128, "letters, digits, ':', '_' and '-'"),
  iotPolicy: rule("IoT policy name", /^[\w+=,.@-]+$/, 1, 128, "letters, digits and + = , . @ _ -"),
  iotShadow: rule("shadow name", /^[a-zA-Z0-9:_-]+$/, 1, 64, "letters, digits, ':', '_' and '-'", true),
  iotAttributeKey: rule("thing attribute key", /^[a-zA-Z0-9_.,@/:#-]+$/, 1, 128, "letters, digits and _ . , @ / : # -"),
  iotAttributeValue: rule("thing attribute value", /^[a-zA-Z0-9_.,@/:#=[\]-]*$/, 0, 800, "letters, digits and _ . , @ / : # = [ ] -"),
  iotProvisioningTemplate: rule("IoT provisioning template name", /^[0-9A-Za-z_-]+$/, 1, 36, "letters, digits, '_' and '-'"),
  dynamodbTable: rule("DynamoDB table name", /^[a-zA-Z0-9_.-]+$/, 3, 255, "letters, digits, '_', '-' and '.'"),
  dynamodbAttribute: rule("DynamoDB attribute name", /^.+$/, 1, 255, "1-255 bytes", true),
  lambdaFunction: rule("Lambda function name", /^[a-zA-Z0-9_-]+$/, 1, 64, "letters, digits, '_' and '-'"),
  iamRole: rule("IAM role name", /^[\w+=,.@-]+$/, 1, 64, "letters, digits and + = , . @ _ -"),
  iamPolicy: rule("IAM policy name", /^[\w+=,.@-]+$/, 1, 128, "letters, digits and + = , . @ _ -"),
  logGroup: rule("CloudWatch log group name", /^[.\-_/#A-Za-z0-9]+$/, 1, 512, "letters, digits and . - _ / #"),
  sqsQueue: rule("SQS queue name", /^[a-zA-Z0-9_-]+(\.fifo)?$/, 1, 80, "letters, digits, '_' and '-' (optional .fifo suffix)"),
  snsTopic: rule("SNS topic name", /^[a-zA-Z0-9_-]+(\.fifo)?$/, 1, 256, "letters, digits, '_' and '-' (optional .fifo suffix)"),
  s3Bucket: rule(
    "S3 bucket name",
    /^(?!xn--)(?!sthree-)(?!.*-s3alias$)(?!.*--ol-s3$)(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]*[a-z0-9]$/,
    3,
    63,
    "lowercase letters, digits, '.' and '-', starting and ending with a letter or digit, not an IP address",
  ),
  kmsAlias: rule("KMS alias name", /^alias\/(?!aws\/)[a-zA-Z0-9/_-]+$/, 7, 256, "'alias/' followed by letters, digits, '/', '_' and '-' (not alias/aws/)"),
  cloudwatchNamespace: rule("CloudWatch metric namespace", /^(?!AWS\/)[a-zA-Z0-9.\-_/#:]+$/, 1, 255, "letters, digits and . - _ / # : (not starting with AWS/)"),
  cloudwatchAlarm: rule("CloudWatch alarm name", /^[^\x00-\x1f]+$/, 1, 255, "printable characters"),
  cloudwatchDashboard: rule("CloudWatch dashboard name", /^[a-zA-Z0-9_-]+$/, 1, 255, "letters, digits, '_' and '-'"),
  ssmParameter: rule("SSM parameter name", /^[a-zA-Z0-9_.\-/]+$/, 1, 1011, "letters, digits and _ . - /"),
  tagKey: rule("tag key", /^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u, 1, 128, "letters, digits, spaces and _ . : / = + - @ (not starting with aws:)"),
  tagValue: rule("tag value", /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u, 0, 256, "letters, digits, spaces and _ . : / = + - @"),
} as const;

export type NameRuleId = keyof typeof AWS_NAME_RULES;

/** Maximum number of user tags on one resource (AWS-wide). */
export const MAX_TAGS_PER_RESOURCE = 50;

function lengthOf(value: string, inBytes: boolean | undefined): number {
  return inBytes ? Buffer.byteLength(value, "utf8") : value.length;
}

/** Returns a problem description, or undefined when `value` satisfies `rule`. */
export function checkName(ruleOrId: NameRule | NameRuleId, value: string): string | undefined {
  const r = typeof ruleOrId === "string" ? AWS_NAME_RULES[ruleOrId] : ruleOrId;
  const len = lengthOf(value, r.lengthInBytes);
  const unit = r.lengthInBytes ? "bytes" : "characters";
  if (len < r.minLength || len > r.maxLength) {
    return `${r.label} "${value}" is ${len} ${unit} long; allowed ${r.minLength}-${r.maxLength} ${unit}`;
  }
  if (!r.pattern.test(value)) {
    return `${r.label} "${value}" is invalid; allowed: ${r.allowed}`;
  }
  return undefined;
}

/** Throws an Error naming `field` when `value` breaks `rule`. */
export function assertName(ruleOrId: NameRule | NameRuleId, value: string, field: string): string {
  const problem = checkName(ruleOrId, value);
  if (problem) throw new Error(`${field}: ${problem}`);
  return value;
}

export const AWS_ACCOUNT_ID = /^\d{12}$/;
/** Commercial, GovCloud, China and ISO partitions: e.g. eu-west-1, us-gov-west-1, cn-north-1. */
export const AWS_REGION = /^(us|eu|ap|sa|ca|me|af|il|mx|cn|us-gov|us-iso|us-isob)-(north|south|east|west|central|northeast|northwest|southeast|southwest)-\d$/;
export const IAM_ROLE_ARN = /^arn:aws(-cn|-us-gov)?:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
export const KMS_KEY_ARN = /^arn:aws(-cn|-us-gov)?:kms:[a-z0-9-]+:\d{12}:(key\/[a-f0-9-]{36}|alias\/[a-zA-Z0-9/_-]+)$/;

/** Retention values CloudWatch Logs accepts (PutRetentionPolicy); anything else fails at apply. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export function isLogRetentionDays(days: number): boolean {
  return (LOG_RETENTION_DAYS as readonly number[]).includes(days);
}

export type AwsPartition = "aws" | "aws-cn" | "aws-us-gov";

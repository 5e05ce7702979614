/**
 * AWS name and format rules, in one place.
 *
 * Terraform cannot tell us about these here (no terraform binary, no provider
 * schema validation), so the config schema, the module constructors and the
 * offline validation pack all import these rules instead of re-stating them.
 *
 * Authority: the AWS API models (aws-sdk-js-v3 codegen/sdk-codegen/aws-models/*.json;
 * each rule cites its shape), then the Terraform AWS provider's validators where
 * they are stricter (the provider rejects at plan time, before AWS sees the name).
 * Model patterns are unanchored regular expressions that the services apply to the
 * whole value, so they are anchored here. Model lengths count characters (Unicode
 * code points); a rule says so when a limit counts UTF-8 bytes instead.
 * See also ../shared/docs/aws-iot-facts.md.
 */

export type AwsPartition = "aws" | "aws-cn" | "aws-us-gov";

/** What a rule may need beyond the value itself; absent fields mean "unknown" (assume the strictest case). */
export interface NameContext {
  readonly partition?: string;
  readonly region?: string;
}

export interface NameRule {
  /** Human label used in error messages, e.g. "IoT topic rule name". */
  readonly label: string;
  readonly pattern: RegExp;
  readonly minLength: number;
  readonly maxLength: number;
  /** What is allowed, phrased for an error message. */
  readonly allowed: string;
  /** Length is counted in UTF-8 bytes rather than characters (code points). */
  readonly lengthInBytes?: boolean;
  /** A constraint the pattern cannot state (hierarchy depth, ARN length, reserved names); returns what is wrong. */
  readonly extra?: (value: string, context: NameContext) => string | undefined;
}

interface RuleOptions {
  readonly bytes?: boolean;
  readonly extra?: NameRule["extra"];
}

function rule(label: string, pattern: RegExp, minLength: number, maxLength: number, allowed: string, options: RuleOptions = {}): NameRule {
  return { label, pattern, minLength, maxLength, allowed, lengthInBytes: options.bytes ?? false, extra: options.extra };
}

/** The partition a region belongs to (cn-* and us-gov-* have their own). */
export function partitionOf(region: string): AwsPartition {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

/**
 * The history's pseudo-name for the classic (unnamed) shadow; modules/history-store/schema.ts
 * exports it as CLASSIC_SHADOW. AWS allows `$` in shadow names (AWS IoT itself uses `$package`),
 * so "$classic" is a valid AWS shadow name: a named shadow called that would share the classic
 * shadow's history keys, which is why the `namedShadow` rule rejects it.
 */
export const CLASSIC_SHADOW_NAME = "$classic";

/** SSM PutParameter: "The maximum length for a parameter name that you create is 1011 characters. This includes the characters in the ARN that precede the name". */
const SSM_MAX_NAME_WITH_ARN = 1011;
/** SSM PutParameter: "Parameter hierarchies are limited to a maximum depth of fifteen levels." */
const SSM_MAX_LEVELS = 15;

/**
 * Length of `arn:<partition>:ssm:<region>:<account>:parameter/`, which counts towards the 1011.
 * Unknown partition/region: the longest real pair (aws-us-gov or aws-iso-f, with a 14/15-character
 * region), so a name that passes without context passes in every region.
 */
export function ssmParameterArnPrefixLength(context: NameContext): number {
  const partition = context.partition ?? (context.region ? partitionOf(context.region) : undefined);
  const partitionAndRegion = partition !== undefined && context.region !== undefined ? partition.length + context.region.length : 24;
  return "arn::ssm::123456789012:parameter/".length + partitionAndRegion;
}

function ssmParameterExtra(value: string, context: NameContext): string | undefined {
  // The ARN holds the name without its leading slash: /a/b -> arn:...:parameter/a/b.
  const path = value.replace(/^\//, "");
  const levels = path.split("/").length;
  if (levels > SSM_MAX_LEVELS) return `has ${levels} hierarchy levels; AWS allows at most ${SSM_MAX_LEVELS}`;
  const withArn = ssmParameterArnPrefixLength(context) + path.length;
  if (withArn > SSM_MAX_NAME_WITH_ARN) {
    const where = context.region ? `in ${context.region}` : "when the region is unknown (longest ARN prefix assumed)";
    return `is ${withArn} characters long with its ARN prefix ${where}; AWS allows at most ${SSM_MAX_NAME_WITH_ARN} including arn:<partition>:ssm:<region>:<account>:parameter/`;
  }
  return undefined;
}

/** Printable ASCII without control characters (the CloudWatch model docs: "ASCII characters ... except for control characters"). */
const PRINTABLE_ASCII = "\\x20-\\x7e";

// iot-data-plane.json (and iot.json) ShadowName: [$a-zA-Z0-9:_-]+, 1-64.
const iotShadow = rule("shadow name", /^[$a-zA-Z0-9:_-]+$/, 1, 64, "letters, digits, '$', ':', '_' and '-'", { bytes: true });
// iotShadow minus the history's pseudo-name of the classic shadow: for names the platform routes into the history.
const namedShadow: NameRule = {
  ...iotShadow,
  allowed: `${iotShadow.allowed}; not "${CLASSIC_SHADOW_NAME}" (the history's name for the classic shadow)`,
  extra: (value) => (value === CLASSIC_SHADOW_NAME ? `is reserved: the shadow history stores the classic shadow as "${CLASSIC_SHADOW_NAME}"; rename the named shadow` : undefined),
};
const cloudwatchDimension = "printable ASCII with at least one non-space character";

export const AWS_NAME_RULES = {
  // iot.json RuleName: ^[a-zA-Z0-9_]+$, 1-128.
  iotTopicRule: rule("IoT topic rule name", /^[a-zA-Z0-9_]+$/, 1, 128, "letters, digits and underscores only (no hyphens)"),
  // iot.json ThingName / ThingTypeName / ThingGroupName: [a-zA-Z0-9:_-]+, 1-128.
  iotThing: rule("IoT thing name", /^[a-zA-Z0-9:_-]+$/, 1, 128, "letters, digits, ':', '_' and '-'"),
  iotThingType: rule("IoT thing type name", /^[a-zA-Z0-9:_-]+$/, 1, 128, "letters, digits, ':', '_' and '-'"),
  iotThingGroup: rule("IoT thing group name", /^[a-zA-Z0-9:_-]+$/, 1, 128, "letters, digits, ':', '_' and '-'"),
  // iot.json ThingTypeDescription / ThingGroupDescription: [\p{Graph}\x20]*, max 2028. Java's \p{Graph} is ASCII [!-~], so: printable ASCII, no newline.
  iotDescription: rule("IoT thing type or thing group description", new RegExp(`^[${PRINTABLE_ASCII}]*$`), 0, 2028, "printable ASCII characters and spaces (no newlines, tabs or non-ASCII)"),
  // iot.json PolicyName: [\w+=,.@-]+, 1-128.
  iotPolicy: rule("IoT policy name", /^[\w+=,.@-]+$/, 1, 128, "letters, digits and + = , . @ _ -"),
  iotShadow,
  namedShadow,
  // iot.json AttributeName: [a-zA-Z0-9_.,@/:#-]+, max 128; AttributeValue: [a-zA-Z0-9_.,@/:#=\[\]-]*, max 800.
  iotAttributeKey: rule("thing attribute key", /^[a-zA-Z0-9_.,@/:#-]+$/, 1, 128, "letters, digits and _ . , @ / : # -"),
  iotAttributeValue: rule("thing attribute value", /^[a-zA-Z0-9_.,@/:#=[\]-]*$/, 0, 800, "letters, digits and _ . , @ / : # = [ ] -"),
  // iot.json TemplateName: ^[0-9A-Za-z_-]+$, 1-36; TemplateDescription: [^\p{C}]*, 0-500.
  iotProvisioningTemplate: rule("IoT provisioning template name", /^[0-9A-Za-z_-]+$/, 1, 36, "letters, digits, '_' and '-'"),
  iotProvisioningTemplateDescription: rule("IoT provisioning template description", /^\P{C}*$/u, 0, 500, "any characters except control and format characters (Unicode category C)"),
  // dynamodb.json TableName / IndexName: [a-zA-Z0-9_.-]+, 3-255.
  dynamodbTable: rule("DynamoDB table name", /^[a-zA-Z0-9_.-]+$/, 3, 255, "letters, digits, '_', '-' and '.'"),
  dynamodbIndex: rule("DynamoDB index name", /^[a-zA-Z0-9_.-]+$/, 3, 255, "letters, digits, '_', '-' and '.'"),
  // dynamodb.json KeySchemaAttributeName / TimeToLiveAttributeName: 1-255, no pattern (DynamoDB sizes names in UTF-8 bytes).
  // Every attribute the provider declares is a key attribute, so this covers attribute[].name, hash/range keys and the TTL attribute.
  dynamodbAttribute: rule("DynamoDB attribute name", /^[\s\S]+$/, 1, 255, "any characters, newlines included", { bytes: true }),
  // lambda.json FunctionName (bare name part): [a-zA-Z0-9-_]+, at most 64 for a name.
  lambdaFunction: rule("Lambda function name", /^[a-zA-Z0-9_-]+$/, 1, 64, "letters, digits, '_' and '-'"),
  // lambda.json StatementId: ([a-zA-Z0-9-_]+), 1-100.
  lambdaStatementId: rule("Lambda permission statement id", /^[a-zA-Z0-9_-]+$/, 1, 100, "letters, digits, '_' and '-'"),
  iamRole: rule("IAM role name", /^[\w+=,.@-]+$/, 1, 64, "letters, digits and + = , . @ _ -"),
  iamPolicy: rule("IAM policy name", /^[\w+=,.@-]+$/, 1, 128, "letters, digits and + = , . @ _ -"),
  // cloudwatch-logs.json LogGroupName: [\.\-_/#A-Za-z0-9]+, 1-512; CreateLogGroup: "Log group names can't start with the string aws/" (/aws/... is fine).
  logGroup: rule("CloudWatch log group name", /^(?!aws\/)[.\-_/#A-Za-z0-9]+$/, 1, 512, "letters, digits and . - _ / # (not starting with aws/)"),
  sqsQueue: rule("SQS queue name", /^[a-zA-Z0-9_-]+(\.fifo)?$/, 1, 80, "letters, digits, '_' and '-' (optional .fifo suffix)"),
  snsTopic: rule("SNS topic name", /^[a-zA-Z0-9_-]+(\.fifo)?$/, 1, 256, "letters, digits, '_' and '-' (optional .fifo suffix)"),
  // s3.json BucketName has no pattern: the S3 general purpose bucket naming rules (and the provider's validBucketName for "..").
  s3Bucket: rule(
    "S3 bucket name",
    /^(?!xn--|sthree-|amzn-s3-demo-)(?!.*\.\.)(?!.*(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$)(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]*[a-z0-9]$/,
    3,
    63,
    "lowercase letters, digits, '.' and '-', starting and ending with a letter or digit, no '..', not an IP address, " +
      "no prefix xn--, sthree- or amzn-s3-demo-, no suffix -s3alias, --ol-s3, .mrap, --x-s3 or --table-s3",
  ),
  kmsAlias: rule("KMS alias name", /^alias\/(?!aws\/)[a-zA-Z0-9/_-]+$/, 7, 256, "'alias/' followed by letters, digits, '/', '_' and '-' (not alias/aws/)"),
  // cloudwatch.json Namespace: [^:].*, 1-255; PutMetricData: ASCII except control characters, and not beginning with AWS/ (the services' namespaces).
  cloudwatchNamespace: rule(
    "CloudWatch metric namespace",
    new RegExp(`^(?!:)(?!AWS/)[${PRINTABLE_ASCII}]+$`),
    1,
    255,
    "printable ASCII characters and spaces, not starting with ':' or 'AWS/'",
  ),
  // The same Namespace shape read by an alarm: AWS/ is allowed there (alarms watch service metrics such as AWS/SQS).
  cloudwatchAlarmNamespace: rule(
    "CloudWatch alarm metric namespace",
    new RegExp(`^(?!:)[${PRINTABLE_ASCII}]+$`),
    1,
    255,
    "printable ASCII characters and spaces, not starting with ':'",
  ),
  // cloudwatch.json MetricName: 1-255, no pattern; the provider's alarm metric_name check counts bytes (StringLenBetween).
  cloudwatchMetric: rule("CloudWatch metric name", /^[\s\S]+$/, 1, 255, "any characters", { bytes: true }),
  // cloudwatch.json DimensionName: 1-255; Dimension.Name: "only ASCII characters, must include at least one non-whitespace character, and cannot start with a colon"; no control characters.
  cloudwatchDimensionName: rule("CloudWatch dimension name", new RegExp(`^(?!:)(?=.*[^ ])[${PRINTABLE_ASCII}]+$`), 1, 255, `${cloudwatchDimension}, not starting with ':'`),
  // cloudwatch.json DimensionValue: 1-1024; Dimension.Value: only ASCII, at least one non-whitespace character, no control characters.
  cloudwatchDimensionValue: rule("CloudWatch dimension value", new RegExp(`^(?=.*[^ ])[${PRINTABLE_ASCII}]+$`), 1, 1024, cloudwatchDimension),
  // cloudwatch.json AlarmName: 1-255; PutMetricAlarm: "can't contain ASCII control characters" (DEL included); the provider counts bytes.
  cloudwatchAlarm: rule("CloudWatch alarm name", /^[^\x00-\x1f\x7f]+$/u, 1, 255, "any characters except ASCII control characters", { bytes: true }),
  cloudwatchDashboard: rule("CloudWatch dashboard name", /^[a-zA-Z0-9_-]+$/, 1, 255, "letters, digits, '_' and '-'"),
  // ssm.json PSParameterName: 1-2048 of which 1037 are reserved; PutParameter: a-zA-Z0-9_.- and /, not prefixed with
  // "aws" or "ssm" (case-insensitive; also after the leading /), at most 15 levels, 1011 characters including the ARN prefix.
  ssmParameter: rule(
    "SSM parameter name",
    /^(?!\/?([aA][wW][sS]|[sS][sS][mM]))[a-zA-Z0-9_.\-/]+$/,
    1,
    SSM_MAX_NAME_WITH_ARN,
    `letters, digits and _ . - /; not starting with aws or ssm in any case; at most ${SSM_MAX_LEVELS} levels; at most ${SSM_MAX_NAME_WITH_ARN} characters including the ARN prefix`,
    { extra: ssmParameterExtra },
  ),
  // application-autoscaling.json PolicyName: \p{Print}+, 1-256 (Java's \p{Print} is printable ASCII);
  // the provider's aws_appautoscaling_policy name check is StringLenBetween(0, 255), in bytes: 255 it is.
  appautoscalingPolicy: rule("Application Auto Scaling policy name", new RegExp(`^[${PRINTABLE_ASCII}]+$`), 1, 255, "printable ASCII characters and spaces", { bytes: true }),
  // TagKey (iot.json, ssm.json, cloudwatch-logs.json): ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$, 1-128; the aws: prefix is reserved in any case.
  tagKey: rule(
    "tag key",
    /^(?![aA][wW][sS]:)[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u,
    1,
    128,
    "letters, digits, spaces and _ . : / = + - @ (not starting with aws: in any case)",
  ),
  // TagValue (ssm.json, cloudwatch-logs.json): same characters, 0-256.
  tagValue: rule("tag value", /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u, 0, 256, "letters, digits, spaces and _ . : / = + - @"),
} as const;

export type NameRuleId = keyof typeof AWS_NAME_RULES;

/** Maximum number of user tags on one resource (AWS-wide). */
export const MAX_TAGS_PER_RESOURCE = 50;

function lengthOf(value: string, inBytes: boolean | undefined): number {
  // Characters are code points, as in the models' length traits: "🙂" is one character, not two UTF-16 units.
  return inBytes ? Buffer.byteLength(value, "utf8") : [...value].length;
}

/** Returns a problem description, or undefined when `value` satisfies `rule`. */
export function checkName(ruleOrId: NameRule | NameRuleId, value: string, context: NameContext = {}): string | undefined {
  const r: NameRule = typeof ruleOrId === "string" ? AWS_NAME_RULES[ruleOrId] : ruleOrId;
  const len = lengthOf(value, r.lengthInBytes);
  const unit = r.lengthInBytes ? "bytes" : "characters";
  const shown = JSON.stringify(value);
  if (len < r.minLength || len > r.maxLength) {
    return `${r.label} ${shown} is ${len} ${unit} long; allowed ${r.minLength}-${r.maxLength} ${unit}`;
  }
  if (!r.pattern.test(value)) {
    return `${r.label} ${shown} is invalid; allowed: ${r.allowed}`;
  }
  const extra = r.extra?.(value, context);
  return extra && `${r.label} ${shown} ${extra}`;
}

/** Throws an Error naming `field` when `value` breaks `rule`. */
export function assertName(ruleOrId: NameRule | NameRuleId, value: string, field: string, context?: NameContext): string {
  const problem = checkName(ruleOrId, value, context);
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


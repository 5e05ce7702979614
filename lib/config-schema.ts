/**
 * The typed, validated shape of one environment's configuration.
 *
 * Environment files (environments/*.ts) hold data only; this schema checks it
 * at synth time so that nothing AWS would reject later can pass, and fills
 * defaults that depend on the environment class (prod is stricter).
 */
import { z } from "zod";
import {
  AWS_ACCOUNT_ID,
  AWS_NAME_RULES,
  AWS_REGION,
  IAM_ROLE_ARN,
  KMS_KEY_ARN,
  LOG_RETENTION_DAYS,
  isLogRetentionDays,
  MAX_TAGS_PER_RESOURCE,
  NameRule,
  checkName,
} from "./aws-names";
import { GITHUB_OWNER, GITHUB_REPO } from "./iam";
import { issuesAt } from "./issues";
import { Naming } from "./naming";
import { shadowSelectionIssues } from "./shadow-selection";
// The device inventory's rules belong to the module that creates the devices; the schema maps them onto config fields.
import { deviceInventoryIssues } from "../modules/device-identity/inventory";
import { DEFAULT_SHARD_SIZE, MAX_SHARDS, shardIssues } from "../modules/device-identity/shards";
import { processorIdIssues } from "../modules/shadow-rules/validate";
import { DEFAULT_CONVERGENCE_LATENCY_P99_SECONDS } from "../modules/observability/alarms";
// The visibility-timeout rule belongs to the consumer (ShadowProcessor.consumeQueue); the schema applies it to the config.
import { minimumVisibilityTimeoutSeconds } from "../modules/shadow-processor/queue-consumer";

/** The history processor's id: its function name suffix and bundle folder. */
export const HISTORY_PROCESSOR_ID = "shadow-history";

export const ENVIRONMENT_NAMES = ["dev", "staging", "prod"] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

export const ERROR_ACTION_KINDS = ["sqs", "cloudwatch-logs"] as const;
export type ErrorActionKind = (typeof ERROR_ACTION_KINDS)[number];


/** A string checked against one of the shared AWS name rules. */
function awsName(rule: NameRule) {
  return z.string().superRefine((value, ctx) => {
    const problem = checkName(rule, value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
}

/** A record whose keys follow `keyRule`; zod's own key errors do not say which rule, so check keys here. */
function namedRecord(keyRule: NameRule, value: z.ZodType<string>) {
  return z.record(z.string(), value).superRefine((rec, ctx) => {
    for (const key of Object.keys(rec)) {
      const problem = checkName(keyRule, key);
      if (problem) ctx.addIssue({ code: "custom", path: [key], message: problem });
    }
  });
}

const positive = (what: string) => z.number().positive({ message: `${what} must be greater than 0` });

/** Short lowercase token used in every resource name; keeps names within the tightest AWS limits. */
const namePrefix = z
  .string()
  .regex(/^[a-z][a-z0-9]{1,9}$/, { message: "must be 2-10 lowercase letters or digits, starting with a letter (used in every resource name)" });

const productLine = z
  .string()
  .regex(/^[a-z][a-z0-9]{1,15}$/, { message: "must be 2-16 lowercase letters or digits, starting with a letter" });

const attributes = namedRecord(AWS_NAME_RULES.iotAttributeKey, awsName(AWS_NAME_RULES.iotAttributeValue)).default({});

const thingSchema = z
  .object({
    name: awsName(AWS_NAME_RULES.iotThing),
    attributes,
    /** Static thing groups this device belongs to (names from devices.groups). */
    groups: z.array(awsName(AWS_NAME_RULES.iotThingGroup)).default([]),
    /** Path (relative to the repository root) of a PEM certificate signing request; the device keeps its private key. */
    csrPath: z.string().min(1).optional(),
    /** Inline PEM certificate signing request, as an alternative to csrPath. */
    csrPem: z.string().includes("-----BEGIN CERTIFICATE REQUEST-----", { message: "must be a PEM certificate signing request" }).optional(),
  })
  .strict();

const thingGroupSchema = z
  .object({
    name: awsName(AWS_NAME_RULES.iotThingGroup),
    description: awsName(AWS_NAME_RULES.iotDescription).optional(),
    parent: awsName(AWS_NAME_RULES.iotThingGroup).optional(),
    attributes,
  })
  .strict();

const devicesSchema = z
  .object({
    thingType: z
      .object({
        name: awsName(AWS_NAME_RULES.iotThingType),
        description: awsName(AWS_NAME_RULES.iotDescription).default(""),
        searchableAttributes: z.array(awsName(AWS_NAME_RULES.iotAttributeKey)).default([]),
      })
      .strict(),
    things: z.array(thingSchema).default([]),
    groups: z.array(thingGroupSchema).default([]),
    /**
     * How device certificates come to exist:
     * - "csr": from a CSR per device (default; no private key in Terraform state)
     * - "fleet-provisioning": devices onboard themselves with a claim certificate
     * - "generate": Terraform creates the key pair (opt-in; dev only; key stored in SSM SecureString)
     */
    certificateMode: z.enum(["csr", "fleet-provisioning", "generate"]).default("csr"),
    /** Attach the device policy to each certificate, or once to a thing group. */
    policyAttachment: z.enum(["certificate", "thing-group"]).default("certificate"),
    /** Group the policy is attached to when policyAttachment is "thing-group". */
    policyGroup: awsName(AWS_NAME_RULES.iotThingGroup).optional(),
    fleetProvisioning: z
      .object({ enabled: z.boolean().default(false) })
      .strict()
      .default({ enabled: false }),
    /**
     * Device stacks (`<namePrefix>-<environment>-devices-<n>`) the things, certificates and attachments go
     * into, each thing by a stable hash of its name (modules/device-identity/shards.ts). Omit to keep them
     * in the platform stack (up to shardSize things). Set it once: changing it moves devices between
     * stacks (README "Device shards"). @default unsharded
     */
    shards: z.number().int().min(1).max(MAX_SHARDS).optional(),
    /** The most things one stack may hold; more need shards, and no shard may hold more. @default 1000 */
    shardSize: z.number().int().min(1).max(10_000).default(DEFAULT_SHARD_SIZE),
  })
  .strict();

const shadowsSchema = z
  .object({
    /** Route the classic (unnamed) shadow. */
    classic: z.boolean().default(true),
    /** Named shadows to route, or "all" to route every named shadow via `+`. */
    named: z.union([z.literal("all"), z.array(awsName(AWS_NAME_RULES.namedShadow))]).default([]),
  })
  .strict();

const historySchema = z
  .object({
    billingMode: z.enum(["PAY_PER_REQUEST", "PROVISIONED"]).default("PAY_PER_REQUEST"),
    /** Read/write capacity when billingMode is PROVISIONED (autoscaling targets these as minimums). */
    provisioned: z
      .object({
        readCapacity: z.number().int().min(1).max(40000),
        writeCapacity: z.number().int().min(1).max(40000),
        maxCapacity: z.number().int().min(1).max(40000),
      })
      .strict()
      .optional(),
    /**
     * Days an item is kept before DynamoDB TTL removes it, or "none" to keep history forever.
     * Outside prod, omitting it keeps history forever; prod must state the choice (either value).
     */
    ttlDays: z
      .union([z.number().int().min(1).max(3650), z.literal("none")], { error: 'must be a whole number of days from 1 to 3650, or "none" to keep history forever' })
      .optional(),
    tableClass: z.enum(["STANDARD", "STANDARD_INFREQUENT_ACCESS"]).default("STANDARD"),
    /** @default true in prod, false elsewhere */
    deletionProtection: z.boolean().optional(),
  })
  .strict();

const processorSchema = z
  .object({
    memoryMb: z.number().int().min(128).max(10240).default(256),
    timeoutSeconds: z.number().int().min(1).max(900).default(30),
    /** Reserved concurrency; omit for the unreserved pool. */
    reservedConcurrency: z.number().int().min(1).optional(),
    /** @default 365 in prod, 30 elsewhere */
    logRetentionDays: z
      .number()
      .refine(isLogRetentionDays, {
        message: `must be one of ${LOG_RETENTION_DAYS.join(", ")}`,
      })
      .optional(),
    maximumRetryAttempts: z.number().int().min(0).max(2).default(2),
    maximumEventAgeSeconds: z.number().int().min(60).max(21600).default(3600),
  })
  .strict();

/** A product line's own processor, routed by the same rules next to shadow-history. */
const extraProcessorSchema = z
  .object({
    /** Stable id, used in construct ids and the function name (iot-dev-<id>). */
    id: z.string().regex(/^[a-z][a-z0-9-]{1,30}$/, { message: "must be 2-31 lowercase letters, digits or '-', starting with a letter" }),
    /** Folder under functions/ with a handler.ts (bundled to dist/functions/<bundle>). */
    bundle: z.string().regex(/^[a-z][a-z0-9-]{1,40}$/, { message: "must name a folder under functions/ (lowercase letters, digits, '-')" }),
    memoryMb: z.number().int().min(128).max(10240).default(256),
    timeoutSeconds: z.number().int().min(1).max(900).default(30),
    /** Reserved concurrency; set it in staging and prod so one function cannot take the account's pool (checkov CKV_AWS_115). */
    reservedConcurrency: z.number().int().min(1).optional(),
  })
  .strict();

export const INGESTION_MODES = ["direct", "buffered"] as const;
export type IngestionMode = (typeof INGESTION_MODES)[number];

/**
 * The queue between the documents rules and the history processor (rules.ingestion "buffered").
 * Defaults are what a small fleet needs; prod environments size them (environments/prod.ts).
 */
const bufferSchema = z
  .object({
    /** Records per invocation (SQS event source mapping BatchSize, 1-10000; above 10 needs a batching window). */
    batchSize: z.number().int().min(1).max(10000).default(10),
    /** Seconds Lambda waits to fill a batch (MaximumBatchingWindowInSeconds, 0-300). */
    maximumBatchingWindowSeconds: z.number().int().min(0).max(300).default(0),
    /** Concurrent invocations the queue may use (scaling_config maximum_concurrency, 2-1000): a storm cannot take the account's pool. */
    maximumConcurrency: z.number().int().min(2).max(1000).default(10),
    /** Receives before a message moves to the dead-letter queue (redrive maxReceiveCount, 1-1000). */
    maxReceiveCount: z.number().int().min(1).max(1000).default(5),
    /**
     * Queue visibility timeout; at least 6 x processor.timeoutSeconds + the batching window (AWS guidance for
     * Lambda consumers, so a slow batch is not received twice). @default exactly that minimum
     */
    visibilityTimeoutSeconds: z.number().int().min(0).max(43200).optional(),
    /** How long an unprocessed update waits in the queue (60 s - 14 days). @default 345600 (4 days) */
    messageRetentionSeconds: z.number().int().min(60).max(1_209_600).default(345_600),
  })
  .strict();


const rulesSchema = z
  .object({
    enabled: z.boolean().default(true),
    errorAction: z.enum(ERROR_ACTION_KINDS).default("sqs"),
    /**
     * How the documents rules reach the history processor: "direct" (an asynchronous invoke per update) or
     * "buffered" (an encrypted SQS queue the processor drains in batches at a bounded concurrency, with a
     * dead-letter queue after rules.buffer.maxReceiveCount receives). @default "direct"
     */
    ingestion: z.enum(INGESTION_MODES).default("direct"),
    /** Queue and consumer settings; only with ingestion "buffered". @default the bufferSchema defaults */
    buffer: bufferSchema.optional(),
    /** Extra rule on update/delta and update/rejected feeding metrics, so drift and rejections are visible. */
    driftMetrics: z.boolean().default(true),
    /**
     * Retention of the rule error log group (errorAction "cloudwatch-logs"), which holds whole shadow
     * payloads. @default 14 in dev, 90 in staging, 365 in prod
     */
    errorLogRetentionDays: z
      .number()
      .refine(isLogRetentionDays, { message: `must be one of ${LOG_RETENTION_DAYS.join(", ")}` })
      .optional(),
  })
  .strict();

/** Who may read the failure queues (processor dead-letter queues, rule error queue). */
const failureQueuesSchema = z
  .object({
    /**
     * The one role that may receive and delete their messages (inspect, redrive); a role of the
     * environment's account. Only the processor's role (dead-letter queue) and the rule error
     * action's role (error queue) may send.
     */
    operatorRoleArn: z.string().regex(IAM_ROLE_ARN, { message: "must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)" }),
  })
  .strict();

/** The shadow API (modules/shadow-api): applications read a shadow, change its desired state at a version, page through its history. */
const apiSchema = z
  .object({
    enabled: z.boolean().default(false),
    /** Stage throttling for all callers together (an HTTP API has no usage plans). */
    throttling: z
      .object({
        rateLimit: z.number().positive({ message: "must be requests per second, greater than 0" }).max(10_000).default(50),
        burstLimit: z.number().int().min(1).max(5000).default(100),
      })
      .strict()
      .default({ rateLimit: 50, burstLimit: 100 }),
    /** Bearer tokens of an OIDC issuer instead of IAM (SigV4) on every route. @default IAM */
    jwt: z
      .object({
        issuer: z.string().regex(/^https:\/\/[^\s/]+(\/\S*)?$/, { message: "must be the https:// issuer URL (the token's iss claim)" }),
        audience: z.array(z.string().min(1)).min(1, { message: "list at least one audience (the token's aud or client_id)" }),
        readScopes: z.array(z.string().regex(/^\S+$/)).optional(),
        writeScopes: z.array(z.string().regex(/^\S+$/)).optional(),
      })
      .strict()
      .optional(),
    /** Reserved concurrency of the API's function; omit for the unreserved pool. */
    reservedConcurrency: z.number().int().min(1).optional(),
  })
  .strict();

export const IOT_LOG_LEVELS = ["DEBUG", "INFO", "WARN", "ERROR", "DISABLED"] as const;
export type IotLogLevelName = (typeof IOT_LOG_LEVELS)[number];

/** Defaults that depend on the environment class. */
const ERROR_LOG_RETENTION_DAYS: Readonly<Record<EnvironmentName, number>> = { dev: 14, staging: 90, prod: 365 };
const IOT_LOG_LEVEL: Readonly<Record<EnvironmentName, IotLogLevelName>> = { dev: "INFO", staging: "INFO", prod: "WARN" };

const alarmsSchema = z
  .object({
    processorErrors: positive("alarms.processorErrors").default(1),
    processorThrottles: positive("alarms.processorThrottles").default(1),
    deadLetterMessages: positive("alarms.deadLetterMessages").default(1),
    errorActionMessages: positive("alarms.errorActionMessages").default(1),
    invalidEvents: positive("alarms.invalidEvents").default(1),
    /** Buffered ingestion: alarm when the oldest queued update is this many seconds old. */
    queueAgeSeconds: z.number().int().min(60).max(1_209_600).default(300),
    /** Alarm when the p99 convergence latency (desired value to matching report) stays at or above this many seconds for 15 minutes. */
    convergenceLatencyP99Seconds: z.number().int().min(1).max(86_400).default(DEFAULT_CONVERGENCE_LATENCY_P99_SECONDS),
    /** Alarm when no shadow update arrived for this many minutes; omit to disable. */
    noUpdatesMinutes: z.number().int().min(5).max(1440).optional(),
    /** E-mail addresses subscribed to the alarm topic. */
    emailSubscriptions: z.array(z.email()).default([]),
  })
  .strict();

const stateSchema = z
  .object({
    bucket: awsName(AWS_NAME_RULES.s3Bucket),
    region: z.string().regex(AWS_REGION, { message: "must look like an AWS region, e.g. eu-west-1" }),
    /** Customer KMS key for state objects; omit for the bucket's default encryption. */
    kmsKeyArn: z.string().regex(KMS_KEY_ARN, { message: "must be a KMS key or alias ARN" }).optional(),
    /** Prefix of every state object key; the full key is <keyPrefix>/<stack>.tfstate. */
    keyPrefix: z.string().regex(/^[a-zA-Z0-9_./-]+$/).default("iot-shadow-platform"),
    /**
     * The administrators' role for the state bucket (required): it applies the bootstrap stack and is,
     * besides the CI plan and deploy roles, the only principal the bucket policy lets in. A role of the
     * environment's account, exact ARN with its path, no wildcards (README "Bootstrap remote state").
     */
    breakGlassRoleArn: z
      .string({ error: "required: the ARN of the role administrators use for the state bucket (arn:aws:iam::<account>:role/<name>); the bucket policy denies everyone else but the CI roles" })
      .regex(IAM_ROLE_ARN, { message: "must be an IAM role ARN without wildcards (arn:aws:iam::<account>:role/<name>, with the role's path if it has one)" }),
  })
  .strict();

/** The GitHub repository whose Actions workflows plan and apply this environment (stacks/ci-access-stack.ts). */
const ciSchema = z
  .object({
    githubOwner: z.string().regex(GITHUB_OWNER, { message: 'must be a GitHub user or organization name: letters, digits and single hyphens, at most 39 characters, e.g. "acme"' }),
    githubRepo: z.string().regex(GITHUB_REPO, { message: 'must be a GitHub repository name: letters, digits, ".", "_" and "-", at most 100 characters, e.g. "iot-shadow-platform"' }),
  })
  .strict();

const tagsSchema = namedRecord(AWS_NAME_RULES.tagKey, awsName(AWS_NAME_RULES.tagValue))
  .default({})
  .refine((tags) => Object.keys(tags).length <= MAX_TAGS_PER_RESOURCE - 4, {
    message: `at most ${MAX_TAGS_PER_RESOURCE - 4} extra tags (AWS allows ${MAX_TAGS_PER_RESOURCE}; 4 are set by the platform)`,
  });

export const environmentConfigSchema = z
  .object({
    environment: z.enum(ENVIRONMENT_NAMES),
    namePrefix,
    productLine,
    /**
     * The product line's thing-name space: every thing (and every fleet-provisioned thing) is named
     * `<thingNamePrefix>...`, and every topic rule matches only those names, so product lines sharing
     * an account and region never see each other's shadow traffic. No two environments of one account
     * and region may have overlapping prefixes.
     */
    thingNamePrefix: z
      .string()
      .regex(/^[a-zA-Z0-9:_-]{1,127}$/, { message: "must be 1-127 letters, digits, ':', '_' or '-' (the start of every thing name of the product line)" }),
    account: z
      .object({
        id: z.string().regex(AWS_ACCOUNT_ID, { message: "must be a 12-digit AWS account id (as a string)" }),
        region: z.string().regex(AWS_REGION, { message: "must look like an AWS region, e.g. eu-west-1" }),
        /** Role the provider assumes for deployment; omit to use the caller's credentials. */
        assumeRoleArn: z.string().regex(IAM_ROLE_ARN, { message: "must be an IAM role ARN" }).optional(),
      })
      .strict(),
    state: stateSchema,
    /** CI access (GitHub OIDC roles); every environment names the same repository, or none does. */
    ci: ciSchema.optional(),
    tags: tagsSchema,
    devices: devicesSchema,
    shadows: shadowsSchema.default({ classic: true, named: [] }),
    history: historySchema.default({ billingMode: "PAY_PER_REQUEST", tableClass: "STANDARD" }),
    processor: processorSchema.default({ memoryMb: 256, timeoutSeconds: 30, maximumRetryAttempts: 2, maximumEventAgeSeconds: 3600 }),
    extraProcessors: z.array(extraProcessorSchema).default([]),
    api: apiSchema.default({ enabled: false, throttling: { rateLimit: 50, burstLimit: 100 } }),
    rules: rulesSchema.default({ enabled: true, errorAction: "sqs", driftMetrics: true, ingestion: "direct" }),
    alarms: alarmsSchema.default({
      processorErrors: 1,
      processorThrottles: 1,
      deadLetterMessages: 1,
      errorActionMessages: 1,
      invalidEvents: 1,
      queueAgeSeconds: 300,
      convergenceLatencyP99Seconds: DEFAULT_CONVERGENCE_LATENCY_P99_SECONDS,
      emailSubscriptions: [],
    }),
    failureQueues: failureQueuesSchema,
    /** Account default AWS IoT log level; environments sharing an account and region must agree. @default "WARN" in prod, "INFO" elsewhere */
    iotLogLevel: z.enum(IOT_LOG_LEVELS).optional(),
    /** Put lifecycle.prevent_destroy on stateful resources. @default true in staging and prod */
    preventDestroy: z.boolean().optional(),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
    const { devices } = cfg;

    if (devices.certificateMode === "generate" && cfg.environment !== "dev") {
      issue(["devices", "certificateMode"], `"generate" puts key material in Terraform's reach and is allowed only in dev; use "csr" or "fleet-provisioning"`);
    }
    if (cfg.environment === "prod" && cfg.processor.logRetentionDays !== undefined && cfg.processor.logRetentionDays < 365) {
      issue(["processor", "logRetentionDays"], "prod keeps logs at least 365 days (CKV_AWS_338); use 365 or more");
    }
    if (cfg.environment === "prod" && cfg.history.deletionProtection === false) {
      issue(["history", "deletionProtection"], "deletion protection cannot be turned off in prod");
    }
    if (cfg.environment === "prod" && cfg.history.ttlDays === undefined) {
      issue(["history", "ttlDays"], 'prod must choose how long shadow history is kept: a number of days (1-3650), or "none" to keep it forever');
    }
    if (cfg.environment === "prod" && cfg.rules.errorLogRetentionDays !== undefined && cfg.rules.errorLogRetentionDays < 365) {
      issue(["rules", "errorLogRetentionDays"], "prod keeps logs at least 365 days (CKV_AWS_338); use 365 or more");
    }
    if (cfg.environment === "prod" && cfg.iotLogLevel === "DEBUG") {
      issue(["iotLogLevel"], 'DEBUG logs every connection, message and rule evaluation of the whole account; use "WARN" (default), "ERROR" or "INFO" in prod');
    }
    const breakGlassAccount = cfg.state.breakGlassRoleArn.split(":")[4];
    if (breakGlassAccount !== cfg.account.id) {
      issue(["state", "breakGlassRoleArn"], `is a role of account ${breakGlassAccount}; use a role of account ${cfg.account.id}, which owns the state bucket`);
    }
    const operatorAccount = cfg.failureQueues.operatorRoleArn.split(":")[4];
    if (operatorAccount !== cfg.account.id) {
      issue(["failureQueues", "operatorRoleArn"], `is a role of account ${operatorAccount}; use a role of account ${cfg.account.id}, which owns the queues`);
    }
    if (cfg.history.billingMode === "PROVISIONED" && !cfg.history.provisioned) {
      issue(["history", "provisioned"], "billingMode PROVISIONED needs provisioned.readCapacity, writeCapacity and maxCapacity");
    }

    const keyGeneration = devices.certificateMode === "generate";
    const fleet = devices.fleetProvisioning.enabled || devices.certificateMode === "fleet-provisioning";
    if (fleet && devices.thingType.name.length > 127) {
      issue(["devices", "thingType", "name"], "fleet provisioning names things <thingType>-<serial>; keep the thing type name at most 127 characters");
    }
    if (fleet && !`${devices.thingType.name}-`.startsWith(cfg.thingNamePrefix)) {
      issue(
        ["thingNamePrefix"],
        `fleet provisioning names things "${devices.thingType.name}-<serial>", which do not start with thingNamePrefix "${cfg.thingNamePrefix}"; the rules would drop their updates. Use a prefix of "${devices.thingType.name}-"`,
      );
    }

    // Groups (cycles, depth, parents), things (names, attributes, groups, CSRs), policy attachment: DeviceIdentity's rules.
    for (const i of issuesAt(["devices"], deviceInventoryIssues(devices))) issue([...i.path], i.message);
    // Device shards: how many things one stack holds.
    const thingNames = devices.things.map((t) => t.name);
    // A shard count out of range is already reported by its field rule.
    const validShards = devices.shardSize >= 1 && (devices.shards === undefined || (Number.isInteger(devices.shards) && devices.shards >= 1 && devices.shards <= MAX_SHARDS));
    if (validShards) for (const i of issuesAt(["devices"], shardIssues({ thingNames, shards: devices.shards, shardSize: devices.shardSize }))) issue([...i.path], i.message);
    if (devices.shards !== undefined && keyGeneration) {
      issue(["devices", "shards"], `certificateMode "generate" keeps devices in the platform stack (each key parameter sits next to its certificate); drop shards or use certificateMode "csr"`);
    }

    devices.things.forEach((t, i) => {
      if (!t.name.startsWith(cfg.thingNamePrefix)) {
        issue(["devices", "things", i, "name"], `thing "${t.name}" does not start with thingNamePrefix "${cfg.thingNamePrefix}"; the topic rules would drop its shadow updates. Rename it or change thingNamePrefix`);
      }
      if (keyGeneration && t.name.includes(":")) issue(["devices", "things", i, "name"], `thing "${t.name}": ':' is not allowed when keys are generated (the key's SSM parameter path uses the thing name)`);
    });
    const provisioned = cfg.history.provisioned;
    if (provisioned && provisioned.maxCapacity < Math.max(provisioned.readCapacity, provisioned.writeCapacity)) {
      issue(["history", "provisioned", "maxCapacity"], "must be at least readCapacity and writeCapacity (autoscaling's upper bound)");
    }
    const buffer = cfg.rules.buffer;
    if (buffer && cfg.rules.ingestion !== "buffered") {
      issue(["rules", "buffer"], 'applies only to buffered ingestion; set rules.ingestion to "buffered" or drop rules.buffer');
    }
    if (buffer && buffer.batchSize > 10 && buffer.maximumBatchingWindowSeconds < 1) {
      issue(["rules", "buffer", "maximumBatchingWindowSeconds"], `must be at least 1 with batchSize ${buffer.batchSize} (SQS allows a batch above 10 only with a batching window)`);
    }
    if (buffer?.visibilityTimeoutSeconds !== undefined) {
      const minimum = minimumVisibilityTimeoutSeconds(cfg.processor.timeoutSeconds, buffer.maximumBatchingWindowSeconds);
      if (buffer.visibilityTimeoutSeconds < minimum) {
        issue(
          ["rules", "buffer", "visibilityTimeoutSeconds"],
          `is ${buffer.visibilityTimeoutSeconds}, below 6 x processor.timeoutSeconds (${cfg.processor.timeoutSeconds}) + maximumBatchingWindowSeconds (${buffer.maximumBatchingWindowSeconds}) = ${minimum}: ` +
            "a batch still running would be received again. Raise it to at least that, or omit it for the minimum",
        );
      }
    }
    const reserved = cfg.processor.reservedConcurrency;
    if (cfg.rules.ingestion === "buffered" && reserved !== undefined && (buffer?.maximumConcurrency ?? 10) > reserved) {
      issue(
        ["rules", "buffer", "maximumConcurrency"],
        `is ${buffer?.maximumConcurrency ?? 10}, above processor.reservedConcurrency (${reserved}): the event source mapping would be throttled. Use at most ${reserved}`,
      );
    }
    // The shadows feed ShadowRules (routing) and DeviceIdentity (the device policy): their shared rules.
    for (const i of issuesAt(["shadows"], shadowSelectionIssues(cfg.shadows))) issue([...i.path], i.message);
    // The history processor comes first (id shadow-history), then the product line's own.
    for (const i of processorIdIssues([HISTORY_PROCESSOR_ID, ...cfg.extraProcessors.map((p) => p.id)])) {
      issue(["extraProcessors", Number(i.path[0]) - 1, "id"], i.message);
    }
  });

/** What an environment file contains (defaults may be omitted). */
export type EnvironmentConfigInput = z.input<typeof environmentConfigSchema>;

type Parsed = z.output<typeof environmentConfigSchema>;

/** A validated environment with every environment-dependent default resolved. */
export interface EnvironmentConfig extends Omit<Parsed, "history" | "processor" | "rules" | "iotLogLevel" | "preventDestroy"> {
  /** The environment's label (its key in environments/index.ts, the file name): how errors spanning environments name it. */
  readonly label: string;
  /** `ttlDays` is a number of days, or undefined to keep history forever ("none" or omitted outside prod). */
  readonly history: Omit<Parsed["history"], "ttlDays"> & { readonly ttlDays?: number; readonly deletionProtection: boolean };
  readonly processor: Parsed["processor"] & { readonly logRetentionDays: number };
  readonly rules: Omit<Parsed["rules"], "buffer"> & { readonly errorLogRetentionDays: number; readonly buffer?: ResolvedBufferConfig };
  readonly iotLogLevel: IotLogLevelName;
  readonly preventDestroy: boolean;
}

/** rules.buffer with every default resolved; present exactly when rules.ingestion is "buffered". */
export type ResolvedBufferConfig = Required<z.output<typeof bufferSchema>>;

/**
 * A mistake in the environment files, with a message that names the environment, the field and the
 * fix. `npm run synth` (main.ts) prints that message alone and exits 1: no stack trace, no object dump.
 */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

export class EnvironmentConfigError extends ConfigError {
  constructor(
    readonly environment: string,
    readonly problems: readonly { field: string; message: string }[],
  ) {
    super(
      `Invalid environment config "${environment}":\n` +
        problems.map((p) => `  - ${p.field}: ${p.message}`).join("\n") +
        `\nFix the field(s) above in environments/${environment}.ts.`,
    );
    this.name = "EnvironmentConfigError";
  }
}

function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => (typeof key === "number" ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), "") || "(root)";
}

/**
 * Validates an environment file and resolves environment-class defaults.
 * @param label name used in error messages, e.g. the file name ("dev", "hvac-dev")
 */
export function resolveEnvironment(input: unknown, label?: string): EnvironmentConfig {
  const name = label ?? (typeof input === "object" && input && "environment" in input ? String((input as { environment: unknown }).environment) : "unknown");
  const parsed = environmentConfigSchema.safeParse(input);
  if (!parsed.success) {
    throw new EnvironmentConfigError(
      name,
      parsed.error.issues.map((i) => ({ field: fieldPath(i.path), message: i.message })),
    );
  }
  const cfg = parsed.data;
  const isProd = cfg.environment === "prod";
  const { ttlDays, ...history } = cfg.history;
  const { buffer: bufferInput, ...rules } = cfg.rules;
  const buffer = cfg.rules.ingestion === "buffered" ? resolveBuffer(bufferInput ?? bufferSchema.parse({}), cfg.processor.timeoutSeconds) : undefined;
  return {
    ...cfg,
    label: name,
    history: { ...history, ...(typeof ttlDays === "number" ? { ttlDays } : {}), deletionProtection: cfg.history.deletionProtection ?? isProd },
    processor: { ...cfg.processor, logRetentionDays: cfg.processor.logRetentionDays ?? (isProd ? 365 : 30) },
    rules: { ...rules, errorLogRetentionDays: cfg.rules.errorLogRetentionDays ?? ERROR_LOG_RETENTION_DAYS[cfg.environment], ...(buffer ? { buffer } : {}) },
    iotLogLevel: cfg.iotLogLevel ?? IOT_LOG_LEVEL[cfg.environment],
    preventDestroy: cfg.preventDestroy ?? cfg.environment !== "dev",
  };
}

function resolveBuffer(buffer: z.output<typeof bufferSchema>, functionTimeoutSeconds: number): ResolvedBufferConfig {
  return {
    ...buffer,
    visibilityTimeoutSeconds: buffer.visibilityTimeoutSeconds ?? minimumVisibilityTimeoutSeconds(functionTimeoutSeconds, buffer.maximumBatchingWindowSeconds),
  };
}

/**
 * Checks rules that span environments: stack and resource names must not collide. Every name is
 * `<namePrefix>-<environment>-...` (lib/naming.ts), so two environments of one class (a second
 * staging, say) need their own namePrefix. Throws naming both environments by label and the fix.
 */
export function assertDistinctEnvironments(configs: readonly EnvironmentConfig[]): void {
  const seen = new Map<string, EnvironmentConfig>();
  for (const c of configs) {
    const base = new Naming(c).base;
    const other = seen.get(base);
    if (other) {
      const suggestion = `${c.namePrefix}${c.label.toLowerCase().replace(/[^a-z0-9]/g, "")}`.slice(0, 10);
      throw new ConfigError(
        `Environments "${other.label}" and "${c.label}" both have namePrefix "${c.namePrefix}" and environment "${c.environment}", so their stacks and resources ` +
          `would share the names "${base}-...". Give "${c.label}" its own namePrefix in environments/${c.label}.ts (2-10 lowercase letters or digits, e.g. "${suggestion}")`,
      );
    }
    seen.set(base, c);
  }
}

/** True when some thing name starts with both prefixes (one is a prefix of the other). */
export function thingNamePrefixesOverlap(a: string, b: string): boolean {
  return a.startsWith(b) || b.startsWith(a);
}

/**
 * Checks what environments sharing an account and region must agree on: each
 * owns a thing-name space no other one overlaps (the topic rules of both would
 * otherwise store and count each other's shadow updates), creates no thing type,
 * thing group or metric namespace another one creates (AWS keeps one of a name per
 * account and region), and the account's one IoT log level. Throws naming both
 * environments and the field.
 * @param configs resolved environments keyed by label (the file name)
 */
export function assertAccountIsolation(configs: Readonly<Record<string, EnvironmentConfig>>): void {
  const entries = Object.entries(configs);
  const problems: string[] = [];
  entries.forEach(([labelA, a], i) => {
    for (const [labelB, b] of entries.slice(i + 1)) {
      if (a.account.id !== b.account.id || a.account.region !== b.account.region) continue;
      const where = `Environments "${labelA}" and "${labelB}" share account ${a.account.id} in ${a.account.region}`;
      if (thingNamePrefixesOverlap(a.thingNamePrefix, b.thingNamePrefix)) {
        problems.push(
          `${where}, but thingNamePrefix "${a.thingNamePrefix}" and "${b.thingNamePrefix}" overlap: the topic rules of both would store and count each other's shadow updates. ` +
            `Give each a prefix that does not start with the other (environments/${labelA}.ts or environments/${labelB}.ts)`,
        );
      }
      // Names AWS keeps per account and region that each environment's stacks create (not derived from namePrefix).
      if (a.devices.thingType.name === b.devices.thingType.name) {
        problems.push(
          `${where}, and both create thing type "${a.devices.thingType.name}" (devices.thingType.name): one account and region has one thing type of a name. ` +
            `Put environments/${labelB}.ts in another region, or give it its own thing type`,
        );
      }
      const groupsA = new Set(a.devices.groups.map((g) => g.name));
      const sharedGroups = b.devices.groups.map((g) => g.name).filter((n) => groupsA.has(n));
      if (sharedGroups.length > 0) {
        problems.push(
          `${where}, and both create thing group(s) ${sharedGroups.map((n) => `"${n}"`).join(", ")} (devices.groups). ` +
            `Rename them in environments/${labelB}.ts (and where its things and policyGroup name them), or put it in another region`,
        );
      }
      const namespace = new Naming(a).metricNamespace;
      if (namespace === new Naming(b).metricNamespace) {
        problems.push(
          `${where}, and both publish metrics to namespace "${namespace}" (productLine "${a.productLine}", environment "${a.environment}"), ` +
            `so the alarms and dashboard of each would count the other's shadow updates. Put environments/${labelB}.ts in another region`,
        );
      }
      if (a.iotLogLevel !== b.iotLogLevel) {
        problems.push(
          `${where}, whose IoT log level is one account-wide setting, but iotLogLevel is "${a.iotLogLevel}" and "${b.iotLogLevel}". ` +
            `Set the same iotLogLevel in environments/${labelA}.ts and environments/${labelB}.ts`,
        );
      }
    }
  });
  if (problems.length > 0) throw new ConfigError(problems.join("\n"));
}
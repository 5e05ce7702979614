/**
 * Account baseline: the account- and region-wide AWS IoT settings (fleet indexing,
 * v2 logging and its role, registry event configurations). Exactly one stack per
 * account and region may own them; see singletons.ts for the check.
 */
import { Construct } from "constructs";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IotEventConfigurations } from "@cdktf/provider-aws/lib/iot-event-configurations";
import { IotIndexingConfiguration } from "@cdktf/provider-aws/lib/iot-indexing-configuration";
import { IotLoggingOptions } from "@cdktf/provider-aws/lib/iot-logging-options";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { IAM_ROLE_ARN, KMS_KEY_ARN, assertName } from "../../lib/aws-names";
import { assertAccountAndRegion } from "../../lib/validate";
import { ServiceKey } from "../../lib/kms";
import {
  DEFAULT_EVENT_CONFIGURATIONS,
  DEFAULT_LOG_RETENTION_DAYS,
  DEFAULT_MAX_NAMED_SHADOW_FILTER,
  IOT_EVENT_TYPES,
  IOT_LOG_GROUP,
  IotEventType,
  LOG_RETENTION_DAYS,
} from "./defaults";
import { AwsPartition, loggingPermissionsPolicy, loggingTrustPolicy } from "./logging-role";

export * from "./defaults";
export * from "./logging-role";
export * from "./singletons";

export type ThingIndexingMode = "OFF" | "REGISTRY" | "REGISTRY_AND_SHADOW";
export type ThingConnectivityIndexingMode = "OFF" | "STATUS";
export type ThingGroupIndexingMode = "OFF" | "ON";
export type IotLogLevel = "DEBUG" | "INFO" | "ERROR" | "WARN" | "DISABLED";
export type IndexingCustomFieldType = "Number" | "String" | "Boolean";

/** A typed field for fleet aggregation queries (statistics, percentiles, bucketing). */
export interface IndexingCustomField {
  /** e.g. "shadow.reported.temperature", "shadow.name.climate.reported.temperature", "attributes.model". */
  readonly name: string;
  readonly type: IndexingCustomFieldType;
}

/** Overrides for the logging role this construct creates. */
export interface AccountBaselineLoggingRoleProps {
  /** @default "<namePrefix>-iot-logging" */
  readonly name?: string;
  /** Permissions boundary some organisations require on every role. @default none */
  readonly permissionsBoundaryArn?: string;
}

/** Overrides for the AWSIotLogsV2 log group this construct creates. */
export interface AccountBaselineLogGroupProps {
  /** One of the CloudWatch Logs retention values. @default 365 */
  readonly retentionInDays?: number;
  /** Existing customer managed key (its key policy must allow logs.<region>.amazonaws.com for AWSIotLogsV2). @default a key is created for the log group */
  readonly kmsKeyArn?: string;
}

export interface AccountBaselineProps {
  /** Hyphenated prefix of created names, e.g. "iot-111111111111-eu-west-1". */
  readonly namePrefix: string;
  /** 12-digit account the settings apply to; the logging role trusts IoT only on its behalf. */
  readonly accountId: string;
  /** Region the settings apply to, e.g. "eu-west-1" (must match the stack's provider). */
  readonly region: string;
  /** @default "aws" */
  readonly partition?: AwsPartition;
  /**
   * Named shadows to index: the union over every environment in this account and region.
   * Order and duplicates do not matter (sorted and de-duplicated).
   */
  readonly namedShadowNames: readonly string[];
  /** Quota of the named shadow filter; raise only after a Service Quotas increase. @default 10 */
  readonly maxNamedShadowNames?: number;
  /** @default "REGISTRY_AND_SHADOW" */
  readonly thingIndexing?: ThingIndexingMode;
  /** @default "STATUS" */
  readonly thingConnectivityIndexing?: ThingConnectivityIndexingMode;
  /** Index the named shadows listed in namedShadowNames. @default true when namedShadowNames is non-empty */
  readonly namedShadowIndexing?: boolean;
  /** @default "ON" */
  readonly thingGroupIndexing?: ThingGroupIndexingMode;
  /** Typed fields for aggregation queries. @default [] */
  readonly customFields?: readonly IndexingCustomField[];
  /** Account default log level (INFO suits dev accounts, WARN or ERROR prod). @default "WARN" */
  readonly logLevel?: IotLogLevel;
  /** Per event type; keys given here override DEFAULT_EVENT_CONFIGURATIONS one by one. @default DEFAULT_EVENT_CONFIGURATIONS */
  readonly eventConfigurations?: Partial<Record<IotEventType, boolean>>;
  /**
   * Create AWSIotLogsV2 with retention before IoT creates it without one. Set false when the
   * account already has the group and you do not import it. @default true
   */
  readonly manageLogGroup?: boolean;
  /** Overrides for the created log group; not with `manageLogGroup: false`. @default {} */
  readonly logGroup?: AccountBaselineLogGroupProps;
  /** `lifecycle.prevent_destroy` on every resource of the baseline. @default true */
  readonly preventDestroy?: boolean;
  /** Use this role for logging instead of creating one; do not combine with `loggingRole`. @default none (a role is created) */
  readonly existingLoggingRoleArn?: string;
  /** Overrides for the created logging role; do not combine with `existingLoggingRoleArn`. @default {} */
  readonly loggingRole?: AccountBaselineLoggingRoleProps;
}

const NAME_PREFIX = /^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$/;
const CUSTOM_FIELD_NAME = /^(attributes|shadow|deviceDefender)\.[A-Za-z0-9_.:$@-]+$/;
const CUSTOM_FIELD_TYPES: readonly IndexingCustomFieldType[] = ["Number", "String", "Boolean"];
const LOG_LEVELS: readonly IotLogLevel[] = ["DEBUG", "INFO", "ERROR", "WARN", "DISABLED"];

function oneOf<T extends string>(value: T, allowed: readonly T[], field: string): T {
  if (!allowed.includes(value)) throw new Error(`AccountBaseline: ${field} "${value}" is invalid; allowed: ${allowed.join(", ")}`);
  return value;
}

export class AccountBaseline extends Construct {
  readonly indexing: IotIndexingConfiguration;
  readonly loggingOptions: IotLoggingOptions;
  /** Undefined when `existingLoggingRoleArn` was given. */
  readonly loggingRole?: IamRole;
  readonly loggingRolePolicy?: IamRolePolicy;
  /** ARN IoT logs with (created or existing). */
  readonly loggingRoleArn: string;
  readonly eventConfigurations: IotEventConfigurations;
  /** AWSIotLogsV2; undefined with `manageLogGroup: false`. */
  readonly logGroup?: CloudwatchLogGroup;
  /** The key created for AWSIotLogsV2; undefined with `logGroup.kmsKeyArn` or `manageLogGroup: false`. */
  readonly logGroupKey?: KmsKey;
  /** The named shadows actually indexed (sorted, de-duplicated). */
  readonly namedShadowNames: readonly string[];

  constructor(scope: Construct, id: string, props: AccountBaselineProps) {
    super(scope, id);
    const p = validate(props);
    // Omitted rather than false, so a stack-level applyPreventDestroy stays the single switch.
    const lifecycle = (props.preventDestroy ?? true) ? { preventDestroy: true } : undefined;
    this.namedShadowNames = p.namedShadowNames;

    this.indexing = new IotIndexingConfiguration(this, "indexing", {
      thingIndexingConfiguration: {
        thingIndexingMode: p.thingIndexing,
        thingConnectivityIndexingMode: p.thingConnectivityIndexing,
        namedShadowIndexingMode: p.namedShadowIndexing ? "ON" : "OFF",
        // The filter is required when named shadow indexing is ON and meaningless otherwise.
        filter: p.namedShadowIndexing ? { namedShadowNames: [...p.namedShadowNames] } : undefined,
        customField: p.customFields.length > 0 ? p.customFields.map((f) => ({ name: f.name, type: f.type })) : undefined,
      },
      thingGroupIndexingConfiguration: { thingGroupIndexingMode: p.thingGroupIndexing },
      lifecycle,
    });

    if (props.existingLoggingRoleArn !== undefined) {
      this.loggingRoleArn = props.existingLoggingRoleArn;
    } else {
      const scopeArgs = { partition: props.partition ?? "aws", region: props.region, accountId: props.accountId } as const;
      this.loggingRole = new IamRole(this, "logging_role", {
        name: p.loggingRoleName,
        description: "Assumed by AWS IoT to write v2 logs to CloudWatch Logs (AWSIotLogsV2)",
        assumeRolePolicy: loggingTrustPolicy(scopeArgs),
        permissionsBoundary: props.loggingRole?.permissionsBoundaryArn,
        lifecycle,
      });
      this.loggingRolePolicy = new IamRolePolicy(this, "logging_role_policy", {
        name: "iot-logs-v2",
        role: this.loggingRole.id,
        policy: loggingPermissionsPolicy(scopeArgs),
        lifecycle,
      });
      this.loggingRoleArn = this.loggingRole.arn;
    }

    if (p.manageLogGroup) {
      let kmsKeyArn = props.logGroup?.kmsKeyArn;
      if (kmsKeyArn === undefined) {
        const key = new ServiceKey(this, { key: "log_group_key", alias: "log_group_key_alias" }, {
          description: `${IOT_LOG_GROUP} (AWS IoT v2 logs) of this account and region`,
          aliasName: p.logGroupKeyAlias,
          accountId: props.accountId,
          region: props.region,
          partition: props.partition ?? "aws",
          grants: [{ kind: "cloudwatch-logs", logGroupName: IOT_LOG_GROUP }],
          preventDestroy: props.preventDestroy ?? true,
        });
        this.logGroupKey = key.key;
        kmsKeyArn = key.arn;
      }
      this.logGroup = new CloudwatchLogGroup(this, "log_group", {
        name: IOT_LOG_GROUP,
        retentionInDays: p.logRetentionDays,
        kmsKeyId: kmsKeyArn,
        lifecycle,
      });
    }

    // IoT checks that it can assume the role when the options are set; the group must exist
    // before the first log line or IoT creates it without retention.
    const before = [this.loggingRolePolicy, this.logGroup].filter((r) => r !== undefined);
    this.loggingOptions = new IotLoggingOptions(this, "logging_options", {
      defaultLogLevel: p.logLevel,
      disableAllLogs: p.logLevel === "DISABLED",
      roleArn: this.loggingRoleArn,
      dependsOn: before.length > 0 ? before : undefined,
      lifecycle,
    });

    this.eventConfigurations = new IotEventConfigurations(this, "event_configurations", {
      eventConfigurations: { ...p.eventConfigurations },
      lifecycle,
    });
  }
}

interface Resolved {
  readonly namedShadowNames: readonly string[];
  readonly thingIndexing: ThingIndexingMode;
  readonly thingConnectivityIndexing: ThingConnectivityIndexingMode;
  readonly namedShadowIndexing: boolean;
  readonly thingGroupIndexing: ThingGroupIndexingMode;
  readonly customFields: readonly IndexingCustomField[];
  readonly logLevel: IotLogLevel;
  readonly eventConfigurations: Readonly<Record<IotEventType, boolean>>;
  readonly loggingRoleName: string;
  readonly manageLogGroup: boolean;
  readonly logRetentionDays: number;
  readonly logGroupKeyAlias: string;
}

function validate(props: AccountBaselineProps): Resolved {
  if (!NAME_PREFIX.test(props.namePrefix ?? "")) {
    throw new Error(`AccountBaseline: namePrefix "${props.namePrefix}" is invalid; use letters and digits joined by single hyphens, e.g. "iot-111111111111-eu-west-1"`);
  }
  // Required here (they name the account-wide resources), so an absent value is checked as "".
  assertAccountAndRegion("AccountBaseline", { accountId: props.accountId ?? "", region: props.region ?? "" });
  oneOf(props.partition ?? "aws", ["aws", "aws-cn", "aws-us-gov"], "partition");

  if (props.existingLoggingRoleArn !== undefined && props.loggingRole !== undefined) {
    throw new Error("AccountBaseline: pass either existingLoggingRoleArn (use your role) or loggingRole (overrides for a new role), not both; drop one of them");
  }
  if (props.existingLoggingRoleArn !== undefined && !IAM_ROLE_ARN.test(props.existingLoggingRoleArn)) {
    throw new Error(`AccountBaseline: existingLoggingRoleArn "${props.existingLoggingRoleArn}" is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)`);
  }
  const loggingRoleName = assertName("iamRole", props.loggingRole?.name ?? `${props.namePrefix}-iot-logging`, "AccountBaseline: loggingRole.name (shorten namePrefix or set loggingRole.name)");

  if (!Array.isArray(props.namedShadowNames)) throw new Error("AccountBaseline: namedShadowNames must be an array of shadow names (use [] when no environment uses named shadows)");
  props.namedShadowNames.forEach((n) => assertName("iotShadow", n, "AccountBaseline: namedShadowNames"));
  const namedShadowNames = [...new Set(props.namedShadowNames)].sort();
  const max = props.maxNamedShadowNames ?? DEFAULT_MAX_NAMED_SHADOW_FILTER;
  if (!Number.isInteger(max) || max < 1) throw new Error(`AccountBaseline: maxNamedShadowNames must be a positive integer, got ${max}`);
  if (namedShadowNames.length > max) {
    throw new Error(
      `AccountBaseline: namedShadowNames has ${namedShadowNames.length} names but the fleet indexing filter allows ${max}; ` +
        "index fewer named shadows, or raise the quota in Service Quotas and set maxNamedShadowNames",
    );
  }

  const thingIndexing = oneOf(props.thingIndexing ?? "REGISTRY_AND_SHADOW", ["OFF", "REGISTRY", "REGISTRY_AND_SHADOW"], "thingIndexing");
  const thingConnectivityIndexing = oneOf(props.thingConnectivityIndexing ?? "STATUS", ["OFF", "STATUS"], "thingConnectivityIndexing");
  const thingGroupIndexing = oneOf(props.thingGroupIndexing ?? "ON", ["OFF", "ON"], "thingGroupIndexing");
  const namedShadowIndexing = props.namedShadowIndexing ?? namedShadowNames.length > 0;
  if (namedShadowIndexing && namedShadowNames.length === 0) {
    throw new Error("AccountBaseline: namedShadowIndexing is true but namedShadowNames is empty; AWS requires the shadow names in the filter. List them or set namedShadowIndexing: false");
  }
  if (!namedShadowIndexing && namedShadowNames.length > 0 && props.namedShadowIndexing === false) {
    throw new Error("AccountBaseline: namedShadowNames are given but namedShadowIndexing is false; drop the names or enable namedShadowIndexing");
  }
  if (namedShadowIndexing && thingIndexing !== "REGISTRY_AND_SHADOW") {
    throw new Error(`AccountBaseline: named shadow indexing needs thingIndexing "REGISTRY_AND_SHADOW", got "${thingIndexing}"`);
  }
  if (thingIndexing === "OFF" && thingConnectivityIndexing !== "OFF") {
    throw new Error('AccountBaseline: thingConnectivityIndexing needs thing indexing; set thingConnectivityIndexing: "OFF" or enable thingIndexing');
  }

  const customFields = props.customFields ?? [];
  const seen = new Set<string>();
  for (const f of customFields) {
    if (!CUSTOM_FIELD_NAME.test(f.name)) {
      throw new Error(`AccountBaseline: customFields name "${f.name}" is invalid; use "attributes.<name>", "shadow.reported.<path>" or "shadow.name.<shadow>.reported.<path>"`);
    }
    oneOf(f.type, CUSTOM_FIELD_TYPES, `customFields "${f.name}" type`);
    if (seen.has(f.name)) throw new Error(`AccountBaseline: customFields lists "${f.name}" twice; keep one`);
    seen.add(f.name);
  }
  if (customFields.some((f) => f.name.startsWith("shadow.")) && thingIndexing !== "REGISTRY_AND_SHADOW") {
    throw new Error('AccountBaseline: shadow custom fields need thingIndexing "REGISTRY_AND_SHADOW"');
  }

  const logLevel = oneOf(props.logLevel ?? "WARN", LOG_LEVELS, "logLevel");

  const manageLogGroup = props.manageLogGroup ?? true;
  if (!manageLogGroup && props.logGroup !== undefined) {
    throw new Error("AccountBaseline: logGroup overrides need manageLogGroup: true; drop logGroup or manageLogGroup: false");
  }
  const logRetentionDays = props.logGroup?.retentionInDays ?? DEFAULT_LOG_RETENTION_DAYS;
  if (!LOG_RETENTION_DAYS.includes(logRetentionDays)) {
    throw new Error(`AccountBaseline: logGroup.retentionInDays ${logRetentionDays} is not a CloudWatch Logs retention; allowed: ${LOG_RETENTION_DAYS.join(", ")}`);
  }
  if (props.logGroup?.kmsKeyArn !== undefined && !KMS_KEY_ARN.test(props.logGroup.kmsKeyArn)) {
    throw new Error(`AccountBaseline: logGroup.kmsKeyArn "${props.logGroup.kmsKeyArn}" is not a KMS key ARN`);
  }

  const overrides = props.eventConfigurations ?? {};
  for (const [key, value] of Object.entries(overrides)) {
    if (!(IOT_EVENT_TYPES as readonly string[]).includes(key)) {
      throw new Error(`AccountBaseline: eventConfigurations key "${key}" is not an IoT event type; allowed: ${IOT_EVENT_TYPES.join(", ")}`);
    }
    if (typeof value !== "boolean") throw new Error(`AccountBaseline: eventConfigurations.${key} must be true or false`);
  }
  const eventConfigurations = { ...DEFAULT_EVENT_CONFIGURATIONS, ...overrides };

  return {
    namedShadowNames,
    thingIndexing,
    thingConnectivityIndexing,
    namedShadowIndexing,
    thingGroupIndexing,
    customFields,
    logLevel,
    eventConfigurations,
    loggingRoleName,
    manageLogGroup,
    logRetentionDays,
    logGroupKeyAlias: assertName("kmsAlias", `alias/${props.namePrefix}-iot-logs`, "AccountBaseline: namePrefix (log group key alias; shorten namePrefix)"),
  };
}

/**
 * Customer managed KMS keys, in one place: every module that encrypts with its
 * own key gets it from here, so rotation, deletion window, alias rules and the
 * key policy cannot drift between modules.
 *
 * The key policy is "IAM policies of this account decide" (the account root
 * statement) plus only the grants IAM cannot express: services that use the
 * key as their own principal. DynamoDB, SQS, Lambda and SSM use the key on the
 * caller's behalf, so they need no grant here, only the caller's IAM policy.
 */
import { Construct } from "constructs";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { KMS_KEY_ARN } from "./aws-names";
import { assertAccountAndRegion, assertNameIfLiteral, isLiteral } from "./validate";

/** A principal other than the account that may use the key. */
export type KeyGrant =
  /** CloudWatch Logs encrypts this log group of the key's account and region (scoped by `kms:EncryptionContext:aws:logs:arn`). */
  | { readonly kind: "cloudwatch-logs"; readonly logGroupName: string }
  /** A service principal, e.g. `cloudwatch.amazonaws.com` publishing alarms to an encrypted SNS topic. */
  | {
      readonly kind: "service";
      readonly sid: string;
      readonly service: string;
      readonly actions: readonly string[];
      /** Only on behalf of this account (`aws:SourceAccount`, confused-deputy protection). @default no condition */
      readonly sourceAccount?: string;
      /** Only on behalf of resources matching this ARN pattern (`aws:SourceArn`, ArnLike). @default no condition */
      readonly sourceArnLike?: string;
    }
  /**
   * An IAM role of the account that may use the key only through one AWS service (`kms:ViaService`), e.g. the
   * role an IoT rule sends to an SSE-KMS queue with: the key policy names the role, not just the account.
   */
  | {
      readonly kind: "role-via-service";
      readonly sid: string;
      readonly roleArn: string;
      /** Service endpoint prefix, e.g. "sqs" for `sqs.<region>.<dnsSuffix>`. */
      readonly service: string;
      readonly actions: readonly string[];
    };

export type KeyGrantKind = KeyGrant["kind"];

/** Construct ids of the key and alias, created directly in the caller's scope so existing Terraform addresses stay. */
export interface ServiceKeyConstructIds {
  readonly key: string;
  readonly alias: string;
}

export interface ServiceKeyProps {
  readonly description: string;
  /** `alias/...`; checked against the KMS alias rules. */
  readonly aliasName: string;
  /** Account whose IAM policies govern the key (a token is fine). */
  readonly accountId: string;
  /** Needed only with a cloudwatch-logs grant (the log group ARN and the logs principal). @default undefined */
  readonly region?: string;
  /** @default "aws" */
  readonly partition?: string;
  /** Domain of service principals, e.g. `data.aws_partition.dns_suffix`. @default "amazonaws.com.cn" in aws-cn, else "amazonaws.com" */
  readonly dnsSuffix?: string;
  /** @default [] (only the account statement) */
  readonly grants?: readonly KeyGrant[];
  /** 7-30 days. @default 30 */
  readonly deletionWindowInDays?: number;
  /** Sets `lifecycle.prevent_destroy` on the key (omitted when false, so a stack-level aspect stays the one switch). @default false */
  readonly preventDestroy?: boolean;
  /** A complete key policy replacing the generated one; never together with grants. @default the generated policy */
  readonly policy?: string;
}

export const KMS_DELETION_WINDOW_DAYS = { min: 7, max: 30, default: 30 } as const;
export const ACCOUNT_STATEMENT_SID = "EnableIamPoliciesOfThisAccount";
export const LOGS_STATEMENT_SID = "AllowCloudWatchLogsForItsLogGroups";
/** What CloudWatch Logs needs on a key (CloudWatch Logs user guide, encrypt log data). */
export const LOGS_KEY_ACTIONS = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"] as const;

const PARTITIONS = ["aws", "aws-cn", "aws-us-gov"];
const SID = /^[A-Za-z0-9]{1,100}$/;
const SERVICE_PRINCIPAL = /^[a-z0-9-]+(\.[a-z0-9-]+)*\.amazonaws\.com(\.cn)?$/;
const KMS_ACTION = /^kms:[A-Za-z*]+$/;

const literal = isLiteral;

/** Returns a problem description, or undefined when `days` is a valid deletion window. */
export function checkDeletionWindow(days: number): string | undefined {
  const { min, max } = KMS_DELETION_WINDOW_DAYS;
  return Number.isInteger(days) && days >= min && days <= max ? undefined : `must be a whole number from ${min} to ${max}, got ${days}`;
}

/** A key ARN (`...:key/<id>`), not an alias: IAM `Resource` elements and grants need the key itself. */
export function isKmsKeyArn(value: string): boolean {
  return KMS_KEY_ARN.test(value) && value.includes(":key/");
}

interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: "Allow";
  readonly Principal: { readonly AWS: string } | { readonly Service: string };
  readonly Action: string | readonly string[];
  readonly Resource: "*";
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

export type KeyPolicyScope = Pick<ServiceKeyProps, "accountId" | "region" | "partition" | "dnsSuffix" | "grants">;

/** The generated key policy as JSON (tokens resolve inside the string). Validates the grants. */
export function serviceKeyPolicy(scope: KeyPolicyScope, field = "ServiceKey"): string {
  const partition = scope.partition ?? "aws";
  const dnsSuffix = scope.dnsSuffix ?? (partition === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com");
  const grants = scope.grants ?? [];
  const statements: PolicyStatement[] = [
    // In a key policy "*" means this key only.
    { Sid: ACCOUNT_STATEMENT_SID, Effect: "Allow", Principal: { AWS: `arn:${partition}:iam::${scope.accountId}:root` }, Action: "kms:*", Resource: "*" },
  ];

  const logGroups = grants.flatMap((g) => (g.kind === "cloudwatch-logs" ? [g.logGroupName] : []));
  if (logGroups.length > 0) {
    if (scope.region === undefined) throw new Error(`${field} region: required with a cloudwatch-logs grant (it is part of the log group ARN)`);
    logGroups.forEach((name, i) => {
      assertNameIfLiteral("logGroup", name, `${field} grants (cloudwatch-logs) logGroupName`);
      if (logGroups.indexOf(name) !== i) throw new Error(`${field} grants: log group "${name}" is granted twice; list it once`);
    });
    const arns = logGroups.map((name) => `arn:${partition}:logs:${scope.region}:${scope.accountId}:log-group:${name}`);
    statements.push({
      Sid: LOGS_STATEMENT_SID,
      Effect: "Allow",
      Principal: { Service: `logs.${scope.region}.${dnsSuffix}` },
      Action: [...LOGS_KEY_ACTIONS],
      Resource: "*",
      // Only for these log groups: the logs service passes the group's ARN as encryption context.
      Condition: { ArnEquals: { "kms:EncryptionContext:aws:logs:arn": arns.length === 1 ? arns[0] : arns } },
    });
  }

  const sids = new Set(statements.map((s) => s.Sid));
  for (const g of grants) {
    const kind: string = g.kind;
    if (kind === "cloudwatch-logs") continue;
    if (g.kind === "role-via-service") {
      statements.push(roleViaServiceStatement(g, scope, dnsSuffix, sids, field));
      continue;
    }
    if (g.kind !== "service") throw new Error(`${field} grants: unknown grant kind "${kind}"; use "cloudwatch-logs", "service" or "role-via-service"`);
    const where = `${field} grants["${g.sid}"]`;
    if (!SID.test(g.sid)) throw new Error(`${where}.sid: must be 1-100 letters and digits`);
    if (sids.has(g.sid)) throw new Error(`${where}.sid: used twice in the key policy; give each grant its own sid`);
    sids.add(g.sid);
    if (literal(g.service) && !SERVICE_PRINCIPAL.test(g.service)) throw new Error(`${where}.service: "${g.service}" is not a service principal such as "cloudwatch.amazonaws.com"`);
    if (g.actions.length === 0) throw new Error(`${where}.actions: list at least one kms: action`);
    const bad = g.actions.filter((a) => !KMS_ACTION.test(a));
    if (bad.length > 0) throw new Error(`${where}.actions: ${bad.join(", ")} are not kms: actions; a key policy grants only kms: actions`);
    if (literal(g.sourceAccount) && !/^\d{12}$/.test(g.sourceAccount)) throw new Error(`${where}.sourceAccount: "${g.sourceAccount}" must be a 12-digit account id`);
    if (literal(g.sourceArnLike) && !/^arn:[^:]+:[^:]+:[^:]*:[^:]*:.+$/.test(g.sourceArnLike)) throw new Error(`${where}.sourceArnLike: "${g.sourceArnLike}" is not an ARN pattern`);
    const condition: Record<string, Record<string, string>> = {};
    if (g.sourceAccount !== undefined) condition.StringEquals = { "aws:SourceAccount": g.sourceAccount };
    if (g.sourceArnLike !== undefined) condition.ArnLike = { "aws:SourceArn": g.sourceArnLike };
    statements.push({
      Sid: g.sid,
      Effect: "Allow",
      Principal: { Service: g.service },
      Action: [...g.actions],
      Resource: "*",
      ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
    });
  }
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

function checkKmsActions(actions: readonly string[], where: string): void {
  if (actions.length === 0) throw new Error(`${where}.actions: list at least one kms: action`);
  const bad = actions.filter((a) => !KMS_ACTION.test(a));
  if (bad.length > 0) throw new Error(`${where}.actions: ${bad.join(", ")} are not kms: actions; a key policy grants only kms: actions`);
}

function roleViaServiceStatement(g: Extract<KeyGrant, { kind: "role-via-service" }>, scope: KeyPolicyScope, dnsSuffix: string, sids: Set<string>, field: string): PolicyStatement {
  const where = `${field} grants["${g.sid}"]`;
  if (!SID.test(g.sid)) throw new Error(`${where}.sid: must be 1-100 letters and digits`);
  if (sids.has(g.sid)) throw new Error(`${where}.sid: used twice in the key policy; give each grant its own sid`);
  sids.add(g.sid);
  if (scope.region === undefined) throw new Error(`${where}: region is required with a role-via-service grant (kms:ViaService names the regional endpoint)`);
  if (literal(g.roleArn) && !/^arn:[^:]+:iam::\d{12}:role\/.+$/.test(g.roleArn)) throw new Error(`${where}.roleArn: "${g.roleArn}" is not an IAM role ARN`);
  if (!/^[a-z0-9-]+$/.test(g.service)) throw new Error(`${where}.service: "${g.service}" must be a service endpoint prefix such as "sqs"`);
  checkKmsActions(g.actions, where);
  return {
    Sid: g.sid,
    Effect: "Allow",
    Principal: { AWS: g.roleArn },
    Action: [...g.actions],
    Resource: "*",
    Condition: { StringEquals: { "kms:ViaService": `${g.service}.${scope.region}.${dnsSuffix}` } },
  };
}

function validate(props: ServiceKeyProps, field: string): void {
  if (props.description.trim() === "" || props.description.length > 8192) throw new Error(`${field} description: must be 1-8192 characters`);
  assertNameIfLiteral("kmsAlias", props.aliasName, `${field} aliasName`);
  assertAccountAndRegion(field, props);
  if (literal(props.partition) && !PARTITIONS.includes(props.partition)) throw new Error(`${field} partition: "${props.partition}" is not one of ${PARTITIONS.join(", ")}`);
  const window = props.deletionWindowInDays;
  const problem = window === undefined ? undefined : checkDeletionWindow(window);
  if (problem) throw new Error(`${field} deletionWindowInDays: ${problem}`);
  if (props.policy !== undefined && (props.grants ?? []).length > 0) {
    throw new Error(`${field}: pass either policy (a complete key policy) or grants (added to the generated one), not both; drop one`);
  }
}

/**
 * A symmetric customer managed key with rotation on, its alias and its policy.
 * Deliberately not a Construct: the key and alias are created in `scope` under
 * the given ids, so a module moving to this helper keeps its Terraform addresses.
 */
export class ServiceKey {
  public readonly key: KmsKey;
  public readonly alias: KmsAlias;
  /** The key's ARN (what IAM policies and resource encryption settings reference). */
  public readonly arn: string;

  constructor(scope: Construct, ids: ServiceKeyConstructIds, props: ServiceKeyProps) {
    const field = `ServiceKey ${ids.key}`;
    validate(props, field);
    this.key = new KmsKey(scope, ids.key, {
      description: props.description,
      enableKeyRotation: true,
      deletionWindowInDays: props.deletionWindowInDays ?? KMS_DELETION_WINDOW_DAYS.default,
      // Explicit policy (checkov CKV2_AWS_64) even when it says only what AWS's default says.
      policy: props.policy ?? serviceKeyPolicy(props, field),
      lifecycle: (props.preventDestroy ?? false) ? { preventDestroy: true } : undefined,
    });
    this.alias = new KmsAlias(scope, ids.alias, { name: props.aliasName, targetKeyId: this.key.keyId });
    this.arn = this.key.arn;
  }
}

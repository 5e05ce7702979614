/**
 * Validates DeviceIdentityProps and resolves defaults in one place, so the
 * construct only wires resources. Every message names the prop (and the
 * device or group) and the fix. Token values (references to other resources)
 * are passed through unchecked. The inventory rules (groups, things, policy
 * attachment) are in inventory.ts, which the environment config schema shares.
 */
import { IAM_ROLE_ARN, KMS_KEY_ARN, LOG_RETENTION_DAYS, NameContext, NameRuleId, assertName, isLogRetentionDays, partitionOf } from "../../lib/aws-names";
import { existsSync } from "fs";
import { isAbsolute, join } from "path";
import { assertAccountAndRegion, isLiteral } from "../../lib/validate";
import { shadowSelectionIssues } from "../../lib/shadow-selection";
import { KMS_DELETION_WINDOW_DAYS, checkDeletionWindow } from "../../lib/kms";
import { loadCsr } from "./csr";
import { CLAIM_CLIENT_ID_PREFIX, MAX_THING_NAME_LENGTH } from "./hook-contract";
import { deviceInventoryIssues, groupAncestry, groupRefIssues, propPath } from "./inventory";
import {
  AwsPartition,
  CertificateMode,
  ClaimCertificateApi,
  DeviceIdentityProps,
  DeviceThingProps,
  PolicyAttachmentMode,
  ThingPrincipalType,
} from "./types";

const P = "DeviceIdentity";
/** Lambda allows 4 KB of environment in all; the hook's list of Terraform-managed names gets at most this much. */
const MAX_RESERVED_NAMES_BYTES = 3_000;
const DEFAULT_HOOK_CONCURRENCY = 10;
const DEFAULT_HOOK_LOG_RETENTION_DAYS = 365;

export interface ResolvedThing {
  readonly name: string;
  readonly attributes: Record<string, string>;
  readonly groups: readonly string[];
  readonly csrPem?: string;
  /** SSM parameter name of the private key ("generate" mode only). */
  readonly keyParameterName?: string;
}

export interface ResolvedGroup {
  readonly name: string;
  readonly description?: string;
  readonly parent?: string;
  readonly attributes: Record<string, string>;
}

export interface ResolvedHook {
  readonly bundleDir: string;
  readonly functionName: string;
  readonly roleName: string;
  readonly keyAliasName: string;
  readonly allowlistTableName: string;
  readonly reservedConcurrency: number;
  readonly logRetentionDays: number;
  /** Terraform-managed thing names under the fleet's thing-name prefix: the hook refuses them. */
  readonly reservedThingNames: readonly string[];
}

export interface ResolvedFleet {
  readonly templateName: string;
  readonly description: string;
  readonly thingNamePrefix: string;
  readonly thingGroups: readonly string[];
  readonly claimCertificateApi: ClaimCertificateApi;
  readonly preProvisioningHookArn?: string;
  /** The hook the module creates; undefined with preProvisioningHookArn or allowUnvalidatedProvisioning. */
  readonly hook?: ResolvedHook;
  readonly existingRoleArn?: string;
  readonly roleName: string;
  readonly claimPolicyName: string;
  readonly claimCsrPem?: string;
}

export interface ResolvedKeyStorage {
  readonly kmsKeyArn?: string;
  readonly deletionWindowInDays: number;
  readonly aliasName: string;
}

export interface ResolvedProps {
  readonly namePrefix: string;
  readonly thingType: { readonly name: string; readonly description?: string; readonly searchableAttributes: readonly string[] };
  readonly things: readonly ResolvedThing[];
  /** Create the per-device resources here (false: DeviceThings does, e.g. in device shard stacks). */
  readonly manageThings: boolean;
  /** Parents before children. */
  readonly groups: readonly ResolvedGroup[];
  readonly certificateMode: CertificateMode;
  readonly policyAttachment: PolicyAttachmentMode;
  readonly policyGroup?: string;
  readonly policyName: string;
  readonly shadowAccess: { readonly classic: boolean; readonly named: "all" | readonly string[] };
  readonly thingPrincipalType: ThingPrincipalType;
  readonly fleet?: ResolvedFleet;
  readonly keyStorage?: ResolvedKeyStorage;
  readonly preventDestroy: boolean;
  readonly accountId?: string;
  readonly region?: string;
  readonly partition?: AwsPartition;
}

const literal = isLiteral;

function checkAttributes(owner: string, attributes: Readonly<Record<string, string>>): Record<string, string> {
  for (const [key, value] of Object.entries(attributes)) {
    assertName("iotAttributeKey", key, `${owner}.attributes`);
    assertName("iotAttributeValue", value, `${owner}.attributes["${key}"]`);
  }
  return { ...attributes };
}

/** Thing type and group descriptions (iotDescription) and the template's (iotProvisioningTemplateDescription) follow different AWS patterns. */
function checkDescription(rule: NameRuleId, field: string, description: string | undefined): void {
  if (description !== undefined) assertName(rule, description, field);
}

/** Name, description and attribute checks of each group (lib/aws-names rules). */
function checkGroupNames(props: DeviceIdentityProps): void {
  for (const g of props.groups ?? []) {
    const owner = `${P} groups["${g.name}"]`;
    assertName("iotThingGroup", g.name, `${owner}.name`);
    checkDescription("iotDescription", `${owner}.description`, g.description);
    checkAttributes(owner, g.attributes ?? {});
  }
}

/** The groups, parents first (their depth), then by name: creation order never affects addresses, but keeps output tidy. */
function orderGroups(props: DeviceIdentityProps): ResolvedGroup[] {
  const groups = props.groups ?? [];
  const depth = new Map(groups.map((g) => [g.name, groupAncestry(groups, g.name).chain.length]));
  return groups
    .map((g) => ({ name: g.name, description: g.description, parent: g.parent, attributes: { ...(g.attributes ?? {}) } }))
    .sort((a, b) => depth.get(a.name)! - depth.get(b.name)! || a.name.localeCompare(b.name));
}

/** Throws every broken inventory rule (./inventory), each naming its prop. */
function assertInventory(props: DeviceIdentityProps): void {
  const issues = deviceInventoryIssues(props);
  if (issues.length > 0) throw new Error(issues.map((i) => `${P} ${propPath(props, i.path)}: ${i.message}`).join("\n"));
}

export function resolveProps(props: DeviceIdentityProps): ResolvedProps {
  if (!props.namePrefix) throw new Error(`${P} namePrefix: must not be empty (e.g. "iot-dev")`);
  const name = (rule: Parameters<typeof assertName>[0], value: string, field: string, context?: NameContext) => assertName(rule, value, `${P} ${field}`, context);
  const policyName = name("iotPolicy", `${props.namePrefix}-device`, "namePrefix (device policy name)");

  const tt = props.thingType;
  name("iotThingType", tt.name, "thingType.name");
  checkDescription("iotDescription", `${P} thingType.description`, tt.description);
  const searchable = tt.searchableAttributes ?? [];
  searchable.forEach((a) => name("iotAttributeKey", a, "thingType.searchableAttributes"));

  const certificateMode = props.certificateMode ?? "csr";
  if (certificateMode === "generate" && props.allowKeyGeneration !== true) {
    throw new Error(
      `${P} certificateMode: "generate" puts private keys in Terraform state; set allowKeyGeneration: true to opt in (dev only) or use "csr" / "fleet-provisioning"`,
    );
  }
  if (props.keyStorage !== undefined && certificateMode !== "generate") {
    throw new Error(`${P} keyStorage: only used with certificateMode "generate"; drop keyStorage`);
  }

  checkGroupNames(props);
  assertInventory(props);
  const groups = orderGroups(props);
  const policyAttachment = props.policyAttachment ?? "certificate";

  const keyStorage = resolveKeyStorage(props, certificateMode);
  // The SSM name limit counts the parameter's ARN, which holds partition and region (the longest are assumed when unknown).
  const ssmContext = { region: literal(props.region) ? props.region : undefined, partition: props.partition };
  const baseDir = props.csrBaseDir ?? process.cwd();
  const manageThings = props.manageThings ?? true;
  if (!manageThings && certificateMode === "generate") {
    throw new Error(`${P} manageThings: false needs certificateMode "csr" or "fleet-provisioning"; "generate" keeps each private key in a parameter next to its certificate, so keep manageThings: true`);
  }
  // Things created elsewhere (DeviceThings) load their CSRs there; here their names still count (inventory, hook).
  const things = props.things.map((t) => resolveThing(P, t, { baseDir, loadCsr: manageThings, keyParameterPathPrefix: keyStorage?.parameterPathPrefix, ssmContext }));

  const access = props.shadowAccess ?? {};
  const named = access.named ?? "all";
  const classic = access.classic ?? true;
  if (named !== "all") named.forEach((s) => name("iotShadow", s, "shadowAccess.named"));
  const [selection] = shadowSelectionIssues({ classic, named });
  if (selection) throw new Error(`${P} ${propPath({ shadowAccess: { named } }, ["shadowAccess", ...selection.path])}: ${selection.message}`);

  assertAccountAndRegion(P, props);
  const partition = props.partition ?? (literal(props.region) ? partitionOf(props.region) : undefined);

  return {
    namePrefix: props.namePrefix,
    thingType: { name: tt.name, description: tt.description, searchableAttributes: [...searchable] },
    things,
    manageThings,
    groups,
    certificateMode,
    policyAttachment,
    policyGroup: props.policyGroup,
    policyName,
    shadowAccess: { classic, named },
    thingPrincipalType: props.thingPrincipalType ?? "EXCLUSIVE_THING",
    fleet: resolveFleet(props, certificateMode, baseDir, things.map((t) => t.name)),
    keyStorage: keyStorage && { kmsKeyArn: keyStorage.kmsKeyArn, deletionWindowInDays: keyStorage.deletionWindowInDays, aliasName: keyStorage.aliasName },
    preventDestroy: props.preventDestroy ?? false,
    accountId: props.accountId,
    region: props.region,
    partition,
  };
}

export interface ResolveThingOptions {
  readonly baseDir: string;
  /** Read and check the CSR (false: the thing's certificate is created by another construct, which reads it). */
  readonly loadCsr: boolean;
  /** "generate" mode: where the private key parameter goes. */
  readonly keyParameterPathPrefix?: string;
  readonly ssmContext?: NameContext;
}

/** One thing's name, attributes and CSR checked (`owner` names the construct in messages). */
export function resolveThing(owner: string, t: DeviceThingProps, options: ResolveThingOptions): ResolvedThing {
  const field = `${owner} things["${t.name}"]`;
  assertName("iotThing", t.name, `${field}.name`);
  const attributes = t.attributes ?? {};
  // The subject CN must be the thing name: a CSR made for another device (or copied) fails here, not in the field.
  const csrPem = options.loadCsr ? loadCsr(field, { path: t.csrPath, pem: t.csrPem, pathField: "csrPath", pemField: "csrPem", commonName: t.name }, options.baseDir) : undefined;
  const prefix = options.keyParameterPathPrefix;
  const keyParameterName =
    prefix !== undefined ? assertName("ssmParameter", `${prefix}/${t.name}/private-key`, `${owner} things["${t.name}"] (private key parameter name)`, options.ssmContext) : undefined;
  return { name: t.name, attributes: checkAttributes(field, attributes), groups: [...(t.groups ?? [])], csrPem, keyParameterName };
}

function resolveKeyStorage(props: DeviceIdentityProps, mode: CertificateMode): (ResolvedKeyStorage & { parameterPathPrefix: string }) | undefined {
  if (mode !== "generate") return undefined;
  const ks = props.keyStorage ?? {};
  if (ks.kmsKeyArn !== undefined && ks.deletionWindowInDays !== undefined) {
    throw new Error(`${P} keyStorage: kmsKeyArn uses an existing key, deletionWindowInDays configures a new one; drop one of them`);
  }
  if (literal(ks.kmsKeyArn) && !KMS_KEY_ARN.test(ks.kmsKeyArn)) throw new Error(`${P} keyStorage.kmsKeyArn: "${ks.kmsKeyArn}" is not a KMS key or alias ARN`);
  const window = ks.deletionWindowInDays ?? KMS_DELETION_WINDOW_DAYS.default;
  const windowProblem = checkDeletionWindow(window);
  if (windowProblem) throw new Error(`${P} keyStorage.deletionWindowInDays: ${windowProblem}`);
  const parameterPathPrefix = (ks.parameterPathPrefix ?? `/${props.namePrefix}/device-keys`).replace(/\/+$/, "");
  if (!parameterPathPrefix.startsWith("/")) throw new Error(`${P} keyStorage.parameterPathPrefix: "${parameterPathPrefix}" must start with "/"`);
  const aliasName = assertName("kmsAlias", `alias/${props.namePrefix}-device-keys`, `${P} namePrefix (KMS alias name)`);
  return { kmsKeyArn: ks.kmsKeyArn, deletionWindowInDays: window, aliasName, parameterPathPrefix };
}

function resolveFleet(props: DeviceIdentityProps, mode: CertificateMode, baseDir: string, thingNames: readonly string[]): ResolvedFleet | undefined {
  const fp = props.fleetProvisioning;
  if (mode === "fleet-provisioning" && fp?.enabled === false) {
    throw new Error(`${P} fleetProvisioning.enabled: is false but certificateMode is "fleet-provisioning"; set enabled: true or choose another certificateMode`);
  }
  const enabled = fp?.enabled ?? mode === "fleet-provisioning";
  if (!enabled) {
    const extra = Object.keys(fp ?? {}).filter((k) => k !== "enabled");
    if (extra.length > 0) throw new Error(`${P} fleetProvisioning: enabled is false, so ${extra.join(", ")} would have no effect; drop them or set enabled: true`);
    return undefined;
  }
  const f = fp ?? { enabled: true };
  const owner = `${P} fleetProvisioning`;
  const templateName = assertName("iotProvisioningTemplate", f.templateName ?? `${props.namePrefix}-fleet`, `${owner}.templateName`);
  checkDescription("iotProvisioningTemplateDescription", `${owner}.description`, f.description);
  const thingNamePrefix = f.thingNamePrefix ?? `${props.thingType.name}-`;
  // The serial number is appended, so the prefix alone may be empty but must use thing-name characters.
  if (thingNamePrefix !== "") assertName("iotThing", thingNamePrefix, `${owner}.thingNamePrefix`);
  if (thingNamePrefix.length >= MAX_THING_NAME_LENGTH) throw new Error(`${owner}.thingNamePrefix: is ${thingNamePrefix.length} characters long; leave room for the serial number in a ${MAX_THING_NAME_LENGTH}-character thing name`);
  // Claim connections use client ids "provision-<uuid>"; a thing of such a name could be knocked off by any claim connection.
  if (thingNamePrefix.startsWith(CLAIM_CLIENT_ID_PREFIX)) {
    throw new Error(`${owner}.thingNamePrefix: "${thingNamePrefix}" starts with "${CLAIM_CLIENT_ID_PREFIX}", the client-id space of claim-certificate connections; choose another prefix`);
  }
  for (const t of thingNames) {
    if (t.startsWith(CLAIM_CLIENT_ID_PREFIX)) {
      throw new Error(`${P} things["${t}"].name: starts with "${CLAIM_CLIENT_ID_PREFIX}", the client-id space of claim-certificate connections (fleet provisioning is enabled); rename the thing`);
    }
  }
  if (f.existingRoleArn !== undefined && f.roleName !== undefined) {
    throw new Error(`${owner}: existingRoleArn uses an existing role, roleName names a new one; drop one of them`);
  }
  if (literal(f.existingRoleArn) && !IAM_ROLE_ARN.test(f.existingRoleArn)) throw new Error(`${owner}.existingRoleArn: "${f.existingRoleArn}" is not an IAM role ARN`);
  const roleName = assertName("iamRole", f.roleName ?? `${props.namePrefix}-provisioning`, `${owner}.roleName`);
  const thingGroups = [...(f.thingGroups ?? [])];
  const [groupRef] = groupRefIssues(thingGroups, props.groups ?? []);
  if (groupRef) throw new Error(`${owner}.thingGroups${propPath(thingGroups, groupRef.path)}: ${groupRef.message}`);
  // Provisioned devices need the device policy too: in thing-group mode it comes from the group.
  if (props.policyAttachment === "thing-group" && props.policyGroup && !thingGroups.includes(props.policyGroup)) thingGroups.push(props.policyGroup);
  return {
    templateName,
    description: f.description ?? `Fleet provisioning for ${props.thingType.name} devices`,
    thingNamePrefix,
    thingGroups,
    // The device keeps its private key, as everywhere else; "create-keys-and-certificate" is an explicit choice.
    claimCertificateApi: f.claimCertificateApi ?? "create-from-csr",
    preProvisioningHookArn: f.preProvisioningHookArn,
    hook: resolveHook(props, owner, f, thingNamePrefix, thingNames),
    existingRoleArn: f.existingRoleArn,
    roleName,
    claimPolicyName: assertName("iotPolicy", `${props.namePrefix}-provisioning-claim`, `${P} namePrefix (claim policy name)`),
    claimCsrPem: loadCsr(owner, { path: f.claimCsrPath, pem: f.claimCsrPem, pathField: "claimCsrPath", pemField: "claimCsrPem" }, baseDir),
  };
}

function resolveHook(
  props: DeviceIdentityProps,
  owner: string,
  f: NonNullable<DeviceIdentityProps["fleetProvisioning"]>,
  thingNamePrefix: string,
  thingNames: readonly string[],
): ResolvedHook | undefined {
  const chosen = (["preProvisioningHook", "preProvisioningHookArn", "allowUnvalidatedProvisioning"] as const).filter((k) => f[k] !== undefined && f[k] !== false);
  if (chosen.length > 1) throw new Error(`${owner}: ${chosen.join(" and ")} are exclusive; keep one`);
  if (chosen.length === 0) {
    throw new Error(
      `${owner}: no pre-provisioning hook, so anyone holding the claim certificate could register any serial number (and take over existing things); ` +
        "set preProvisioningHook: { bundleDir } (the module's allowlist hook), preProvisioningHookArn (your own), or allowUnvalidatedProvisioning: true to accept that risk",
    );
  }
  if (literal(f.preProvisioningHookArn) && !/^arn:aws(-cn|-us-gov)?:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?$/.test(f.preProvisioningHookArn)) {
    throw new Error(`${owner}.preProvisioningHookArn: "${f.preProvisioningHookArn}" is not a Lambda function ARN`);
  }
  const h = f.preProvisioningHook;
  if (h === undefined) return undefined;
  const where = `${owner}.preProvisioningHook`;
  if (!isAbsolute(h.bundleDir)) throw new Error(`${where}.bundleDir: "${h.bundleDir}" must be an absolute path (e.g. path.join(repoRoot, "dist/functions/provisioning-hook"))`);
  if (!existsSync(join(h.bundleDir, "index.js"))) throw new Error(`${where}.bundleDir: "${h.bundleDir}" has no index.js; run \`npm run build\` first`);
  const functionName = assertName("lambdaFunction", h.functionName ?? `${props.namePrefix}-provisioning-hook`, `${where}.functionName`);
  const roleName = assertName("iamRole", `${functionName}-role`, `${where}.functionName (role name <functionName>-role; use at most 59 characters)`);
  const keyAliasName = assertName("kmsAlias", `alias/${functionName}`, `${where}.functionName (KMS alias name)`);
  const allowlistTableName = assertName("dynamodbTable", h.allowlistTableName ?? `${props.namePrefix}-device-allowlist`, `${where}.allowlistTableName`);
  const reservedConcurrency = h.reservedConcurrency ?? DEFAULT_HOOK_CONCURRENCY;
  if (!Number.isInteger(reservedConcurrency) || reservedConcurrency < 1 || reservedConcurrency > 1000) {
    throw new Error(`${where}.reservedConcurrency: must be a whole number from 1 to 1000, got ${reservedConcurrency} (0 would refuse every device)`);
  }
  const logRetentionDays = h.logRetentionDays ?? DEFAULT_HOOK_LOG_RETENTION_DAYS;
  if (!isLogRetentionDays(logRetentionDays)) {
    throw new Error(`${where}.logRetentionDays: ${logRetentionDays} is not accepted by CloudWatch Logs; use one of ${LOG_RETENTION_DAYS.join(", ")}`);
  }
  const reservedThingNames = thingNames.filter((n) => n.startsWith(thingNamePrefix)).sort();
  const bytes = JSON.stringify(reservedThingNames).length;
  if (bytes > MAX_RESERVED_NAMES_BYTES) {
    throw new Error(
      `${owner}.thingNamePrefix: ${reservedThingNames.length} Terraform-managed things start with "${thingNamePrefix}"; the hook's list of them would take ${bytes} bytes of its environment (at most ${MAX_RESERVED_NAMES_BYTES}); ` +
        "choose a thingNamePrefix the Terraform-managed things do not start with",
    );
  }
  return { bundleDir: h.bundleDir, functionName, roleName, keyAliasName, allowlistTableName, reservedConcurrency, logRetentionDays, reservedThingNames };
}

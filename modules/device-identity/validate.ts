/**
 * Validates DeviceIdentityProps and resolves defaults in one place, so the
 * construct only wires resources. Every message names the prop (and the
 * device or group) and the fix. Token values (references to other resources)
 * are passed through unchecked.
 */
import { IAM_ROLE_ARN, KMS_KEY_ARN, LOG_RETENTION_DAYS, NameContext, NameRuleId, assertName, isLogRetentionDays, partitionOf } from "../../lib/aws-names";
import { existsSync } from "fs";
import { isAbsolute, join } from "path";
import { assertAccountAndRegion, isLiteral } from "../../lib/validate";
import { KMS_DELETION_WINDOW_DAYS, checkDeletionWindow } from "../../lib/kms";
import { loadCsr } from "./csr";
import { CLAIM_CLIENT_ID_PREFIX, MAX_THING_NAME_LENGTH } from "./hook-contract";
import {
  AwsPartition,
  CertificateMode,
  ClaimCertificateApi,
  DeviceIdentityProps,
  PolicyAttachmentMode,
  ThingPrincipalType,
} from "./types";

const P = "DeviceIdentity";
/** AWS IoT limits (IoT Core quotas). */
const MAX_SEARCHABLE_ATTRIBUTES = 3;
const MAX_ATTRIBUTES_WITH_THING_TYPE = 50;
const MAX_GROUPS_PER_THING = 10;
const MAX_GROUP_DEPTH = 7;
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

function resolveGroups(props: DeviceIdentityProps): ResolvedGroup[] {
  const byName = new Map<string, ResolvedGroup>();
  for (const g of props.groups ?? []) {
    const owner = `${P} groups["${g.name}"]`;
    assertName("iotThingGroup", g.name, `${owner}.name`);
    if (byName.has(g.name)) throw new Error(`${owner}.name: duplicate thing group "${g.name}"; list each group once`);
    checkDescription("iotDescription", `${owner}.description`, g.description);
    byName.set(g.name, { name: g.name, description: g.description, parent: g.parent, attributes: checkAttributes(owner, g.attributes ?? {}) });
  }
  const depth = new Map<string, number>();
  const depthOf = (name: string, seen: readonly string[]): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    const group = byName.get(name)!;
    if (group.parent === undefined) return 1;
    if (seen.includes(group.parent)) {
      throw new Error(`${P} groups["${name}"].parent: groups form a cycle (${[...seen, group.parent].join(" -> ")}); remove one parent`);
    }
    if (!byName.has(group.parent)) {
      throw new Error(`${P} groups["${name}"].parent: parent group "${group.parent}" is not defined in groups; add it or drop parent`);
    }
    const d = depthOf(group.parent, [...seen, group.parent]) + 1;
    if (d > MAX_GROUP_DEPTH) throw new Error(`${P} groups["${name}"].parent: hierarchy is ${d} levels deep; AWS allows ${MAX_GROUP_DEPTH}`);
    depth.set(name, d);
    return d;
  };
  for (const name of byName.keys()) depth.set(name, depthOf(name, [name]));
  // Stable order: parents first, then by name (creation order never affects addresses, but keeps output tidy).
  return [...byName.values()].sort((a, b) => depth.get(a.name)! - depth.get(b.name)! || a.name.localeCompare(b.name));
}

/** Names of `group` and every ancestor: a policy on a parent group also applies to things in its children. */
function withAncestors(groups: readonly ResolvedGroup[], group: string): string[] {
  const parentOf = new Map(groups.map((g) => [g.name, g.parent]));
  const chain: string[] = [];
  for (let g: string | undefined = group; g !== undefined; g = parentOf.get(g)) chain.push(g);
  return chain;
}

function checkGroupRefs(owner: string, field: string, refs: readonly string[], groups: ReadonlySet<string>): void {
  const seen = new Set<string>();
  for (const g of refs) {
    if (!groups.has(g)) throw new Error(`${owner}.${field}: group "${g}" is not defined in groups; add it to groups or remove it here`);
    if (seen.has(g)) throw new Error(`${owner}.${field}: lists group "${g}" twice`);
    seen.add(g);
  }
}

export function resolveProps(props: DeviceIdentityProps): ResolvedProps {
  if (!props.namePrefix) throw new Error(`${P} namePrefix: must not be empty (e.g. "iot-dev")`);
  const name = (rule: Parameters<typeof assertName>[0], value: string, field: string, context?: NameContext) => assertName(rule, value, `${P} ${field}`, context);
  const policyName = name("iotPolicy", `${props.namePrefix}-device`, "namePrefix (device policy name)");

  const tt = props.thingType;
  name("iotThingType", tt.name, "thingType.name");
  checkDescription("iotDescription", `${P} thingType.description`, tt.description);
  const searchable = tt.searchableAttributes ?? [];
  if (searchable.length > MAX_SEARCHABLE_ATTRIBUTES) {
    throw new Error(`${P} thingType.searchableAttributes: ${searchable.length} given; AWS allows at most ${MAX_SEARCHABLE_ATTRIBUTES}`);
  }
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

  const groups = resolveGroups(props);
  const groupNames = new Set(groups.map((g) => g.name));

  const policyAttachment = props.policyAttachment ?? "certificate";
  if (policyAttachment === "certificate" && props.policyGroup !== undefined) {
    throw new Error(`${P} policyGroup: only used with policyAttachment "thing-group"; drop policyGroup or set policyAttachment: "thing-group"`);
  }
  if (policyAttachment === "thing-group") {
    if (props.policyGroup === undefined) throw new Error(`${P} policyGroup: required when policyAttachment is "thing-group"; name a group from groups`);
    if (!groupNames.has(props.policyGroup)) throw new Error(`${P} policyGroup: group "${props.policyGroup}" is not defined in groups; add it to groups`);
  }

  const keyStorage = resolveKeyStorage(props, certificateMode);
  // The SSM name limit counts the parameter's ARN, which holds partition and region (the longest are assumed when unknown).
  const ssmContext = { region: literal(props.region) ? props.region : undefined, partition: props.partition };
  const baseDir = props.csrBaseDir ?? process.cwd();
  const seenThings = new Set<string>();
  const things = props.things.map((t): ResolvedThing => {
    const owner = `${P} things["${t.name}"]`;
    assertName("iotThing", t.name, `${owner}.name`);
    if (seenThings.has(t.name)) throw new Error(`${owner}.name: duplicate thing name "${t.name}"; list each thing once`);
    seenThings.add(t.name);
    const attributes = t.attributes ?? {};
    if (Object.keys(attributes).length > MAX_ATTRIBUTES_WITH_THING_TYPE) {
      throw new Error(`${owner}.attributes: ${Object.keys(attributes).length} given; AWS allows at most ${MAX_ATTRIBUTES_WITH_THING_TYPE} per thing with a thing type`);
    }
    const thingGroups = t.groups ?? [];
    checkGroupRefs(owner, "groups", thingGroups, groupNames);
    if (thingGroups.length > MAX_GROUPS_PER_THING) throw new Error(`${owner}.groups: ${thingGroups.length} given; a thing can be in at most ${MAX_GROUPS_PER_THING} groups`);
    if (certificateMode === "generate" && (t.csrPath !== undefined || t.csrPem !== undefined)) {
      throw new Error(`${owner}: certificateMode "generate" creates the key pair, so csrPath/csrPem is not used; drop it or use certificateMode "csr"`);
    }
    // The subject CN must be the thing name: a CSR made for another device (or copied) fails here, not in the field.
    const csrPem = loadCsr(owner, { path: t.csrPath, pem: t.csrPem, pathField: "csrPath", pemField: "csrPem", commonName: t.name }, baseDir);
    if (certificateMode === "csr" && csrPem === undefined) {
      throw new Error(`${owner}: certificateMode "csr" needs csrPath or csrPem (the device keeps its private key)`);
    }
    // Also for things without a certificate yet: a fleet-provisioned thing keeps its existing groups (ThingGroups DO_NOTHING).
    if (policyAttachment === "thing-group") {
      const reached = thingGroups.flatMap((g) => withAncestors(groups, g));
      if (!reached.includes(props.policyGroup!)) {
        throw new Error(`${owner}.groups: the device policy is attached to group "${props.policyGroup}", which this thing is not in; add "${props.policyGroup}" or one of its child groups`);
      }
    }
    const keyParameterName = keyStorage ? name("ssmParameter", `${keyStorage.parameterPathPrefix}/${t.name}/private-key`, `things["${t.name}"] (private key parameter name)`, ssmContext) : undefined;
    return { name: t.name, attributes: checkAttributes(owner, attributes), groups: [...thingGroups], csrPem, keyParameterName };
  });

  const access = props.shadowAccess ?? {};
  const named = access.named ?? "all";
  const classic = access.classic ?? true;
  if (named !== "all") {
    const seen = new Set<string>();
    for (const s of named) {
      name("iotShadow", s, "shadowAccess.named");
      if (seen.has(s)) throw new Error(`${P} shadowAccess.named: lists shadow "${s}" twice`);
      seen.add(s);
    }
  }
  if (!classic && named !== "all" && named.length === 0) {
    throw new Error(`${P} shadowAccess: allows no shadow at all; set classic: true or list named shadows`);
  }

  assertAccountAndRegion(P, props);
  const partition = props.partition ?? (literal(props.region) ? partitionOf(props.region) : undefined);

  return {
    namePrefix: props.namePrefix,
    thingType: { name: tt.name, description: tt.description, searchableAttributes: [...searchable] },
    things,
    groups,
    certificateMode,
    policyAttachment,
    policyGroup: props.policyGroup,
    policyName,
    shadowAccess: { classic, named },
    thingPrincipalType: props.thingPrincipalType ?? "EXCLUSIVE_THING",
    fleet: resolveFleet(props, certificateMode, groupNames, baseDir, things.map((t) => t.name)),
    keyStorage: keyStorage && { kmsKeyArn: keyStorage.kmsKeyArn, deletionWindowInDays: keyStorage.deletionWindowInDays, aliasName: keyStorage.aliasName },
    preventDestroy: props.preventDestroy ?? false,
    accountId: props.accountId,
    region: props.region,
    partition,
  };
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

function resolveFleet(props: DeviceIdentityProps, mode: CertificateMode, groups: ReadonlySet<string>, baseDir: string, thingNames: readonly string[]): ResolvedFleet | undefined {
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
  checkGroupRefs(owner, "thingGroups", thingGroups, groups);
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

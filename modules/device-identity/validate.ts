/**
 * Validates DeviceIdentityProps and resolves defaults in one place, so the
 * construct only wires resources. Every message names the prop (and the
 * device or group) and the fix. Token values (references to other resources)
 * are passed through unchecked.
 */
import { IAM_ROLE_ARN, KMS_KEY_ARN, assertName } from "../../lib/aws-names";
import { assertAccountAndRegion, isLiteral } from "../../lib/validate";
import { KMS_DELETION_WINDOW_DAYS, checkDeletionWindow } from "../../lib/kms";
import { loadCsr } from "./csr";
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
const MAX_DESCRIPTION = 2028;
const MAX_GROUPS_PER_THING = 10;
const MAX_GROUP_DEPTH = 7;

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

export interface ResolvedFleet {
  readonly templateName: string;
  readonly description: string;
  readonly thingNamePrefix: string;
  readonly thingGroups: readonly string[];
  readonly claimCertificateApi: ClaimCertificateApi;
  readonly preProvisioningHookArn?: string;
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

function checkDescription(field: string, description: string | undefined): void {
  if (description !== undefined && description.length > MAX_DESCRIPTION) {
    throw new Error(`${field}: is ${description.length} characters long; AWS allows at most ${MAX_DESCRIPTION}`);
  }
}

function resolveGroups(props: DeviceIdentityProps): ResolvedGroup[] {
  const byName = new Map<string, ResolvedGroup>();
  for (const g of props.groups ?? []) {
    const owner = `${P} groups["${g.name}"]`;
    assertName("iotThingGroup", g.name, `${owner}.name`);
    if (byName.has(g.name)) throw new Error(`${owner}.name: duplicate thing group "${g.name}"; list each group once`);
    checkDescription(`${owner}.description`, g.description);
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

function partitionOf(region: string): AwsPartition {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

export function resolveProps(props: DeviceIdentityProps): ResolvedProps {
  if (!props.namePrefix) throw new Error(`${P} namePrefix: must not be empty (e.g. "iot-dev")`);
  const name = (rule: Parameters<typeof assertName>[0], value: string, field: string) => assertName(rule, value, `${P} ${field}`);
  const policyName = name("iotPolicy", `${props.namePrefix}-device`, "namePrefix (device policy name)");

  const tt = props.thingType;
  name("iotThingType", tt.name, "thingType.name");
  checkDescription(`${P} thingType.description`, tt.description);
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
    const csrPem = loadCsr(owner, { path: t.csrPath, pem: t.csrPem, pathField: "csrPath", pemField: "csrPem" }, baseDir);
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
    const keyParameterName = keyStorage ? name("ssmParameter", `${keyStorage.parameterPathPrefix}/${t.name}/private-key`, `things["${t.name}"] (private key parameter name)`) : undefined;
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
    fleet: resolveFleet(props, certificateMode, groupNames, baseDir),
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

function resolveFleet(props: DeviceIdentityProps, mode: CertificateMode, groups: ReadonlySet<string>, baseDir: string): ResolvedFleet | undefined {
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
  checkDescription(`${owner}.description`, f.description);
  const thingNamePrefix = f.thingNamePrefix ?? `${props.thingType.name}-`;
  // The serial number is appended, so the prefix alone may be empty but must use thing-name characters.
  if (thingNamePrefix !== "") assertName("iotThing", thingNamePrefix, `${owner}.thingNamePrefix`);
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
    claimCertificateApi: f.claimCertificateApi ?? "create-keys-and-certificate",
    preProvisioningHookArn: f.preProvisioningHookArn,
    existingRoleArn: f.existingRoleArn,
    roleName,
    claimPolicyName: assertName("iotPolicy", `${props.namePrefix}-provisioning-claim`, `${P} namePrefix (claim policy name)`),
    claimCsrPem: loadCsr(owner, { path: f.claimCsrPath, pem: f.claimCsrPem, pathField: "claimCsrPath", pemField: "claimCsrPem" }, baseDir),
  };
}

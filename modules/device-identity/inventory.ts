/**
 * The device inventory's rules (thing type, things, groups, certificate mode, policy attachment),
 * each written once and reported as structured issues, not thrown: `resolveProps` throws them
 * with the prop named (`DeviceIdentity groups["g"].parent: ...`), and the config schema
 * (lib/config-schema.ts) maps the same issues onto config fields (`devices.groups[1].parent: ...`).
 * Pure: no cdktf, no provider, no file reads.
 */
import type { ValidationIssue } from "../../lib/issues";
import { csrSourceConflict } from "./csr";
import type { DeviceIdentityProps, ThingGroupProps } from "./types";

/** AWS IoT limits (IoT Core quotas). */
export const MAX_SEARCHABLE_ATTRIBUTES = 3;
export const MAX_ATTRIBUTES_WITH_THING_TYPE = 50;
export const MAX_GROUPS_PER_THING = 10;
export const MAX_GROUP_DEPTH = 7;

/** Construct ids and record keys derive from thing and group names; an Object.prototype member cannot be one. */
const RESERVED_IDS: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));

/** What the inventory rules look at; an environment's `devices` has this shape too. */
export type DeviceInventory = Pick<DeviceIdentityProps, "thingType" | "things" | "groups" | "certificateMode" | "policyAttachment" | "policyGroup">;

type Path = (string | number)[];

/**
 * `name` and its ancestors, nearest first, as far as the parents are defined in `groups`.
 * `cycle` is set when the walk comes back to a group it passed (the chain then stops before it).
 */
export function groupAncestry(groups: readonly ThingGroupProps[], name: string): { chain: string[]; cycle?: string } {
  const parentOf = new Map(groups.map((g) => [g.name, g.parent]));
  const chain = [name];
  for (let parent = parentOf.get(name); parent !== undefined && parentOf.has(parent); parent = parentOf.get(parent)) {
    if (chain.includes(parent)) return { chain, cycle: parent };
    chain.push(parent);
  }
  return { chain };
}

function reserved(name: string): string | undefined {
  return RESERVED_IDS.has(name) ? `"${name}" is reserved (an Object.prototype member cannot be a construct id); choose another name` : undefined;
}

/** References to groups (a thing's groups, the fleet's thingGroups): each defined, each once. Paths are list indices. */
export function groupRefIssues(refs: readonly string[], groups: readonly ThingGroupProps[]): ValidationIssue[] {
  const defined = new Set(groups.map((g) => g.name));
  const issues: ValidationIssue[] = [];
  refs.forEach((g, j) => {
    if (!defined.has(g)) issues.push({ path: [j], message: `group "${g}" is not defined in groups; add it to groups or remove it here` });
    if (refs.indexOf(g) !== j) issues.push({ path: [j], message: `group "${g}" is listed twice; list it once` });
  });
  return issues;
}

function groupIssues(groups: readonly ThingGroupProps[]): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const add = (path: Path, message: string | undefined) => message && issues.push({ path, message });
  const defined = new Set(groups.map((g) => g.name));
  groups.forEach((g, i) => {
    add(["groups", i, "name"], reserved(g.name));
    if (groups.findIndex((other) => other.name === g.name) !== i) add(["groups", i, "name"], `duplicate thing group "${g.name}"; list each group once`);
    if (g.parent === undefined) return;
    if (!defined.has(g.parent)) add(["groups", i, "parent"], `parent group "${g.parent}" is not defined in groups; add it or drop parent`);
    const { chain, cycle } = groupAncestry(groups, g.name);
    // Reported by each group on the cycle; a group whose ancestors run into one is not on it.
    if (cycle === g.name) add(["groups", i, "parent"], `groups form a cycle (${[...chain, cycle].join(" -> ")}); remove one parent`);
    else if (cycle === undefined && chain.length > MAX_GROUP_DEPTH) add(["groups", i, "parent"], `group "${g.name}" is ${chain.length} levels deep; AWS allows ${MAX_GROUP_DEPTH}`);
  });
  return issues;
}

/** Every broken inventory rule, in prop order; empty when the inventory is sound. Names are checked elsewhere (lib/aws-names). */
export function deviceInventoryIssues(inventory: DeviceInventory): ValidationIssue[] {
  const groups = inventory.groups ?? [];
  const certificateMode = inventory.certificateMode ?? "csr";
  const policyAttachment = inventory.policyAttachment ?? "certificate";
  const { policyGroup } = inventory;
  const issues: ValidationIssue[] = [];
  const add = (path: Path, message: string | undefined) => message && issues.push({ path, message });

  const searchable = inventory.thingType.searchableAttributes ?? [];
  if (searchable.length > MAX_SEARCHABLE_ATTRIBUTES) {
    add(["thingType", "searchableAttributes"], `${searchable.length} given; AWS allows at most ${MAX_SEARCHABLE_ATTRIBUTES}`);
  }
  issues.push(...groupIssues(groups));

  const definedGroups = new Set(groups.map((g) => g.name));
  if (policyAttachment === "thing-group") {
    if (policyGroup === undefined) add(["policyGroup"], `required when policyAttachment is "thing-group"; name a group from groups`);
    else if (!definedGroups.has(policyGroup)) add(["policyGroup"], `group "${policyGroup}" is not defined in groups; add it to groups`);
  } else if (policyGroup !== undefined) {
    add(["policyGroup"], `only used with policyAttachment "thing-group"; drop policyGroup or set policyAttachment: "thing-group"`);
  }

  // First index of each name, built once: a search per thing would be quadratic in the fleet size.
  const firstIndex = new Map<string, number>();
  inventory.things.forEach((t, i) => firstIndex.has(t.name) || firstIndex.set(t.name, i));
  inventory.things.forEach((t, i) => {
    const at = (...rest: Path): Path => ["things", i, ...rest];
    add(at("name"), reserved(t.name));
    if (firstIndex.get(t.name) !== i) add(at("name"), `duplicate thing name "${t.name}"; list each thing once`);
    const attributes = Object.keys(t.attributes ?? {}).length;
    if (attributes > MAX_ATTRIBUTES_WITH_THING_TYPE) add(at("attributes"), `${attributes} given; AWS allows at most ${MAX_ATTRIBUTES_WITH_THING_TYPE} per thing with a thing type`);
    const thingGroups = t.groups ?? [];
    if (thingGroups.length > MAX_GROUPS_PER_THING) add(at("groups"), `${thingGroups.length} given; a thing can be in at most ${MAX_GROUPS_PER_THING} groups`);
    for (const issue of groupRefIssues(thingGroups, groups)) add(at("groups", ...issue.path), issue.message);

    const hasCsr = t.csrPath !== undefined || t.csrPem !== undefined;
    add(at(), csrSourceConflict({ path: t.csrPath, pem: t.csrPem, pathField: "csrPath", pemField: "csrPem" }));
    if (certificateMode === "csr" && !hasCsr) add(at(), `certificateMode "csr" needs csrPath or csrPem (the device keeps its private key)`);
    if (certificateMode === "generate" && hasCsr) add(at(), `certificateMode "generate" creates the key pair; drop csrPath/csrPem or use certificateMode "csr"`);

    // Also for things without a certificate yet: a fleet-provisioned thing keeps its existing groups (ThingGroups DO_NOTHING).
    if (policyAttachment === "thing-group" && policyGroup !== undefined && definedGroups.has(policyGroup)) {
      const reached = thingGroups.flatMap((g) => groupAncestry(groups, g).chain);
      if (!reached.includes(policyGroup)) {
        add(at("groups"), `the device policy is attached to group "${policyGroup}", which this thing is not in; add "${policyGroup}" or one of its child groups`);
      }
    }
  });
  return issues;
}

/**
 * A path as the module names props: list entries by their `name` where they have one
 * (`things["Sensor-A"].groups[1]`), otherwise by index.
 */
export function propPath(props: unknown, path: readonly (string | number)[]): string {
  let node: unknown = props;
  let out = "";
  for (const key of path) {
    const next = node !== null && typeof node === "object" ? (node as Record<string | number, unknown>)[key] : undefined;
    const name = next !== null && typeof next === "object" ? (next as { name?: unknown }).name : undefined;
    if (typeof key === "number") out += typeof name === "string" ? `[${JSON.stringify(name)}]` : `[${key}]`;
    else out += out ? `.${key}` : key;
    node = next;
  }
  return out;
}

/**
 * Turns plan JSON into the facts a reviewer needs: counts, changed resources, stateful
 * replaces/deletes and cross-stack reads. Pure: no I/O, no formatting.
 */
import { PlanJson, PlanResourceChange, formatAttributePath } from "./plan-json";
import { statefulReason } from "./stateful";

export type ChangeKind = "create" | "update" | "replace" | "delete" | "read" | "forget" | "no-op" | "other";
export const COUNTED_KINDS = ["create", "update", "replace", "delete"] as const;
export type CountedKind = (typeof COUNTED_KINDS)[number];

/** cdktf names the data source that reads a producer stack's outputs `cross-stack-reference-input-<stack>`. */
export const CDKTF_REMOTE_STATE_PREFIX = "cross-stack-reference-input-";

export interface ChangeRow {
  readonly address: string;
  readonly type: string;
  readonly kind: ChangeKind;
  readonly actions: readonly string[];
  /** Terraform's `action_reason`, e.g. "replace_because_cannot_update". */
  readonly actionReason?: string;
  /** Attributes that force a replacement, e.g. ["name"]. */
  readonly replacePaths: readonly string[];
  readonly movedFrom?: string;
  readonly importing: boolean;
  /** Set when the type is stateful: why losing it hurts. */
  readonly statefulWhy?: string;
}

export interface DeferredRead {
  readonly address: string;
  readonly actionReason?: string;
  /** Producer stack when the data source reads another stack's remote state. */
  readonly producer?: string;
}

export interface RemoteStateInput {
  readonly resource: string;
  readonly producer: string;
  readonly attributes: readonly string[];
}

export interface PlanAnalysis {
  readonly terraformVersion?: string;
  readonly counts: Readonly<Record<CountedKind, number>>;
  /** Managed resources with an action other than no-op, or that move or import; most destructive first. */
  readonly rows: readonly ChangeRow[];
  /** Stateful resources that would be replaced or deleted. */
  readonly statefulRisks: readonly ChangeRow[];
  /** Data sources Terraform can only read during apply (their inputs are unknown at plan time). */
  readonly deferredReads: readonly DeferredRead[];
  /** Producer stacks whose applied outputs feed the planned changes. */
  readonly remoteStateInputs: readonly RemoteStateInput[];
  readonly outputChanges: readonly { readonly name: string; readonly kind: ChangeKind }[];
  /** Managed resources changed outside Terraform since the last apply. */
  readonly driftCount: number;
}

const ACTION_KINDS: Readonly<Record<string, ChangeKind>> = {
  "no-op": "no-op",
  create: "create",
  read: "read",
  update: "update",
  delete: "delete",
  forget: "forget",
  "delete,create": "replace",
  "create,delete": "replace",
};

/** The documented action lists; anything else (a future Terraform) is "other" and shown verbatim. */
export function classifyActions(actions: readonly string[]): ChangeKind {
  return ACTION_KINDS[actions.join(",")] ?? "other";
}

const SEVERITY: readonly ChangeKind[] = ["delete", "replace", "forget", "update", "create", "other", "read", "no-op"];

export function analyzePlan(plan: PlanJson): PlanAnalysis {
  const changes = plan.resource_changes ?? [];
  const rows = changes
    .filter((rc) => rc.mode === "managed")
    .map(toRow)
    .filter((row) => row.kind !== "no-op" || row.movedFrom !== undefined || row.importing)
    .sort((a, b) => SEVERITY.indexOf(a.kind) - SEVERITY.indexOf(b.kind) || compare(a.address, b.address));

  const counts: Record<CountedKind, number> = { create: 0, update: 0, replace: 0, delete: 0 };
  for (const row of rows) if (isCounted(row.kind)) counts[row.kind] += 1;

  return {
    terraformVersion: plan.terraform_version,
    counts,
    rows,
    statefulRisks: rows.filter((r) => r.statefulWhy !== undefined && (r.kind === "replace" || r.kind === "delete")),
    deferredReads: changes
      .filter((rc) => rc.mode === "data" && classifyActions(rc.change.actions) === "read")
      .map((rc) => ({
        address: rc.address,
        actionReason: rc.action_reason,
        producer: rc.type === "terraform_remote_state" ? producerFromName(rc.name) : undefined,
      })),
    remoteStateInputs: remoteStateInputs(plan),
    outputChanges: Object.entries(plan.output_changes ?? {})
      .map(([name, oc]) => ({ name, kind: classifyActions(oc.actions) }))
      .filter((o) => o.kind !== "no-op")
      .sort((a, b) => compare(a.name, b.name)),
    driftCount: (plan.resource_drift ?? []).filter((rc) => rc.mode === "managed" && classifyActions(rc.change.actions) !== "no-op").length,
  };
}

function toRow(rc: PlanResourceChange): ChangeRow {
  return {
    address: rc.address,
    type: rc.type,
    kind: classifyActions(rc.change.actions),
    actions: rc.change.actions,
    actionReason: rc.action_reason,
    replacePaths: (rc.change.replace_paths ?? []).map(formatAttributePath),
    movedFrom: rc.previous_address !== undefined && rc.previous_address !== rc.address ? rc.previous_address : undefined,
    importing: rc.change.importing !== undefined && rc.change.importing !== null,
    statefulWhy: statefulReason(rc.type),
  };
}

function isCounted(kind: ChangeKind): kind is CountedKind {
  return (COUNTED_KINDS as readonly string[]).includes(kind);
}

/** Producer stack name from a remote-state data source name (cdktf's convention, else the name itself). */
export function producerFromName(name: string): string {
  return name.startsWith(CDKTF_REMOTE_STATE_PREFIX) ? name.slice(CDKTF_REMOTE_STATE_PREFIX.length) : name;
}

const REMOTE_STATE_ADDRESS = /(?:^|\.)data\.terraform_remote_state\.([^.[\s]+)/;

/** `relevant_attributes` lists the attributes that contributed to the planned changes. */
function remoteStateInputs(plan: PlanJson): RemoteStateInput[] {
  const byResource = new Map<string, Set<string>>();
  for (const ra of plan.relevant_attributes ?? []) {
    if (!REMOTE_STATE_ADDRESS.test(ra.resource)) continue;
    const attrs = byResource.get(ra.resource) ?? new Set<string>();
    attrs.add(formatAttributePath(ra.attribute));
    byResource.set(ra.resource, attrs);
  }
  return [...byResource.entries()]
    .sort(([a], [b]) => compare(a, b))
    .map(([resource, attrs]) => ({
      resource,
      producer: producerFromName(REMOTE_STATE_ADDRESS.exec(resource)?.[1] ?? resource),
      attributes: [...attrs].sort(compare),
    }));
}

/** Locale-independent, so output is identical on every machine. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

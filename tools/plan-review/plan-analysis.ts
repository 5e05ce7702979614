/**
 * Turns plan JSON into the facts a reviewer needs: counts, changed resources, stateful
 * replaces/deletes and cross-stack reads. Pure: no I/O, no formatting.
 */
import { PlanDriftChange, PlanJson, PlanResourceChange, driftAddress, formatAttributePath } from "./plan-json";
import { statefulReason } from "./stateful";

export type ChangeKind = "create" | "update" | "replace" | "delete" | "read" | "forget" | "no-op" | "other";
/** What the counts table shows; `forget` (a `removed` block with `destroy = false`) leaves the object in AWS but drops it from state. */
export const COUNTED_KINDS = ["create", "update", "replace", "delete", "forget"] as const;
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
  /** Reviewer-facing wording of `actionReason` ("tainted", "replacement requested with -replace", …). */
  readonly reasonText?: string;
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
  /** Reviewer-facing wording of `actionReason`. */
  readonly reasonText?: string;
  /** Producer stack when the data source reads another stack's remote state. */
  readonly producer?: string;
}

export interface DriftRow {
  readonly address: string;
  readonly kind: ChangeKind;
}

export interface RemoteStateInput {
  readonly resource: string;
  readonly producer: string;
  readonly attributes: readonly string[];
}

export interface PlanAnalysis {
  readonly terraformVersion?: string;
  /** `errored: true`: planning failed, the changes listed are only those found before the error. */
  readonly errored: boolean;
  /** `complete: false`: some resources were not planned; after applying, plan and apply again. */
  readonly incomplete: boolean;
  /** Terraform's `applyable` (absent from older plans); false also for a successful plan with nothing to do. */
  readonly applyable?: boolean;
  readonly counts: Readonly<Record<CountedKind, number>>;
  /** Managed resources with an action other than no-op, or that move or import; most destructive first. */
  readonly rows: readonly ChangeRow[];
  /** Stateful resources that would be replaced or deleted. */
  readonly statefulRisks: readonly ChangeRow[];
  /** Stateful resources that would be forgotten: removed from state (and from `prevent_destroy`), left in AWS. */
  readonly statefulForgets: readonly ChangeRow[];
  /** Data sources Terraform can only read during apply (their inputs are unknown at plan time). */
  readonly deferredReads: readonly DeferredRead[];
  /** The remote-state reads among `deferredReads`, one group per producer stack (sorted by stack). */
  readonly deferredReadsByProducer: readonly { readonly producer: string; readonly reads: readonly DeferredRead[] }[];
  /** The other deferred reads (no producer stack). */
  readonly otherDeferredReads: readonly DeferredRead[];
  /** Producer stacks whose applied outputs feed the planned changes. */
  readonly remoteStateInputs: readonly RemoteStateInput[];
  readonly outputChanges: readonly { readonly name: string; readonly kind: ChangeKind }[];
  /** Managed resources changed outside Terraform since the last apply. */
  readonly driftCount: number;
  /** The same resources by address (natural order). */
  readonly drift: readonly DriftRow[];
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
  // A replacement whose old object is forgotten rather than destroyed (listed as a replace in the format docs).
  "create,forget": "replace",
};

/** `action_reason` values of the plan JSON format, in the words a reviewer needs. Unknown values are shown verbatim. */
export const ACTION_REASONS: Readonly<Record<string, string>> = {
  replace_because_tainted: "tainted",
  replace_because_cannot_update: "cannot be updated in place",
  replace_by_request: "replacement requested with -replace",
  replace_by_triggers: "replace_triggered_by",
  delete_because_no_resource_config: "removed from the configuration",
  delete_because_wrong_repetition: "count/for_each added or removed",
  delete_because_count_index: "count index out of range",
  delete_because_each_key: "for_each key removed",
  delete_because_no_module: "module removed",
  delete_because_no_move_target: "moved block target does not exist",
  read_because_config_unknown: "its configuration depends on values known only after apply",
  read_because_dependency_pending: "it depends on resources with pending changes",
  read_because_check_nested: "it is inside a check block",
};

export function actionReasonText(reason: string | undefined): string | undefined {
  if (reason === undefined || reason === "") return undefined;
  return Object.prototype.hasOwnProperty.call(ACTION_REASONS, reason) ? ACTION_REASONS[reason] : reason;
}

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
    .sort((a, b) => SEVERITY.indexOf(a.kind) - SEVERITY.indexOf(b.kind) || naturalCompare(a.address, b.address));

  const counts: Record<CountedKind, number> = { create: 0, update: 0, replace: 0, delete: 0, forget: 0 };
  for (const row of rows) if (isCounted(row.kind)) counts[row.kind] += 1;

  const deferredReads: DeferredRead[] = changes
    .filter((rc) => rc.mode === "data" && classifyActions(rc.change.actions) === "read")
    .map((rc) => ({
      address: rc.address,
      actionReason: rc.action_reason,
      reasonText: actionReasonText(rc.action_reason),
      producer: rc.type === "terraform_remote_state" ? producerFromName(rc.name) : undefined,
    }))
    .sort((a, b) => naturalCompare(a.address, b.address));
  const byProducer = new Map<string, DeferredRead[]>();
  for (const read of deferredReads) {
    if (read.producer !== undefined) byProducer.set(read.producer, [...(byProducer.get(read.producer) ?? []), read]);
  }
  const drift = (plan.resource_drift ?? [])
    .filter(isDrifted)
    .map((rc) => ({ address: driftAddress(rc), kind: rc.change?.actions === undefined ? "other" : classifyActions(rc.change.actions) }))
    .sort((a, b) => naturalCompare(a.address, b.address));

  return {
    terraformVersion: plan.terraform_version,
    errored: plan.errored === true,
    incomplete: plan.complete === false,
    applyable: plan.applyable,
    counts,
    rows,
    statefulRisks: rows.filter((r) => r.statefulWhy !== undefined && (r.kind === "replace" || r.kind === "delete")),
    statefulForgets: rows.filter((r) => r.statefulWhy !== undefined && r.kind === "forget"),
    deferredReads,
    deferredReadsByProducer: [...byProducer.entries()].sort(([a], [b]) => naturalCompare(a, b)).map(([producer, reads]) => ({ producer, reads })),
    otherDeferredReads: deferredReads.filter((r) => r.producer === undefined),
    remoteStateInputs: remoteStateInputs(plan),
    outputChanges: Object.entries(plan.output_changes ?? {})
      .map(([name, oc]) => ({ name, kind: classifyActions(oc.actions) }))
      .filter((o) => o.kind !== "no-op")
      .sort((a, b) => naturalCompare(a.name, b.name)),
    driftCount: drift.length,
    drift,
  };
}

/** Managed (or, in old formats, unlabelled) resources whose drift is more than a no-op. */
function isDrifted(rc: PlanDriftChange): boolean {
  if (rc.mode === "data") return false;
  const actions = rc.change?.actions;
  return actions === undefined || actions.length === 0 || classifyActions(actions) !== "no-op";
}

function toRow(rc: PlanResourceChange): ChangeRow {
  return {
    address: rc.address,
    type: rc.type,
    kind: classifyActions(rc.change.actions),
    actions: rc.change.actions,
    actionReason: rc.action_reason,
    reasonText: actionReasonText(rc.action_reason),
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
    .sort(([a], [b]) => naturalCompare(a, b))
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

const DIGIT_RUNS = /(\d+)/;

/**
 * Natural order: runs of digits compare as numbers, so `example_2` sorts before `example_10` and
 * `x[9]` before `x[10]`. Locale-independent; ties (e.g. `a01` and `a1`) fall back to code-unit order.
 */
export function naturalCompare(a: string, b: string): number {
  const pa = a.split(DIGIT_RUNS);
  const pb = b.split(DIGIT_RUNS);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    if (pa[i] === pb[i]) continue;
    // split() with a capturing group puts digit runs at the odd indexes.
    if (i % 2 === 1) {
      const na = pa[i].replace(/^0+(?=\d)/, "");
      const nb = pb[i].replace(/^0+(?=\d)/, "");
      if (na.length !== nb.length) return na.length - nb.length;
      if (na !== nb) return compare(na, nb);
      continue;
    }
    return compare(pa[i], pb[i]);
  }
  return pa.length - pb.length || compare(a, b);
}

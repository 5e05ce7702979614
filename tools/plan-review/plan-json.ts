/**
 * The part of Terraform's plan JSON (`terraform show -json <planfile>`) that plan review reads;
 * see https://developer.hashicorp.com/terraform/internals/json-format. Format 0.1 (Terraform 0.12
 * to 1.0.0), 0.2 (Terraform 1.0.1 to 1.0.x) and 1.x (Terraform 1.1 and later, OpenTofu) share
 * this subset; the later formats only add fields. Objects are parsed loosely: fields a newer
 * Terraform adds are kept and ignored.
 */
import { z } from "zod";

const actions = z.array(z.string()).min(1, "must list at least one action, e.g. [\"create\"]");

const resourceChange = z.looseObject({
  address: z.string().min(1),
  previous_address: z.string().optional(),
  mode: z.string(),
  type: z.string().min(1),
  name: z.string(),
  action_reason: z.string().optional(),
  change: z.looseObject({
    actions,
    before: z.unknown().optional(),
    after: z.unknown().optional(),
    after_unknown: z.unknown().optional(),
    // Each path is a list of attribute names and indexes, e.g. ["attribute", 0, "name"].
    replace_paths: z.array(z.array(z.union([z.string(), z.number()]))).optional(),
    importing: z.looseObject({}).nullable().optional(),
  }),
});

/**
 * Drift entries are read more loosely than planned changes: some format-0.1 plans list drift
 * without an `address`, which plan review then rebuilds from the other fields (`driftAddress`).
 */
const driftChange = z.looseObject({
  address: z.string().optional(),
  module_address: z.string().optional(),
  mode: z.string().optional(),
  type: z.string().optional(),
  name: z.string().optional(),
  index: z.union([z.string(), z.number()]).optional(),
  change: z.looseObject({ actions: z.array(z.string()).optional() }).optional(),
});

/** Plan JSON formats this reads: 0.1 and 0.2 (Terraform 0.12 to 1.0.x) and 1.x (Terraform 1.1 and later). */
export const SUPPORTED_FORMAT = /^(?:0\.[12]|1\.\d+)$/;

function formatVersionProblem(version: string): string {
  const major = /^(\d+)\./.exec(version)?.[1];
  const known = 'this reads plan JSON format "0.1" and "0.2" (Terraform 0.12 to 1.0.x) and "1.x" (Terraform 1.1 and later)';
  if (major !== undefined && Number(major) >= 2) {
    return `format ${JSON.stringify(version)} is newer than ${known}; update tools/plan-review for the new format`;
  }
  return `unknown format ${JSON.stringify(version)}; ${known}`;
}

const planJson = z.looseObject({
  format_version: z.string().superRefine((version, ctx) => {
    if (!SUPPORTED_FORMAT.test(version)) ctx.addIssue({ code: "custom", message: formatVersionProblem(version) });
  }),
  terraform_version: z.string().optional(),
  resource_changes: z.array(resourceChange).optional(),
  resource_drift: z.array(driftChange).optional(),
  output_changes: z.record(z.string(), z.looseObject({ actions })).optional(),
  relevant_attributes: z
    .array(z.looseObject({ resource: z.string(), attribute: z.array(z.union([z.string(), z.number()])) }))
    .optional(),
  // Recent Terraform versions always write these three; older plans omit them (absent is not false).
  /** The planning operation failed: the changes are incomplete and the plan cannot be applied. */
  errored: z.boolean().optional(),
  /** False when the plan failed, or when it succeeded but found nothing to change. */
  applyable: z.boolean().optional(),
  /** False when some resource instances were left unplanned (e.g. `-target`, deferred changes): plan again after applying. */
  complete: z.boolean().optional(),
});

export type PlanJson = z.infer<typeof planJson>;
export type PlanResourceChange = z.infer<typeof resourceChange>;
export type PlanDriftChange = z.infer<typeof driftChange>;

/**
 * A drift entry's address; rebuilt from module_address, mode, type, name and index when the
 * entry has none (format 0.1), and a placeholder when even those are missing.
 */
export function driftAddress(rc: PlanDriftChange): string {
  if (rc.address !== undefined && rc.address !== "") return rc.address;
  if (rc.type === undefined || rc.name === undefined) return "(resource without an address)";
  const index = rc.index === undefined ? "" : typeof rc.index === "number" ? `[${rc.index}]` : `[${JSON.stringify(rc.index)}]`;
  const local = `${rc.mode === "data" ? "data." : ""}${rc.type}.${rc.name}${index}`;
  return rc.module_address ? `${rc.module_address}.${local}` : local;
}

/** Validates `raw` as plan JSON; the error names each bad field. */
export function parsePlanJson(raw: unknown): PlanJson {
  const result = planJson.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `  - ${i.path.length > 0 ? formatAttributePath(i.path) : "(root)"}: ${i.message}`);
  throw new Error(
    `Invalid plan JSON:\n${problems.join("\n")}\nPass the output of "terraform show -json <planfile>" (not "terraform plan -json", which streams log lines).`,
  );
}

/** ["attribute", 0, "name"] -> "attribute[0].name" (plan JSON paths and validation paths alike). */
export function formatAttributePath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i > 0 ? "." : ""}${String(p)}`)).join("");
}

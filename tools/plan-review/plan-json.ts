/**
 * The part of Terraform's plan JSON (`terraform show -json <planfile>`, format_version 1.x)
 * that plan review reads; see https://developer.hashicorp.com/terraform/internals/json-format.
 * Objects are parsed loosely: fields a newer Terraform adds are kept and ignored.
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

const planJson = z.looseObject({
  format_version: z.string().regex(/^1\.\d+$/, 'must be "1.x": this reads plan JSON format 1 (Terraform >= 1.0)'),
  terraform_version: z.string().optional(),
  resource_changes: z.array(resourceChange).optional(),
  resource_drift: z.array(resourceChange).optional(),
  output_changes: z.record(z.string(), z.looseObject({ actions })).optional(),
  relevant_attributes: z
    .array(z.looseObject({ resource: z.string(), attribute: z.array(z.union([z.string(), z.number()])) }))
    .optional(),
  errored: z.boolean().optional(),
});

export type PlanJson = z.infer<typeof planJson>;
export type PlanResourceChange = z.infer<typeof resourceChange>;

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

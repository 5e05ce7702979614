/**
 * Real plans for plan review: `tofu show -json` of a create, an update and a stateful-replace plan
 * go through scripts/plan-summary.ts (the CLI the workflows run), and the comment must show the
 * plan's own counts and, for the replace, the stateful warning. The plans are kept, scrubbed of
 * volatile values, as test fixtures (test/fixtures/plans/real-*.json).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PlannedChange } from "./engine";
import { runCommand } from "./process";
import type { TfJson } from "./stacks";

export type RealPlanKind = "create" | "update" | "replace";

/** The counts plan-summary shows, from the plan's resource changes. */
export function expectedCounts(changes: readonly PlannedChange[]): Record<"create" | "update" | "replace" | "delete", number> {
  const counts = { create: 0, update: 0, replace: 0, delete: 0 };
  for (const c of changes) {
    const a = c.actions.join(",");
    if (a === "create") counts.create++;
    else if (a === "update") counts.update++;
    else if (a === "delete") counts.delete++;
    else if (a === "delete,create" || a === "create,delete") counts.replace++;
  }
  return counts;
}

/** The counts row of a plan-summary comment (`| Create | Update | Replace | Delete |`), keyed by lower-case column. */
export function parseCountsTable(markdown: string): Record<string, number> {
  const lines = markdown.split("\n");
  const header = lines.findIndex((l) => /^\|\s*Create\s*\|\s*Update\s*\|\s*Replace\s*\|\s*Delete/.test(l));
  if (header < 0) throw new Error("the plan summary has no counts table");
  const names = lines[header].split("|").map((s) => s.trim().toLowerCase()).filter(Boolean);
  const values = lines[header + 2].split("|").map((s) => s.trim()).filter(Boolean).map(Number);
  return Object.fromEntries(names.map((n, i) => [n, values[i]]));
}

const VOLATILE_KEYS = new Set(["timestamp", "arn", "id", "key_id", "unique_id", "certificate_pem", "certificate_id", "etag", "version_id", "last_modified", "source_code_hash", "code_sha256", "qualified_arn", "invoke_arn", "stream_arn", "principal", "created_date", "creation_date", "filename"]);

/**
 * A plan JSON without the parts plan-summary does not read, with the values that differ from run to run replaced by placeholders (ids, ARNs with
 * generated parts, timestamps, hashes, local paths) and the moto endpoint by a fixed one, so the
 * fixture only changes when the platform does.
 */
/** Top-level parts of a plan JSON that plan-summary never reads (they hold most of its size): left out of fixtures. */
export const UNREAD_PLAN_PARTS = ["prior_state", "planned_values", "configuration"] as const;

export function scrubPlan(plan: TfJson, endpoint: string): TfJson {
  const kept = Object.fromEntries(Object.entries(plan).filter(([k]) => !(UNREAD_PLAN_PARTS as readonly string[]).includes(k)));
  const scrub = (value: unknown, key?: string): unknown => {
    if (Array.isArray(value)) return value.map((v) => scrub(v));
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v, k)]));
    if (typeof value === "string") {
      if (key && VOLATILE_KEYS.has(key) && value !== "") return `<${key}>`;
      return value.split(endpoint).join("http://127.0.0.1:4566").replace(/\/[^"\s]*\/\.e2e\/out\//g, "<e2e-out>/");
    }
    return value;
  };
  return scrub(kept) as TfJson;
}

export interface PlanReviewCheck {
  readonly kind: RealPlanKind;
  readonly stack: string;
  readonly fixture: string;
  readonly problems: readonly string[];
}

/** Runs scripts/plan-summary.ts on the plan and checks its counts and the stateful warning; writes the scrubbed fixture. */
export async function reviewRealPlan(input: {
  readonly repoRoot: string;
  readonly workDir: string;
  readonly kind: RealPlanKind;
  readonly stack: string;
  readonly plan: TfJson;
  readonly changes: readonly PlannedChange[];
  readonly endpoint: string;
  readonly fixtureDir: string;
}): Promise<PlanReviewCheck> {
  const problems: string[] = [];
  const planFile = join(input.workDir, `real-${input.kind}.json`);
  writeFileSync(planFile, JSON.stringify(input.plan));
  const tsx = join(input.repoRoot, "node_modules", ".bin", "tsx");
  const result = await runCommand(tsx, ["scripts/plan-summary.ts", planFile, "--stack", input.stack], { cwd: input.repoRoot, env: process.env, timeoutMs: 120_000 });
  if (result.code !== 0) problems.push(`plan-summary exited ${result.code}: ${result.stderr.slice(-500)}`);
  else {
    const shown = parseCountsTable(result.stdout);
    const want = expectedCounts(input.changes);
    for (const [k, v] of Object.entries(want)) if (shown[k] !== v) problems.push(`the comment shows ${shown[k]} ${k}, the plan has ${v}`);
    const warns = /stateful resources? would be replaced or destroyed/.test(result.stdout);
    if (input.kind === "replace" && !warns) problems.push("the replace plan's comment has no stateful warning");
    if (input.kind !== "replace" && warns) problems.push(`the ${input.kind} plan's comment warns about a stateful replace`);
  }
  const fixture = join(input.fixtureDir, `real-${input.kind}.json`);
  writeFileSync(fixture, `${JSON.stringify(scrubPlan(input.plan, input.endpoint), null, 1)}\n`);
  return { kind: input.kind, stack: input.stack, fixture, problems };
}

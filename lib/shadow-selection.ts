/**
 * Which shadows of a thing a module works on: the classic (unnamed) shadow and named shadows, or
 * "all" named shadows. ShadowRules routes a selection, DeviceIdentity's policy allows one, and an
 * environment's `shadows` feeds both: their rules are written once, here.
 */
import type { ValidationIssue } from "./issues";

export interface ShadowSelection {
  readonly classic: boolean;
  readonly named: "all" | readonly string[];
}

/** Each named shadow once, and at least one shadow. Paths: ["named", i], or [] for the selection as a whole. */
export function shadowSelectionIssues(selection: ShadowSelection): ValidationIssue[] {
  if (selection.named === "all") return [];
  const named = selection.named;
  const issues: ValidationIssue[] = named.flatMap((s, i) => (named.indexOf(s) !== i ? [{ path: ["named", i], message: `duplicate shadow name "${s}"; list each name once` }] : []));
  if (!selection.classic && named.length === 0) issues.push({ path: [], message: "selects no shadow at all; include the classic shadow or list named shadows" });
  return issues;
}

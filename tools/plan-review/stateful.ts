/**
 * Which Terraform types plan review treats as stateful. The list itself lives once, in
 * modules/change-safety (it also drives `prevent_destroy` and the address lock), so a type
 * added there is flagged in pull requests too.
 */
import { STATEFUL_RESOURCE_TYPES } from "../../modules/change-safety/stateful-resources";

/** Stateful types and why losing one hurts: the one list plan-summary and synth-diff warn about. */
export const PLAN_REVIEW_STATEFUL_TYPES: Readonly<Record<string, { readonly why: string }>> = STATEFUL_RESOURCE_TYPES;

/** Why replacing or deleting a resource of this type hurts, or undefined when it is not stateful. */
export function statefulReason(type: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(PLAN_REVIEW_STATEFUL_TYPES, type) ? PLAN_REVIEW_STATEFUL_TYPES[type].why : undefined;
}

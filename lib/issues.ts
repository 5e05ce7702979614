/**
 * A broken validation rule, reported instead of thrown, so one rule serves both its module (which
 * throws it, naming its own prop) and the config schema (which maps the path onto a config field):
 * the rule and its message are written once, and `npm run synth` and a module user read the same.
 */
export interface ValidationIssue {
  /** Where, relative to the checked object: property names and list indices, e.g. ["groups", 2, "parent"]. */
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** `issues` of a sub-object checked on its own, with `prefix` (where it sits) put in front of their paths. */
export function issuesAt(prefix: readonly (string | number)[], issues: readonly ValidationIssue[]): ValidationIssue[] {
  return issues.map((i) => ({ path: [...prefix, ...i.path], message: i.message }));
}

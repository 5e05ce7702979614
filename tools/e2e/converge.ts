/**
 * A re-plan after apply must show 0 changes. Where the local AWS's fidelity, not the stack, makes a
 * perpetual diff, one narrowly scoped exception explains it: a resource type, the exact attributes,
 * the action, and the evidence. Nothing is blanket-ignored: a change on any other attribute, or
 * any other action, still fails the run.
 */
import type { PlannedChange } from "./engine";
import type { E2eStack } from "./stacks";

export interface ConvergenceException {
  readonly type: string;
  readonly actions: readonly string[];
  /** The update may touch these attributes and nothing else. */
  readonly attributes: readonly string[];
  /** What moto does differently from AWS, and how it was seen. */
  readonly evidence: string;
}

export const convergenceExceptions: readonly ConvergenceException[] = [];

export function unexplainedChanges(
  stack: Pick<E2eStack, "name">,
  changes: readonly PlannedChange[],
  exceptions: readonly ConvergenceException[],
): { unexplained: PlannedChange[]; explained: string[] } {
  const unexplained: PlannedChange[] = [];
  const explained: string[] = [];
  for (const c of changes) {
    const match = exceptions.find(
      (e) =>
        e.type === c.type &&
        JSON.stringify(e.actions) === JSON.stringify(c.actions) &&
        c.changedAttributes.length > 0 &&
        c.changedAttributes.every((a) => e.attributes.includes(a)),
    );
    if (match) explained.push(`${stack.name} ${c.address} (${c.changedAttributes.join(", ")}): ${match.evidence}`);
    else unexplained.push(c);
  }
  return { unexplained, explained };
}

/** The contract between the engine and a rule: yield one outcome per checked subject. */
import type { RuleId } from "../catalog";
import type { Block, StackModel } from "../model";

export interface Outcome {
  readonly address: string;
  readonly constructPath?: string;
  /** What is wrong and what to change; absent when the subject passes. */
  readonly problem?: string;
}

export interface RuleCheck {
  readonly id: RuleId;
  run(stack: StackModel): Iterable<Outcome>;
}

export function pass(subject: Block): Outcome {
  return { address: subject.address, constructPath: subject.constructPath };
}

export function fail(subject: Block, problem: string): Outcome {
  return { address: subject.address, constructPath: subject.constructPath, problem };
}

/** One outcome for a subject: a fail per problem, or a pass when there is none. */
export function* verdict(subject: Block, problems: readonly (string | undefined)[]): Iterable<Outcome> {
  const real = problems.filter((p): p is string => !!p);
  if (real.length === 0) yield pass(subject);
  for (const p of real) yield fail(subject, p);
}

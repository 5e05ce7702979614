/** Public types of the offline check pack. */
import type { RuleId } from "./catalog";

export type { RuleId };

export const ENVIRONMENTS = ["dev", "staging", "prod"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** "error" findings fail the check unless waived; "info" findings are reported but never fail it. */
export type Severity = "error" | "info";

/**
 * Suppresses one rule on one resource, with a written reason that the report shows.
 * There are no wildcard addresses on purpose: every exception is named.
 */
export interface Waiver {
  /** Stack name (cdktf stack id), or "*" for the same address in every stack. */
  readonly stack: string;
  /** Terraform address, e.g. "aws_lambda_function.processor_fn_1A2B3C4D" or "output.table_arn". */
  readonly address: string;
  readonly ruleId: RuleId;
  /** Why this is acceptable, for a reviewer; at least a sentence. */
  readonly reason: string;
}

export interface Finding {
  readonly ruleId: RuleId;
  readonly stack: string;
  readonly address: string;
  /** What is wrong and what to change. */
  readonly message: string;
  readonly severity: Severity;
  /** "FAIL" blocks; "info" and "waived" do not. */
  readonly status: "FAIL" | "info" | "waived";
  /** The waiver's reason, when a waiver suppressed this finding. */
  readonly waived?: string;
  /** cdktf construct path of the resource, when known. */
  readonly constructPath?: string;
}

/** A (rule, resource) pair that was checked and is fine; only used for the report. */
export interface PassResult {
  readonly ruleId: RuleId;
  readonly stack: string;
  readonly address: string;
  readonly status: "pass";
}

export type ReportRow = Finding | PassResult;

export interface CheckOptions {
  /** Overrides the environment read from the AWS provider's default_tags.tags.environment. */
  readonly environment?: Environment;
  /** @default WAIVERS from ./waivers */
  readonly waivers?: readonly Waiver[];
}

export interface StackEvaluation {
  readonly stack: string;
  readonly environment?: Environment;
  readonly findings: readonly Finding[];
  readonly passes: readonly PassResult[];
  /** Waivers that suppressed at least one finding in this stack. */
  readonly usedWaivers: readonly Waiver[];
}

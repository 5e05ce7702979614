/** Minimal typed IAM/KMS policy documents, serialised with JSON.stringify (tokens resolve inside strings). */
import { iotTrustPolicy } from "../../lib/iam";

export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: { readonly Service?: string; readonly AWS?: string } | "*";
  readonly Action: string | readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | boolean>>>>;
}

export function policyDocument(statements: readonly PolicyStatement[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

/**
 * Trust policy for a rule-action role: only AWS IoT, only on behalf of this
 * account, only for rules whose name matches (confused-deputy protection).
 */
export function iotRuleTrustPolicy(accountId: string, ruleArnPattern: string): string {
  return iotTrustPolicy({ sid: "AssumedByIotRulesOfThisAccount", accountId, sourceArnLike: ruleArnPattern });
}

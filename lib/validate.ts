/** Prop checks shared by the modules, so each rule and its message exist once. */
import { Token } from "cdktf";
import { AWS_ACCOUNT_ID, AWS_REGION, IAM_ROLE_ARN, NameRuleId, assertName } from "./aws-names";

/** A value known at synth time (not a token that Terraform resolves later). */
export function isLiteral(value: string | undefined): value is string {
  return value !== undefined && !Token.isUnresolved(value);
}

/** Rejects a literal account id or region AWS would reject; tokens are left to Terraform. */
export function assertAccountAndRegion(owner: string, props: { readonly accountId?: string; readonly region?: string }): void {
  if (isLiteral(props.accountId) && !AWS_ACCOUNT_ID.test(props.accountId)) {
    throw new Error(`${owner} accountId: "${props.accountId}" must be a 12-digit AWS account id`);
  }
  if (isLiteral(props.region) && !AWS_REGION.test(props.region)) {
    throw new Error(`${owner} region: "${props.region}" must look like an AWS region, e.g. eu-west-1`);
  }
}

/** assertName for a value known at synth time; a token (another resource's attribute) is left to AWS. */
export function assertNameIfLiteral(rule: NameRuleId, value: string | undefined, field: string): void {
  if (isLiteral(value)) assertName(rule, value, field);
}

/**
 * A literal IAM role ARN, in `accountId` when both are literals (a queue
 * policy names a role of its own account; another account's role would need
 * an Allow there too). Tokens are left to AWS.
 */
export function assertRoleArnInAccount(field: string, roleArn: string | undefined, accountId: string | undefined): void {
  if (!isLiteral(roleArn)) return;
  if (!IAM_ROLE_ARN.test(roleArn)) throw new Error(`${field}: "${roleArn}" must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)`);
  const account = roleArn.split(":")[4];
  if (isLiteral(accountId) && account !== accountId) {
    throw new Error(`${field}: "${roleArn}" is a role of account ${account}; use a role of account ${accountId}, which owns the queue`);
  }
}

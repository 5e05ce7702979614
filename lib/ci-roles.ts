/**
 * Names of the CI roles, in one place: modules/ci-access creates the roles under
 * these names, and the stacks that must name them before they exist (the state
 * bucket's policy, applied first) derive the same ARNs from them.
 */

/** `<namePrefix>-plan-<environment>`: the read-only plan role of a GitHub environment. */
export function ciPlanRoleName(namePrefix: string, environment: string): string {
  return `${namePrefix}-plan-${environment}`;
}

/** `<namePrefix>-deploy-<environment>`: the deploy role of a GitHub environment. */
export function ciDeployRoleName(namePrefix: string, environment: string): string {
  return `${namePrefix}-deploy-${environment}`;
}

/**
 * The ARN of a role without a path, `arn:<partition>:iam::<account>:role/<name>`: what
 * `aws:PrincipalArn` holds for every session of the role (never the `sts` session ARN).
 */
export function iamRoleArn(partition: string, accountId: string, roleName: string): string {
  return `arn:${partition}:iam::${accountId}:role/${roleName}`;
}

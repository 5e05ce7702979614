/** Secure defaults and fixed names of the CI access roles, in one place. */

/** The role the staging/prod providers assume (`account.assumeRoleArn` in environments/). */
export const DEFAULT_DEPLOYER_NAME = "iot-platform-deployer";

/** The only ref deploy roles (and main-only plan roles) accept in the OIDC `ref` claim. */
export const DEFAULT_DEPLOY_REF = "refs/heads/main";

/** Plan jobs run in the GitHub environment `plan-<environment>`; apply jobs in `<environment>`. */
export const PLAN_ENVIRONMENT_PREFIX = "plan-";

/** One hour: the longest job (an apply) is bounded by its 60-minute timeout. */
export const DEFAULT_MAX_SESSION_SECONDS = 3600;

/** AWS managed policies, by name (`arn:<partition>:iam::aws:policy/<name>`). */
export const READ_ONLY_ACCESS = "ReadOnlyAccess";
export const ADMINISTRATOR_ACCESS = "AdministratorAccess";

export function awsManagedPolicyArn(partition: string, name: string): string {
  return `arn:${partition}:iam::aws:policy/${name}`;
}

/**
 * Data-plane reads that ReadOnlyAccess grants and `terraform plan` never needs:
 * item and shadow contents, log events, queue messages, secret values. Denied
 * explicitly on the plan roles, whose credentials are handed to code under review.
 * (Object reads are denied outside the state keys in their own statement.)
 */
export const PLAN_DENIED_DATA_ACTIONS = [
  "dynamodb:BatchGetItem",
  "dynamodb:GetItem",
  "dynamodb:GetRecords",
  "dynamodb:GetShardIterator",
  "dynamodb:PartiQLSelect",
  "dynamodb:Query",
  "dynamodb:Scan",
  "iot:GetRetainedMessage",
  "iot:GetThingShadow",
  "logs:FilterLogEvents",
  "logs:GetLogEvents",
  "logs:GetLogRecord",
  "logs:StartLiveTail",
  "logs:StartQuery",
  "secretsmanager:GetSecretValue",
  "sqs:ReceiveMessage",
] as const;

/** What the S3 backend does with a state object and its `.tflock` (S3-native locking); defined once in lib/state-access (the state bucket policy uses them too). */
export { STATE_KEY_READ_ACTIONS, STATE_KEY_WRITE_ACTIONS, STATE_READ_ACTIONS, STATE_WRITE_ACTIONS } from "../../lib/state-access";

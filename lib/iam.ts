/** Trust policies shared by the modules, so the confused-deputy guard is written once. */

export interface IotTrustPolicyProps {
  /** Statement id, e.g. "IotLoggingOnly". */
  readonly sid: string;
  /** Only AWS IoT acting for this account may assume the role (aws:SourceAccount). */
  readonly accountId: string;
  /** Narrow further to these rule or resource ARNs (aws:SourceArn, ArnLike). */
  readonly sourceArnLike?: string;
}

/** `sts:AssumeRole` for iot.amazonaws.com only, on behalf of one account (and optionally one ARN pattern). */
export function iotTrustPolicy(props: IotTrustPolicyProps): string {
  const condition: Record<string, Record<string, string>> = { StringEquals: { "aws:SourceAccount": props.accountId } };
  if (props.sourceArnLike !== undefined) condition.ArnLike = { "aws:SourceArn": props.sourceArnLike };
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Sid: props.sid, Effect: "Allow", Principal: { Service: "iot.amazonaws.com" }, Action: "sts:AssumeRole", Condition: condition }],
  });
}

export interface FailureQueuePolicyProps {
  readonly queueArn: string;
  /** The one role that may send: the role the failing service delivers with. */
  readonly senderRoleArn: string;
  /** The one role that may receive and delete (inspect, redrive); undefined: nobody may. */
  readonly operatorRoleArn?: string;
}

/** Actions that read messages off a queue. */
export const QUEUE_READ_ACTIONS = ["sqs:ReceiveMessage", "sqs:DeleteMessage"] as const;

/**
 * Resource policy of a failure queue (dead-letter or error queue): TLS only,
 * `sqs:SendMessage` only by the sender role, receive/delete only by the
 * operator role. Deny statements on `aws:PrincipalArn` (the role ARN for every
 * session of a role), so no identity policy in the account can widen them;
 * the roles themselves still need their IAM permissions.
 */
export function failureQueuePolicy(props: FailureQueuePolicyProps): string {
  const deny = (sid: string, action: string | readonly string[], condition?: Record<string, Record<string, string | boolean>>) => ({
    Sid: sid,
    Effect: "Deny",
    Principal: "*",
    Action: action,
    Resource: props.queueArn,
    ...(condition ? { Condition: condition } : {}),
  });
  const statements = [
    deny("DenyInsecureTransport", "sqs:*", { Bool: { "aws:SecureTransport": false } }),
    deny("OnlyTheSenderRoleSends", "sqs:SendMessage", { ArnNotEquals: { "aws:PrincipalArn": props.senderRoleArn } }),
    props.operatorRoleArn === undefined
      ? deny("NobodyReadsWithoutAnOperatorRole", [...QUEUE_READ_ACTIONS])
      : deny("OnlyTheOperatorRoleReads", [...QUEUE_READ_ACTIONS], { ArnNotEquals: { "aws:PrincipalArn": props.operatorRoleArn } }),
  ];
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

/** The GitHub Actions OIDC issuer (host of its token URL) and the audience configure-aws-credentials requests. */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
export const GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com";

/** GitHub user or organization name: letters, digits and single inner hyphens, 1-39 characters. */
export const GITHUB_OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
/** GitHub repository name: letters, digits, '.', '_' and '-', 1-100 characters, not "." or "..". */
export const GITHUB_REPO = /^(?!\.\.?$)[A-Za-z0-9._-]{1,100}$/;

export interface GithubOidcTrustPolicyProps {
  /** Statement id, e.g. "GithubPlanProd" (letters and digits). */
  readonly sid: string;
  /** ARN of the account's IAM OIDC provider for token.actions.githubusercontent.com. */
  readonly providerArn: string;
  /** Exact `sub` claim, e.g. "repo:acme/iot:environment:prod" (StringEquals: no wildcards). */
  readonly subject: string;
  /** Exact `ref` claim as well, e.g. "refs/heads/main"; omit to accept any ref. */
  readonly ref?: string;
}

/**
 * `sts:AssumeRoleWithWebIdentity` for GitHub Actions OIDC tokens with audience
 * sts.amazonaws.com and exactly one subject (and optionally one ref). Every
 * condition is StringEquals, so a missing or different claim never matches.
 */
export function githubOidcTrustPolicy(props: GithubOidcTrustPolicyProps): string {
  const equals: Record<string, string> = {
    [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE,
    [`${GITHUB_OIDC_HOST}:sub`]: props.subject,
  };
  if (props.ref !== undefined) equals[`${GITHUB_OIDC_HOST}:ref`] = props.ref;
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Sid: props.sid, Effect: "Allow", Principal: { Federated: props.providerArn }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringEquals: equals } },
    ],
  });
}

/** `sts:AssumeRole` for exactly these role ARNs (no account root, no wildcard). */
export function roleTrustPolicy(props: { readonly sid: string; readonly roleArns: readonly string[] }): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Sid: props.sid, Effect: "Allow", Principal: { AWS: [...props.roleArns] }, Action: "sts:AssumeRole" }],
  });
}

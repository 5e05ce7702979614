/**
 * Who reaches the Terraform state, in one place: the S3 actions the backend needs,
 * the object ARNs of a set of state keys, and the resource policies of the state
 * bucket and its KMS key (stacks/state-bootstrap-stack.ts). The CI roles' own IAM
 * policies (modules/ci-access) use the same actions and ARNs, so the bucket side
 * and the identity side cannot drift apart.
 */

/** What the S3 backend does with a state object and its `.tflock` (S3-native locking): plan reads, deploy writes. */
export const STATE_LIST_ACTIONS = ["s3:ListBucket"] as const;
export const STATE_READ_ACTIONS = ["s3:GetObject"] as const;
export const STATE_WRITE_ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"] as const;
export const STATE_KEY_READ_ACTIONS = ["kms:Decrypt"] as const;
export const STATE_KEY_WRITE_ACTIONS = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"] as const;

/** Suffix of the S3-native lock object next to each state object (`use_lockfile = true`). */
export const LOCK_SUFFIX = ".tflock";

/** The object ARNs of state keys: each key and its lock file, or a key pattern ending in `*` as given. */
export function stateKeyArns(partition: string, bucket: string, keys: readonly string[]): string[] {
  return keys.flatMap((k) => {
    const arn = `arn:${partition}:s3:::${bucket}/${k}`;
    return k.endsWith("*") ? [arn] : [arn, `${arn}${LOCK_SUFFIX}`];
  });
}

/** The CI roles of one GitHub environment and the state objects they may reach. */
export interface StateRoleAccess {
  /** GitHub environment, e.g. "dev"; names the statement. */
  readonly environment: string;
  /** Role ARN (not a session ARN): what `aws:PrincipalArn` holds for its sessions. */
  readonly planRoleArn: string;
  readonly deployRoleArn: string;
  /** Object ARNs of the environment's state (from `stateKeyArns`, lock files included). */
  readonly objectArns: readonly string[];
}

export interface StateBucketPolicyProps {
  /** @default "aws" */
  readonly partition?: string;
  readonly bucketName: string;
  /** The administrators' role: the one principal besides the CI roles that reaches the bucket, with every action. */
  readonly breakGlassRoleArn: string;
  /** CI roles per GitHub environment whose state is in this bucket. */
  readonly environments: readonly StateRoleAccess[];
}

export const STATE_BUCKET_SIDS = {
  tls: "DenyInsecureTransport",
  principals: "DenyAllButStateRoles",
  planActions: "PlanRolesOnlyListAndRead",
  deployActions: "DeployRolesOnlyListReadWrite",
  ownState: (environment: string) => `OnlyOwnState${sidPart(environment)}`,
} as const;

function sidPart(name: string): string {
  return name.replace(/[^A-Za-z0-9]/g, "").replace(/^./, (c) => c.toUpperCase());
}

/**
 * The state bucket's policy: deny statements only (access itself comes from the roles'
 * IAM policies), on `aws:PrincipalArn`, which for every session of a role is the role's
 * ARN, so no identity policy in the account can get around them:
 * - TLS only (SEC014);
 * - nobody but the break-glass role and the CI roles reaches the bucket at all
 *   (`ArnNotLike` over the list: denied when the caller matches none of them; a
 *   request without the key, e.g. anonymous, is denied too);
 * - plan roles may only list and read objects, deploy roles only list, read, write
 *   and delete objects: no bucket configuration, policy, version or ACL action, so
 *   a broadened IAM policy cannot suspend versioning or rewrite this policy;
 * - each environment's roles reach objects of their own state keys only.
 * The break-glass role is restricted by nothing but TLS: it applies the bootstrap.
 */
export function stateBucketPolicy(props: StateBucketPolicyProps): string {
  const partition = props.partition ?? "aws";
  const bucket = `arn:${partition}:s3:::${props.bucketName}`;
  const everything = [bucket, `${bucket}/*`];
  const plan = props.environments.map((e) => e.planRoleArn);
  const deploy = props.environments.map((e) => e.deployRoleArn);
  const statements: Record<string, unknown>[] = [
    {
      Sid: STATE_BUCKET_SIDS.tls,
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: everything,
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
    {
      Sid: STATE_BUCKET_SIDS.principals,
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: everything,
      Condition: { ArnNotLike: { "aws:PrincipalArn": [props.breakGlassRoleArn, ...props.environments.flatMap((e) => [e.planRoleArn, e.deployRoleArn])] } },
    },
  ];
  if (props.environments.length > 0) {
    statements.push(
      {
        Sid: STATE_BUCKET_SIDS.planActions,
        Effect: "Deny",
        Principal: "*",
        NotAction: [...STATE_LIST_ACTIONS, ...STATE_READ_ACTIONS],
        Resource: everything,
        Condition: { ArnLike: { "aws:PrincipalArn": plan } },
      },
      {
        Sid: STATE_BUCKET_SIDS.deployActions,
        Effect: "Deny",
        Principal: "*",
        NotAction: [...STATE_LIST_ACTIONS, ...STATE_WRITE_ACTIONS],
        Resource: everything,
        Condition: { ArnLike: { "aws:PrincipalArn": deploy } },
      },
    );
  }
  for (const e of props.environments) {
    if (e.objectArns.length === 0) throw new Error(`stateBucketPolicy: environment "${e.environment}" has no state objects; list its state keys`);
    statements.push({
      Sid: STATE_BUCKET_SIDS.ownState(e.environment),
      Effect: "Deny",
      Principal: "*",
      Action: [...STATE_WRITE_ACTIONS],
      NotResource: [...e.objectArns],
      Condition: { ArnLike: { "aws:PrincipalArn": [e.planRoleArn, e.deployRoleArn] } },
    });
  }
  const sids = statements.map((s) => s.Sid);
  const twice = sids.find((s, i) => sids.indexOf(s) !== i);
  if (twice) throw new Error(`stateBucketPolicy: two environments give statement id "${twice}"; give them names that differ in letters or digits`);
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

/**
 * Key administration without any cryptographic or grant action: an administrator (IAM
 * decides who, through the account statement) can manage, rotate and schedule deletion
 * of the key, but uses it only through the statement below.
 */
export const KEY_ADMIN_ACTIONS = [
  "kms:CancelKeyDeletion",
  "kms:CreateAlias",
  "kms:DeleteAlias",
  "kms:Describe*",
  "kms:Disable*",
  "kms:Enable*",
  "kms:Get*",
  "kms:List*",
  "kms:Put*",
  "kms:Revoke*",
  "kms:RotateKeyOnDemand",
  "kms:ScheduleKeyDeletion",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:Update*",
] as const;

export const STATE_KEY_SIDS = { admin: "KeyAdministrationByIamPolicies", use: "StateObjectsThroughS3Only" } as const;

export interface StateKeyPolicyProps {
  /** @default "aws" */
  readonly partition?: string;
  readonly accountId: string;
  /** Region of the bucket: S3 calls KMS as `s3.<region>.amazonaws.com`. */
  readonly region: string;
  /** @default "amazonaws.com" */
  readonly dnsSuffix?: string;
  /** Role ARNs that may use the key (through S3): the break-glass role and the CI roles. */
  readonly principalArns: readonly string[];
}

/**
 * The state key's policy. Administration stays with the account's IAM policies (so the
 * key can never become unmanageable); encrypt/decrypt only when S3 makes the call
 * (`kms:ViaService`) for this account and for one of `principalArns`, so even an
 * administrator's IAM policy cannot decrypt a state object outside S3, where the bucket
 * policy decides first. Principals are matched by condition, not by `Principal`: the
 * roles need not exist when the key policy is set (the CI roles are created after it).
 */
export function stateKeyPolicy(props: StateKeyPolicyProps): string {
  const partition = props.partition ?? "aws";
  const root = `arn:${partition}:iam::${props.accountId}:root`;
  if (props.principalArns.length === 0) throw new Error("stateKeyPolicy: principalArns must name at least the break-glass role");
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Sid: STATE_KEY_SIDS.admin, Effect: "Allow", Principal: { AWS: root }, Action: [...KEY_ADMIN_ACTIONS], Resource: "*" },
      {
        Sid: STATE_KEY_SIDS.use,
        Effect: "Allow",
        Principal: { AWS: root },
        Action: [...STATE_KEY_WRITE_ACTIONS],
        Resource: "*",
        Condition: {
          StringEquals: { "kms:ViaService": `s3.${props.region}.${props.dnsSuffix ?? "amazonaws.com"}`, "kms:CallerAccount": props.accountId },
          ArnLike: { "aws:PrincipalArn": [...props.principalArns] },
        },
      },
    ],
  });
}

/**
 * Permission policies of the CI roles: the plan role reads (and may not assume
 * roles or read data), the deploy role reaches its state and the deployer only,
 * the deployer may not change the CI access itself. Trust policies come from
 * lib/iam.ts (githubOidcTrustPolicy, roleTrustPolicy).
 */
import { stateKeyArns } from "../../lib/state-access";
import {
  PLAN_DENIED_DATA_ACTIONS,
  STATE_KEY_READ_ACTIONS,
  STATE_KEY_WRITE_ACTIONS,
  STATE_READ_ACTIONS,
  STATE_WRITE_ACTIONS,
} from "./defaults";

export interface StateAccessScope {
  readonly partition: string;
  readonly bucket: string;
  /** Object keys (`<prefix>/<stack>.tfstate`; the `.tflock` next to each is included) or key patterns ending in `*`. */
  readonly objectKeys: readonly string[];
  /** KMS key or alias ARN the state objects are encrypted with. */
  readonly kmsKeyArn?: string;
}

type Statement = Record<string, unknown>;

function document(statements: readonly Statement[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

/** The object ARNs of the state keys: each key and its lock file, or the pattern as given. */
export function stateObjectArns(scope: StateAccessScope): string[] {
  return stateKeyArns(scope.partition, scope.bucket, scope.objectKeys);
}

/** KMS use through S3 only (`kms:ViaService`), on the key or on whichever key the alias names (`kms:ResourceAliases`). */
function stateKeyStatement(kmsKeyArn: string, actions: readonly string[]): Statement {
  const [, partition, , region, account, resource] = kmsKeyArn.split(":");
  const viaS3 = { "kms:ViaService": `s3.${region}.amazonaws.com` };
  if (resource.startsWith("alias/")) {
    return {
      Sid: "StateKeyThroughS3",
      Effect: "Allow",
      Action: [...actions],
      Resource: `arn:${partition}:kms:${region}:${account}:key/*`,
      Condition: { StringEquals: viaS3, "ForAnyValue:StringEquals": { "kms:ResourceAliases": resource } },
    };
  }
  return { Sid: "StateKeyThroughS3", Effect: "Allow", Action: [...actions], Resource: kmsKeyArn, Condition: { StringEquals: viaS3 } };
}

function stateStatements(scope: StateAccessScope, write: boolean): Statement[] {
  const statements: Statement[] = [
    // Key names only (the backend lists workspaces); contents stay limited to the keys below.
    { Sid: "ListStateBucket", Effect: "Allow", Action: ["s3:ListBucket"], Resource: `arn:${scope.partition}:s3:::${scope.bucket}` },
    {
      Sid: write ? "ReadWriteOwnState" : "ReadOwnState",
      Effect: "Allow",
      Action: [...(write ? STATE_WRITE_ACTIONS : STATE_READ_ACTIONS)],
      Resource: stateObjectArns(scope),
    },
  ];
  if (scope.kmsKeyArn !== undefined) statements.push(stateKeyStatement(scope.kmsKeyArn, write ? STATE_KEY_WRITE_ACTIONS : STATE_KEY_READ_ACTIONS));
  return statements;
}

/**
 * Inline policy of a plan role (next to a read-only managed policy): read its
 * state; never assume a role (so never the deployer); no data-plane reads and no
 * object reads outside its state, whatever the managed policy allows.
 */
export function planRolePolicy(scope: StateAccessScope): string {
  return document([
    ...stateStatements(scope, false),
    { Sid: "NeverAssumeRoles", Effect: "Deny", Action: ["sts:AssumeRole"], Resource: "*" },
    { Sid: "NoDataPlaneReads", Effect: "Deny", Action: [...PLAN_DENIED_DATA_ACTIONS], Resource: "*" },
    { Sid: "NoObjectReadsOutsideState", Effect: "Deny", Action: ["s3:GetObject", "s3:GetObjectVersion"], NotResource: stateObjectArns(scope) },
  ]);
}

/** Inline policy of a deploy role: its state (with the lock file) and `sts:AssumeRole` on the deployer, nothing else. */
export function deployRolePolicy(scope: StateAccessScope, deployerArn: string): string {
  return document([...stateStatements(scope, true), { Sid: "AssumeTheDeployer", Effect: "Allow", Action: ["sts:AssumeRole"], Resource: deployerArn }]);
}

/**
 * Inline policy of the deployer: no IAM action on the CI roles, the deployer itself or
 * the OIDC provider, so nothing CI applies can widen who may plan or deploy. The CI
 * access stack is applied by an account administrator.
 */
export function deployerGuardPolicy(protectedArns: readonly string[]): string {
  return document([{ Sid: "NeverChangeCiAccess", Effect: "Deny", Action: ["iam:*"], Resource: [...protectedArns] }]);
}

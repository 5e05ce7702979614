/**
 * CI access of one AWS account for GitHub Actions: the account's GitHub OIDC
 * provider, a read-only plan role and a deploy role per GitHub environment, and
 * the deployer role the stacks' providers assume, trusted by the deploy roles only.
 */
import { Construct } from "constructs";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { AwsPartition, IAM_ROLE_ARN, KMS_KEY_ARN, assertName } from "../../lib/aws-names";
import { ciDeployRoleName, ciPlanRoleName } from "../../lib/ci-roles";
import { GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_HOST, GITHUB_OWNER, GITHUB_REPO, githubOidcTrustPolicy, roleTrustPolicy } from "../../lib/iam";
import { assertAccountAndRegion, isLiteral } from "../../lib/validate";
import {
  ADMINISTRATOR_ACCESS,
  DEFAULT_DEPLOYER_NAME,
  DEFAULT_DEPLOY_REF,
  DEFAULT_MAX_SESSION_SECONDS,
  PLAN_ENVIRONMENT_PREFIX,
  READ_ONLY_ACCESS,
  awsManagedPolicyArn,
} from "./defaults";
import { StateAccessScope, deployRolePolicy, deployerGuardPolicy, planRolePolicy } from "./policies";

export * from "./defaults";
export * from "./policies";

/** One GitHub environment deployed to this account. */
export interface CiAccessEnvironment {
  /** GitHub environment of the apply jobs, e.g. "prod"; plan jobs run in "plan-<name>". */
  readonly name: string;
  /** State object keys of the stacks CI plans and applies there (`<prefix>/<stack>.tfstate`, or a pattern ending in `*`). */
  readonly stateObjectKeys: readonly string[];
  /** The plan role also requires the `ref` claim `deployRef`, so no pull request can plan. @default true */
  readonly planFromMainOnly?: boolean;
}

/** Overrides for the deployer role. */
export interface CiAccessDeployerProps {
  /** @default "iot-platform-deployer" */
  readonly name?: string;
  /** Managed policies the deployments need. @default ["arn:<partition>:iam::aws:policy/AdministratorAccess"] */
  readonly managedPolicyArns?: readonly string[];
  /** Permissions boundary of the deployer. @default none */
  readonly permissionsBoundaryArn?: string;
  /** Other roles the deployer may never change either (IAM deny), e.g. the state bucket's break-glass role. @default [] */
  readonly protectedRoleArns?: readonly string[];
}

export interface CiAccessProps {
  /** Hyphenated prefix of the plan and deploy role names, e.g. "iot-ci" (`<namePrefix>-plan-<env>`). */
  readonly namePrefix: string;
  /** 12-digit account the roles live in. */
  readonly accountId: string;
  /** @default "aws" */
  readonly partition?: AwsPartition;
  /** GitHub user or organization owning the repository, spelled exactly as GitHub does (claims compare case-sensitively). */
  readonly githubOwner: string;
  /** Repository whose workflows plan and deploy. */
  readonly githubRepo: string;
  /** GitHub environments deployed to this account: one plan role and one deploy role each. */
  readonly environments: readonly CiAccessEnvironment[];
  /** Bucket holding the state objects of `environments`. */
  readonly stateBucket: string;
  /** KMS key or alias ARN of the state objects; the roles use it through S3 only. @default none (no KMS statement) */
  readonly stateKmsKeyArn?: string;
  /** The ref deploy roles and main-only plan roles require (`token.actions.githubusercontent.com:ref`). @default "refs/heads/main" */
  readonly deployRef?: string;
  /** Trust this existing GitHub OIDC provider of the account instead of creating one. @default none (one is created) */
  readonly existingOidcProviderArn?: string;
  /** Managed policies of the plan roles; keep them read-only. @default ["arn:<partition>:iam::aws:policy/ReadOnlyAccess"] */
  readonly planManagedPolicyArns?: readonly string[];
  /** Overrides for the deployer role. @default {} */
  readonly deployer?: CiAccessDeployerProps;
  /** Permissions boundary of the plan and deploy roles. @default none */
  readonly permissionsBoundaryArn?: string;
  /** Longest session of the plan and deploy roles, 3600-43200. @default 3600 */
  readonly maxSessionDurationSeconds?: number;
}

/** The OIDC subjects a role of one environment trusts. */
export interface CiAccessSubjects {
  /** `repo:<owner>/<repo>:environment:plan-<name>` */
  readonly plan: string;
  /** `repo:<owner>/<repo>:environment:<name>` */
  readonly deploy: string;
}

const NAME_PREFIX = /^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$/;
const ENVIRONMENT_NAME = /^[a-z0-9][a-z0-9_-]{0,29}$/;
const STATE_KEY = /^[A-Za-z0-9_./-]+\*?$/;
const REF = /^refs\/(heads|tags)\/[A-Za-z0-9._/-]+$/;
const OIDC_PROVIDER_ARN = /^arn:aws(-cn|-us-gov)?:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/;
const MANAGED_POLICY_ARN = /^arn:aws(-cn|-us-gov)?:iam::(aws|\d{12}):policy\/[\w+=,.@/-]+$/;
const PARTITIONS: readonly AwsPartition[] = ["aws", "aws-cn", "aws-us-gov"];

export class CiAccess extends Construct {
  /** Undefined with `existingOidcProviderArn`. */
  readonly oidcProvider?: IamOpenidConnectProvider;
  /** The provider the plan and deploy roles trust (created or existing). */
  readonly oidcProviderArn: string;
  /** Read-only plan roles, by environment name. */
  readonly planRoles: Readonly<Record<string, IamRole>>;
  /** Deploy roles, by environment name. */
  readonly deployRoles: Readonly<Record<string, IamRole>>;
  /** The role the stacks' providers assume; trusted by the deploy roles only. */
  readonly deployer: IamRole;
  /** The OIDC subjects each environment's roles trust, by environment name. */
  readonly subjects: Readonly<Record<string, CiAccessSubjects>>;

  constructor(scope: Construct, id: string, props: CiAccessProps) {
    super(scope, id);
    const p = validate(props);
    const repo = `repo:${props.githubOwner}/${props.githubRepo}`;

    if (props.existingOidcProviderArn !== undefined) {
      this.oidcProviderArn = props.existingOidcProviderArn;
    } else {
      // No thumbprint_list: IAM verifies GitHub's certificate through its own trusted CAs.
      this.oidcProvider = new IamOpenidConnectProvider(this, "github_oidc_provider", {
        url: `https://${GITHUB_OIDC_HOST}`,
        clientIdList: [GITHUB_OIDC_AUDIENCE],
      });
      this.oidcProviderArn = this.oidcProvider.arn;
    }

    const roleDefaults = { maxSessionDuration: p.maxSessionDuration, permissionsBoundary: props.permissionsBoundaryArn };
    const subjects: Record<string, CiAccessSubjects> = {};
    const planRoles: Record<string, IamRole> = {};
    const deployRoles: Record<string, IamRole> = {};
    for (const env of props.environments) {
      const s = { plan: `${repo}:environment:${PLAN_ENVIRONMENT_PREFIX}${env.name}`, deploy: `${repo}:environment:${env.name}` };
      subjects[env.name] = s;
      const sidSuffix = env.name.replace(/[^A-Za-z0-9]/g, "").replace(/^./, (c) => c.toUpperCase());
      planRoles[env.name] = new IamRole(this, `plan_role_${env.name}`, {
        name: assertName("iamRole", ciPlanRoleName(props.namePrefix, env.name), "CiAccess: plan role name (shorten namePrefix or the environment name)"),
        description: `Read-only terraform plan from GitHub environment ${PLAN_ENVIRONMENT_PREFIX}${env.name} of ${props.githubOwner}/${props.githubRepo}`,
        assumeRolePolicy: githubOidcTrustPolicy({
          sid: `GithubPlan${sidSuffix}`,
          providerArn: this.oidcProviderArn,
          subject: s.plan,
          ref: (env.planFromMainOnly ?? true) ? p.deployRef : undefined,
        }),
        ...roleDefaults,
      });
      deployRoles[env.name] = new IamRole(this, `deploy_role_${env.name}`, {
        name: assertName("iamRole", ciDeployRoleName(props.namePrefix, env.name), "CiAccess: deploy role name (shorten namePrefix or the environment name)"),
        description: `Apply from GitHub environment ${env.name} of ${props.githubOwner}/${props.githubRepo} on ${p.deployRef}, through the deployer`,
        assumeRolePolicy: githubOidcTrustPolicy({ sid: `GithubDeploy${sidSuffix}`, providerArn: this.oidcProviderArn, subject: s.deploy, ref: p.deployRef }),
        ...roleDefaults,
      });
    }
    this.subjects = subjects;
    this.planRoles = planRoles;
    this.deployRoles = deployRoles;

    this.deployer = new IamRole(this, "deployer", {
      name: p.deployerName,
      description: "Assumed by the providers of CI applies; trusted by the CI deploy roles only",
      assumeRolePolicy: roleTrustPolicy({ sid: "CiDeployRolesOnly", roleArns: Object.values(deployRoles).map((r) => r.arn) }),
      maxSessionDuration: p.maxSessionDuration,
      permissionsBoundary: props.deployer?.permissionsBoundaryArn,
    });
    p.deployerPolicyArns.forEach((arn) => {
      new IamRolePolicyAttachment(this, `deployer_${policyId(arn)}`, { role: this.deployer.name, policyArn: arn });
    });
    new IamRolePolicy(this, "deployer_guard", {
      name: "never-change-ci-access",
      role: this.deployer.id,
      policy: deployerGuardPolicy([
        this.oidcProviderArn,
        this.deployer.arn,
        ...Object.values(planRoles).map((r) => r.arn),
        ...Object.values(deployRoles).map((r) => r.arn),
        ...(props.deployer?.protectedRoleArns ?? []),
      ]),
    });

    for (const env of props.environments) {
      const scope: StateAccessScope = { partition: p.partition, bucket: props.stateBucket, objectKeys: env.stateObjectKeys, kmsKeyArn: props.stateKmsKeyArn };
      const plan = planRoles[env.name];
      p.planPolicyArns.forEach((arn) => {
        new IamRolePolicyAttachment(this, `plan_role_${env.name}_${policyId(arn)}`, { role: plan.name, policyArn: arn });
      });
      new IamRolePolicy(this, `plan_role_${env.name}_policy`, { name: "plan-state-read", role: plan.id, policy: planRolePolicy(scope) });
      const deploy = deployRoles[env.name];
      new IamRolePolicy(this, `deploy_role_${env.name}_policy`, { name: "deploy-state-and-deployer", role: deploy.id, policy: deployRolePolicy(scope, this.deployer.arn) });
    }
  }
}

/** A construct id from a managed policy ARN's name, e.g. "ReadOnlyAccess" -> "readonlyaccess". */
function policyId(arn: string): string {
  return arn.split("/").pop()!.replace(/[^A-Za-z0-9]/g, "_").toLowerCase();
}

interface Resolved {
  readonly partition: AwsPartition;
  readonly deployRef: string;
  readonly maxSessionDuration: number;
  readonly deployerName: string;
  readonly planPolicyArns: readonly string[];
  readonly deployerPolicyArns: readonly string[];
}

function managedPolicies(field: string, arns: readonly string[]): readonly string[] {
  for (const arn of arns) {
    if (!MANAGED_POLICY_ARN.test(arn)) throw new Error(`CiAccess: ${field} "${arn}" is not an IAM managed policy ARN (arn:aws:iam::aws:policy/<name>)`);
  }
  if (new Set(arns.map(policyId)).size !== arns.length) throw new Error(`CiAccess: ${field} lists one policy name twice; keep one`);
  return arns;
}

function validate(props: CiAccessProps): Resolved {
  if (!NAME_PREFIX.test(props.namePrefix ?? "")) {
    throw new Error(`CiAccess: namePrefix "${props.namePrefix}" is invalid; use letters and digits joined by single hyphens, e.g. "iot-ci"`);
  }
  assertAccountAndRegion("CiAccess", { accountId: props.accountId ?? "" });
  const partition = props.partition ?? "aws";
  if (!PARTITIONS.includes(partition)) throw new Error(`CiAccess: partition "${partition}" is invalid; allowed: ${PARTITIONS.join(", ")}`);
  if (!GITHUB_OWNER.test(props.githubOwner ?? "")) {
    throw new Error(`CiAccess: githubOwner "${props.githubOwner}" is not a GitHub user or organization name (letters, digits, single hyphens, at most 39)`);
  }
  if (!GITHUB_REPO.test(props.githubRepo ?? "")) {
    throw new Error(`CiAccess: githubRepo "${props.githubRepo}" is not a GitHub repository name (letters, digits, '.', '_', '-', at most 100)`);
  }

  const envs = props.environments ?? [];
  if (envs.length === 0) throw new Error("CiAccess: environments must name at least one GitHub environment deployed to this account");
  const seen = new Set<string>();
  for (const env of envs) {
    if (!ENVIRONMENT_NAME.test(env.name ?? "")) {
      throw new Error(`CiAccess: environment name "${env.name}" is invalid; use 1-30 lowercase letters, digits, '-' or '_', starting with a letter or digit`);
    }
    if (env.name.startsWith(PLAN_ENVIRONMENT_PREFIX)) {
      throw new Error(`CiAccess: environment name "${env.name}" starts with "${PLAN_ENVIRONMENT_PREFIX}", which names the plan environments; rename it`);
    }
    if (seen.has(env.name)) throw new Error(`CiAccess: environment "${env.name}" is listed twice; keep one`);
    seen.add(env.name);
    if (!Array.isArray(env.stateObjectKeys) || env.stateObjectKeys.length === 0) {
      throw new Error(`CiAccess: environment "${env.name}" needs stateObjectKeys (the state keys of the stacks CI deploys there)`);
    }
    for (const key of env.stateObjectKeys) {
      if (!STATE_KEY.test(key)) throw new Error(`CiAccess: environment "${env.name}" stateObjectKeys "${key}" is invalid; use letters, digits and _ . / -, with '*' only at the end`);
    }
  }

  assertName("s3Bucket", props.stateBucket ?? "", "CiAccess: stateBucket");
  if (props.stateKmsKeyArn !== undefined && !KMS_KEY_ARN.test(props.stateKmsKeyArn)) {
    throw new Error(`CiAccess: stateKmsKeyArn "${props.stateKmsKeyArn}" is not a KMS key or alias ARN`);
  }
  const deployRef = props.deployRef ?? DEFAULT_DEPLOY_REF;
  if (!REF.test(deployRef)) throw new Error(`CiAccess: deployRef "${deployRef}" must be a full branch or tag ref without wildcards, e.g. "refs/heads/main"`);
  if (props.existingOidcProviderArn !== undefined && !OIDC_PROVIDER_ARN.test(props.existingOidcProviderArn)) {
    throw new Error(`CiAccess: existingOidcProviderArn "${props.existingOidcProviderArn}" is not the ARN of a ${GITHUB_OIDC_HOST} OIDC provider`);
  }
  const maxSessionDuration = props.maxSessionDurationSeconds ?? DEFAULT_MAX_SESSION_SECONDS;
  if (!Number.isInteger(maxSessionDuration) || maxSessionDuration < 3600 || maxSessionDuration > 43200) {
    throw new Error(`CiAccess: maxSessionDurationSeconds must be an integer from 3600 to 43200, got ${maxSessionDuration}`);
  }
  const deployerName = assertName("iamRole", props.deployer?.name ?? DEFAULT_DEPLOYER_NAME, "CiAccess: deployer.name");
  for (const arn of props.deployer?.protectedRoleArns ?? []) {
    if (isLiteral(arn) && !IAM_ROLE_ARN.test(arn)) throw new Error(`CiAccess: deployer.protectedRoleArns "${arn}" is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)`);
  }

  return {
    partition,
    deployRef,
    maxSessionDuration,
    deployerName,
    planPolicyArns: managedPolicies("planManagedPolicyArns", props.planManagedPolicyArns ?? [awsManagedPolicyArn(partition, READ_ONLY_ACCESS)]),
    deployerPolicyArns: managedPolicies("deployer.managedPolicyArns", props.deployer?.managedPolicyArns ?? [awsManagedPolicyArn(partition, ADMINISTRATOR_ACCESS)]),
  };
}

/**
 * CI access of one account: the GitHub OIDC provider, a plan and a deploy role per
 * GitHub environment deployed there, and the deployer the providers assume.
 * Composition only (modules/ci-access). The root of trust: an account administrator
 * applies it (`npx cdktf deploy iot-<account>-ci-access`); CI never does.
 */
import { TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { CiAccess, DEFAULT_DEPLOYER_NAME } from "../modules/ci-access";
import { ciDeployRoleName, ciPlanRoleName, iamRoleArn } from "../lib/ci-roles";
import { ConfigError, EnvironmentConfig } from "../lib/config-schema";
import { platformTags } from "../lib/tags";
import { PLATFORM_PREFIX } from "./baseline-stack";
import { CiDeployment, CiRepository, ciStateAccessKeys, strictestEnvironment } from "./ci-deployments";
import { StateMode, configureAwsProvider, configureStateBackend } from "./platform-stack-base";

export interface CiAccessStackProps {
  /** Every environment of the account (any product line). */
  readonly environments: readonly EnvironmentConfig[];
  /** The CI deployments of this account (from ciDeployments). */
  readonly deployments: readonly CiDeployment[];
  readonly repository: CiRepository;
  /** @default "s3" */
  readonly stateMode?: StateMode;
}

export class CiAccessStack extends TerraformStack {
  readonly access: CiAccess;

  static stackName(accountId: string): string {
    return `${PLATFORM_PREFIX}-${accountId}-ci-access`;
  }

  /** `namePrefix` of the CI roles: `iot-ci-plan-<env>`, `iot-ci-deploy-<env>`. */
  static readonly roleNamePrefix = `${PLATFORM_PREFIX}-ci`;

  /** The ARNs this stack gives an environment's plan and deploy roles (the state bucket policy names them before they exist). */
  static roleArns(accountId: string, environment: string, partition = "aws"): { readonly plan: string; readonly deploy: string } {
    return {
      plan: iamRoleArn(partition, accountId, ciPlanRoleName(CiAccessStack.roleNamePrefix, environment)),
      deploy: iamRoleArn(partition, accountId, ciDeployRoleName(CiAccessStack.roleNamePrefix, environment)),
    };
  }

  constructor(scope: Construct, props: CiAccessStackProps) {
    const [first] = props.environments;
    if (!first) throw new Error("CiAccessStack: environments must name at least one environment of the account");
    const accountId = first.account.id;
    const stackName = CiAccessStack.stackName(accountId);
    const stray = [...props.environments.map((e) => e.account.id), ...props.deployments.map((d) => d.accountId)].find((a) => a !== accountId);
    if (stray) throw new Error(`CiAccessStack: ${stackName} holds account ${accountId} only, not ${stray}`);
    super(scope, stackName);

    // An administrator's own credentials (assume_role_arn defaults to none); IAM is global, the region only hosts the API calls.
    configureAwsProvider(this, {
      accountId,
      region: first.account.region,
      tags: platformTags({ environment: strictestEnvironment(props.environments), productLine: "shared" }),
      sessionName: `cdktf-${stackName}`,
    });
    configureStateBackend(this, stackName, first.state, props.stateMode ?? "s3");

    const stacks = props.deployments.flatMap((d) => d.stacks);
    const buckets = [...new Set(stacks.map((s) => s.state.bucket))];
    const keys = [...new Set(stacks.map((s) => s.state.kmsKeyArn ?? ""))];
    if (buckets.length !== 1 || keys.length !== 1) {
      // A config mistake (state of an environment file), so a ConfigError naming the environments, not a stack trace.
      const where = props.environments.map((e) => `"${e.label}": ${e.state.bucket}${e.state.kmsKeyArn ? ` (key ${e.state.kmsKeyArn})` : ""}`).join(", ");
      throw new ConfigError(
        `CI: the environments of account ${accountId} keep state in different buckets or keys (${where}); the CI roles of an account reach one state bucket and key, ` +
          `so give every environment of the account the same state.bucket, state.region and state.kmsKeyArn (stateIn("${accountId}") in environments/product-lines.ts)`,
      );
    }

    this.access = new CiAccess(this, "ci_access", {
      namePrefix: CiAccessStack.roleNamePrefix,
      accountId,
      githubOwner: props.repository.githubOwner,
      githubRepo: props.repository.githubRepo,
      environments: props.deployments.map((d) => ({ name: d.environment, stateObjectKeys: ciStateAccessKeys(d.stacks), planFromMainOnly: !d.planInPullRequests })),
      stateBucket: buckets[0],
      stateKmsKeyArn: keys[0] || undefined,
      // The break-glass role is the one way into the state bucket besides the CI roles: the deployer may not change it.
      deployer: { name: deployerName(props.environments, accountId), protectedRoleArns: [...new Set(props.environments.map((e) => e.state.breakGlassRoleArn))] },
    });

    new TerraformOutput(this, "oidc_provider_arn", { value: this.access.oidcProviderArn });
    new TerraformOutput(this, "deployer_role_arn", { value: this.access.deployer.arn });
    for (const d of props.deployments) {
      new TerraformOutput(this, `plan_role_arn_${d.environment}`, { value: this.access.planRoles[d.environment].arn });
      new TerraformOutput(this, `deploy_role_arn_${d.environment}`, { value: this.access.deployRoles[d.environment].arn });
    }
  }
}

/** The role the environments' providers assume (`account.assumeRoleArn`), which the stack creates as the deployer. */
function deployerName(envs: readonly EnvironmentConfig[], accountId: string): string {
  const arns = [...new Set(envs.flatMap((e) => (e.account.assumeRoleArn ? [e.account.assumeRoleArn] : [])))];
  if (arns.length > 1) throw new Error(`CiAccessStack: environments of account ${accountId} assume different roles (${arns.join(", ")}); the account has one deployer, name it in every account.assumeRoleArn`);
  if (arns.length === 0) return DEFAULT_DEPLOYER_NAME;
  const m = /^arn:[^:]+:iam::(\d{12}):role\/([^/]+)$/.exec(arns[0]);
  if (!m || m[1] !== accountId) {
    throw new Error(`CiAccessStack: account.assumeRoleArn "${arns[0]}" must be a role of account ${accountId} without a path (arn:aws:iam::${accountId}:role/<name>), the deployer this stack creates`);
  }
  return m[2];
}

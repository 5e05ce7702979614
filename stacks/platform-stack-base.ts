/**
 * What every environment stack shares: the AWS provider (region, allowed
 * account, default tags, optional assume-role) and its own remote state.
 */
import { LocalBackend, S3Backend, TerraformStack, TerraformVariable } from "cdktf";
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { EnvironmentConfig } from "../lib/config-schema";
import { applyPreventDestroy } from "../modules/change-safety";
import { Naming } from "../lib/naming";
import { platformTags } from "../lib/tags";

/** "s3": remote state per stack (default). "local": local files, for experiments only. */
export type StateMode = "s3" | "local";

export interface StateBackendProps {
  readonly bucket: string;
  readonly region: string;
  readonly keyPrefix: string;
  readonly kmsKeyArn?: string;
}

export interface PlatformStackBaseProps {
  readonly config: EnvironmentConfig;
  /** @default "s3" */
  readonly stateMode?: StateMode;
}

/** The S3 object key of a stack's state: `<keyPrefix>/<stack>.tfstate` (the CI roles are scoped to these keys). */
export function stateObjectKey(stackName: string, state: Pick<StateBackendProps, "keyPrefix">): string {
  return `${state.keyPrefix}/${stackName}.tfstate`;
}

/**
 * Where a stack keeps local state (`IOT_STATE=local`): `../<stack>/terraform.<stack>.tfstate`, relative
 * to the directory the engine runs in, which cdktf makes `<outdir>/stacks/<stack>`. So the path names
 * the stack's own directory from there, and the same path in a consumer's `terraform_remote_state`
 * (cdktf copies the producer's backend config) reaches the producer's state from the consumer's
 * directory. A bare `terraform.<stack>.tfstate` would look in the consumer's directory and find
 * nothing. Relative, so synthesized JSON does not depend on where the checkout is.
 */
export function localStatePath(stackName: string): string {
  return `../${stackName}/terraform.${stackName}.tfstate`;
}

/** S3 backend with encryption and S3-native locking (Terraform >= 1.11), key unique per stack. */
export function configureStateBackend(stack: TerraformStack, stackName: string, state: StateBackendProps, mode: StateMode): void {
  if (mode === "local") {
    new LocalBackend(stack, { path: localStatePath(stackName) });
    return;
  }
  new S3Backend(stack, {
    bucket: state.bucket,
    key: stateObjectKey(stackName, state),
    region: state.region,
    encrypt: true,
    kmsKeyId: state.kmsKeyArn,
  });
  // cdktf 0.21's typed S3BackendConfig has no useLockfile; the override is asserted in tests.
  stack.addOverride("terraform.backend.s3.use_lockfile", true);
}

export interface AwsProviderProps {
  readonly accountId: string;
  readonly region: string;
  readonly tags: Record<string, string>;
  /** Default of the `assume_role_arn` variable (local runs); CI always sets the variable. @default "" (none) */
  readonly assumeRoleArn?: string;
  readonly sessionName: string;
}

/** The Terraform variable naming the role the provider assumes (`TF_VAR_assume_role_arn`). */
export const ASSUME_ROLE_VARIABLE = "assume_role_arn";

/**
 * Provider pinned to one account (allowed_account_ids) so a wrong profile fails before any change.
 * The role it assumes is the `assume_role_arn` variable: empty means the caller's own credentials
 * (the provider skips an assume_role block with an empty role_arn). CI sets it to "" for plans
 * (the read-only plan role) and to the deployer for applies. It is ephemeral (Terraform >= 1.10):
 * a saved plan does not store it, so the apply of an approved plan sets it again.
 */
export function configureAwsProvider(scope: Construct, props: AwsProviderProps): AwsProvider {
  const assumeRoleArn = new TerraformVariable(scope, ASSUME_ROLE_VARIABLE, {
    type: "string",
    default: props.assumeRoleArn ?? "",
    description: "IAM role the AWS provider assumes; empty: the caller's credentials. CI: empty for plans, the deployer role for applies.",
  });
  assumeRoleArn.addOverride("ephemeral", true);
  return new AwsProvider(scope, "aws", {
    region: props.region,
    allowedAccountIds: [props.accountId],
    defaultTags: [{ tags: props.tags }],
    assumeRole: [{ roleArn: assumeRoleArn.stringValue, sessionName: props.sessionName }],
  });
}

export abstract class PlatformStackBase extends TerraformStack {
  readonly config: EnvironmentConfig;
  readonly naming: Naming;

  protected constructor(scope: Construct, layer: string, props: PlatformStackBaseProps) {
    const naming = new Naming(props.config);
    const stackName = naming.stack(layer);
    super(scope, stackName);
    this.config = props.config;
    this.naming = naming;
    configureAwsProvider(this, {
      accountId: props.config.account.id,
      region: props.config.account.region,
      tags: platformTags({ environment: props.config.environment, productLine: props.config.productLine, extra: props.config.tags }),
      assumeRoleArn: props.config.account.assumeRoleArn,
      sessionName: `cdktf-${stackName}`,
    });
    configureStateBackend(this, stackName, props.config.state, props.stateMode ?? "s3");
    // The environment alone decides: on in staging/prod by default, off in dev.
    applyPreventDestroy(this, props.config.preventDestroy);
  }
}

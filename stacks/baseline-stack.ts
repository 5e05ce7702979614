/**
 * Account- and region-wide IoT settings (fleet indexing, logging, event
 * configurations). They are singletons: exactly one stack per account and
 * region owns them, so environment stacks never declare them.
 */
import { TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { AccountBaseline, IotLogLevel } from "../modules/account-baseline";
import { applyPreventDestroy } from "../modules/change-safety";
import { EnvironmentConfig } from "../lib/config-schema";
import { platformTags } from "../lib/tags";
import { StateMode, configureAwsProvider, configureStateBackend } from "./platform-stack-base";

/** Account-level stacks belong to the platform, not to a product line. */
export const PLATFORM_PREFIX = "iot";

export interface BaselineStackProps {
  /** Every environment deployed to this account and region (any product line). */
  readonly environments: readonly EnvironmentConfig[];
  /** @default "s3" */
  readonly stateMode?: StateMode;
}

export class BaselineStack extends TerraformStack {
  readonly baseline: AccountBaseline;

  static stackName(accountId: string, region: string): string {
    return `${PLATFORM_PREFIX}-${accountId}-${region}-baseline`;
  }

  constructor(scope: Construct, props: BaselineStackProps) {
    const [first] = props.environments;
    if (!first) throw new Error("BaselineStack: environments must name at least one environment of the account");
    const { id: accountId, region } = first.account;
    const stray = props.environments.find((e) => e.account.id !== accountId || e.account.region !== region);
    if (stray) throw new Error(`BaselineStack: environment ${stray.productLine}/${stray.environment} is in ${stray.account.id}/${stray.account.region}, not ${accountId}/${region}`);
    const stackName = BaselineStack.stackName(accountId, region);
    super(scope, stackName);

    const isProdAccount = props.environments.some((e) => e.environment === "prod");
    configureAwsProvider(this, {
      accountId,
      region,
      tags: platformTags({ environment: isProdAccount ? "prod" : first.environment, productLine: "shared" }),
      assumeRoleArn: first.account.assumeRoleArn,
      sessionName: `cdktf-${stackName}`,
    });
    configureStateBackend(this, stackName, first.state, props.stateMode ?? "s3");

    // Named-shadow indexing needs explicit names; "all" (route every named shadow) has none to give.
    const namedShadowNames = [...new Set(props.environments.flatMap((e) => (Array.isArray(e.shadows.named) ? e.shadows.named : [])))];
    // One account-wide setting: the config schema (assertAccountIsolation) makes the environments agree.
    const levels = [...new Set(props.environments.map((e) => e.iotLogLevel))];
    if (levels.length > 1) throw new Error(`BaselineStack: environments of ${accountId}/${region} set different iotLogLevel values (${levels.join(", ")}); set one`);
    const logLevel: IotLogLevel = levels[0];
    const preventDestroy = props.environments.some((e) => e.preventDestroy);

    this.baseline = new AccountBaseline(this, "account_baseline", {
      namePrefix: `${PLATFORM_PREFIX}-${region}`,
      accountId,
      region,
      namedShadowNames,
      logLevel,
      preventDestroy,
    });
    applyPreventDestroy(this, preventDestroy);

    new TerraformOutput(this, "iot_logging_role_arn", { value: this.baseline.loggingRoleArn });
  }
}

/**
 * IoT and compute layer of one environment: device identity, processor, rules, observability.
 * Composition only: every resource comes from a module.
 */
import { TerraformOutput } from "cdktf";
import { Construct } from "constructs";
import { join } from "node:path";
import { DeviceIdentity } from "../modules/device-identity";
import { HistoryTableRef } from "./data-stack";
import { PlatformStackBase, PlatformStackBaseProps } from "./platform-stack-base";

export const REPO_ROOT = join(__dirname, "..");

export interface PlatformStackProps extends PlatformStackBaseProps {
  readonly history?: HistoryTableRef;
  /** @default "<repo>/dist/functions" */
  readonly functionsDistDir?: string;
  /** Directory CSR paths in config are relative to. @default the repository root */
  readonly repoRoot?: string;
}

export class PlatformStack extends PlatformStackBase {
  readonly identity: DeviceIdentity;

  constructor(scope: Construct, props: PlatformStackProps) {
    super(scope, "platform", props);
    const { config, naming } = this;
    const devices = config.devices;

    this.identity = new DeviceIdentity(this, "device_identity", {
      namePrefix: naming.base,
      accountId: config.account.id,
      region: config.account.region,
      thingType: devices.thingType,
      things: devices.things,
      groups: devices.groups,
      certificateMode: devices.certificateMode,
      allowKeyGeneration: devices.certificateMode === "generate",
      policyAttachment: devices.policyAttachment,
      policyGroup: devices.policyGroup,
      shadowAccess: { classic: config.shadows.classic, named: config.shadows.named },
      fleetProvisioning: { enabled: devices.fleetProvisioning.enabled || devices.certificateMode === "fleet-provisioning" },
      preventDestroy: config.preventDestroy,
      csrBaseDir: props.repoRoot ?? REPO_ROOT,
    });

    const id = this.identity.outputs;
    new TerraformOutput(this, "iot_data_endpoint", { value: id.dataEndpoint });
    new TerraformOutput(this, "thing_arns", { value: id.thingArns });
    new TerraformOutput(this, "certificate_arns", { value: id.certificateArns });
    new TerraformOutput(this, "device_policy_names", { value: id.policyNames });
    if (id.provisioningTemplateName) new TerraformOutput(this, "provisioning_template_name", { value: id.provisioningTemplateName });
  }
}

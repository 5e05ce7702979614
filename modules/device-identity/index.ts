/**
 * Device identity: who a device is (thing type, thing, certificate, groups)
 * and what it may do (least-privilege IoT policy), plus optional fleet
 * provisioning. No private key enters Terraform state unless the caller opts
 * in to certificateMode "generate".
 */
import { Construct } from "constructs";
import { ITerraformDependable, TerraformResourceLifecycle } from "cdktf";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsIotEndpoint } from "@cdktf/provider-aws/lib/data-aws-iot-endpoint";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IotCertificate } from "@cdktf/provider-aws/lib/iot-certificate";
import { IotPolicy } from "@cdktf/provider-aws/lib/iot-policy";
import { IotPolicyAttachment } from "@cdktf/provider-aws/lib/iot-policy-attachment";
import { IotProvisioningTemplate } from "@cdktf/provider-aws/lib/iot-provisioning-template";
import { IotThing } from "@cdktf/provider-aws/lib/iot-thing";
import { IotThingGroup } from "@cdktf/provider-aws/lib/iot-thing-group";
import { IotThingType } from "@cdktf/provider-aws/lib/iot-thing-type";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { SsmParameter } from "@cdktf/provider-aws/lib/ssm-parameter";
import { createFleetResources } from "./fleet";
import type { ProvisioningHookResources } from "./provisioning-hook";
import { createKeyStorage } from "./key-storage";
import { devicePolicyDocument } from "./policies";
import { createThingResources } from "./things";
import { DeviceIdentityOutputs, DeviceIdentityProps, ThingWiring } from "./types";
import { ResolvedProps, resolveProps } from "./validate";

export * from "./types";
export { devicePolicyDocument, claimPolicyDocument, SHADOW_REPLY_TOPICS, SHADOW_REQUEST_TOPICS } from "./policies";
export { provisioningTemplateArn, provisioningTemplateBody } from "./fleet";
export type { ProvisioningHookResources } from "./provisioning-hook";
export { CsrParseError, describeKey, parseCsrDer, csrPemToDer } from "./pkcs10";
export * from "./hook-contract";
export { DeviceThings, createThingResources } from "./things";
export type { ThingResources } from "./things";
export { DEFAULT_SHARD_SIZE, MAX_SHARDS, SHARD_HEADROOM, assignShards, shardIssues, shardOf, suggestedShards } from "./shards";
export type { ShardSettings } from "./shards";
/** The inventory rules as structured issues (path, message), for callers validating their own config first (lib/config-schema.ts does). */
export { deviceInventoryIssues } from "./inventory";
export type { DeviceInventory } from "./inventory";
export type { ValidationIssue } from "../../lib/issues";

/** The AWS IoT data endpoint type devices must use (Amazon Trust Services certificates). */
export const IOT_DATA_ENDPOINT_TYPE = "iot:Data-ATS";

export class DeviceIdentity extends Construct {
  public readonly thingType: IotThingType;
  /** By thing name; empty with `manageThings: false`. */
  public readonly things: Readonly<Record<string, IotThing>>;
  /** By thing name; only things that have a certificate (none for fleet-provisioned devices). */
  public readonly certificates: Readonly<Record<string, IotCertificate>>;
  /** The device policy. */
  public readonly policy: IotPolicy;
  /** By group name. */
  public readonly groups: Readonly<Record<string, IotThingGroup>>;
  public readonly provisioningTemplate?: IotProvisioningTemplate;
  public readonly provisioningRole?: IamRole;
  public readonly claimPolicy?: IotPolicy;
  public readonly claimCertificate?: IotCertificate;
  /** With fleetProvisioning.preProvisioningHook: the hook function, its role, key, log group, allowlist table and invoke permission. */
  public readonly provisioningHook?: ProvisioningHookResources;
  /** "generate" mode: SecureString parameter holding each thing's private key, by thing name. */
  public readonly privateKeyParameters: Readonly<Record<string, SsmParameter>>;
  /** "generate" mode without keyStorage.kmsKeyArn: the created key. */
  public readonly keyStorageKey?: KmsKey;
  /** Address devices connect to (aws_iot_endpoint, iot:Data-ATS). */
  public readonly dataEndpoint: string;
  /** Values for stack outputs; never key material. */
  public readonly outputs: DeviceIdentityOutputs;
  /** What `DeviceThings` needs to create things of this inventory elsewhere (with `manageThings: false`). */
  public readonly thingWiring: ThingWiring;

  constructor(scope: Construct, id: string, props: DeviceIdentityProps) {
    super(scope, id);
    const r = resolveProps(props);
    const lifecycle: TerraformResourceLifecycle | undefined = r.preventDestroy ? { preventDestroy: true } : undefined;
    const env = this.accountContext(r);

    this.thingType = new IotThingType(this, "thing-type", {
      name: r.thingType.name,
      properties: { description: r.thingType.description, searchableAttributes: r.thingType.searchableAttributes.length ? [...r.thingType.searchableAttributes] : undefined },
      lifecycle,
    });

    this.policy = new IotPolicy(this, "device-policy", {
      name: r.policyName,
      policy: JSON.stringify(devicePolicyDocument(env.iotArnPrefix, r.shadowAccess)),
      lifecycle,
    });

    this.groups = this.createGroups(r);
    if (r.policyAttachment === "thing-group") {
      new IotPolicyAttachment(this, "group-policy-attachment", { policy: this.policy.name, target: this.groups[r.policyGroup!].arn });
    }

    const keyStorage = r.keyStorage && createKeyStorage(this, { storage: r.keyStorage, partition: env.partition, accountId: env.accountId, preventDestroy: r.preventDestroy });
    this.keyStorageKey = keyStorage?.key;

    const things: Record<string, IotThing> = {};
    const certificates: Record<string, IotCertificate> = {};
    const keyParameters: Record<string, SsmParameter> = {};
    this.thingWiring = {
      thingTypeName: this.thingType.name,
      policyName: this.policy.name,
      groupNames: mapValues(this.groups, (g) => g.name),
      certificateMode: r.certificateMode,
      policyAttachment: r.policyAttachment,
      thingPrincipalType: r.thingPrincipalType,
      preventDestroy: r.preventDestroy,
    };
    const thingsScope = new Construct(this, "things");
    for (const t of r.manageThings ? r.things : []) {
      // One scope per thing name: addresses never depend on list order.
      const s = new Construct(thingsScope, t.name);
      const { thing, certificate: cert } = createThingResources(s, t, this.thingWiring);
      things[t.name] = thing;
      if (!cert) continue;
      certificates[t.name] = cert;
      if (keyStorage && t.keyParameterName) {
        keyParameters[t.name] = new SsmParameter(s, "private-key", {
          name: t.keyParameterName,
          description: `Private key of the Terraform-generated certificate of IoT thing ${t.name}`,
          type: "SecureString",
          keyId: keyStorage.kmsKeyArn,
          value: cert.privateKey,
          tier: "Standard",
          lifecycle,
        });
      }
    }
    this.things = things;
    this.certificates = certificates;
    this.privateKeyParameters = keyParameters;

    if (r.fleet) {
      const dependsOn: ITerraformDependable[] = [this.thingType, this.policy, ...r.fleet.thingGroups.map((g) => this.groups[g])];
      const fleet = createFleetResources(new Construct(this, "fleet-provisioning"), {
        fleet: r.fleet,
        partition: env.partition,
        accountId: env.accountId,
        iotArnPrefix: env.iotArnPrefix,
        region: env.region,
        thingTypeName: r.thingType.name,
        devicePolicyName: r.policyAttachment === "certificate" ? r.policyName : undefined,
        dependsOn,
        lifecycle,
        preventDestroy: r.preventDestroy,
      });
      this.provisioningTemplate = fleet.template;
      this.provisioningRole = fleet.role;
      this.claimPolicy = fleet.claimPolicy;
      this.claimCertificate = fleet.claimCertificate;
      this.provisioningHook = fleet.hook;
    }

    this.dataEndpoint = new DataAwsIotEndpoint(this, "iot-data-endpoint", { endpointType: IOT_DATA_ENDPOINT_TYPE }).endpointAddress;
    this.outputs = {
      thingNames: r.things.map((t) => t.name),
      thingArns: mapValues(things, (t) => t.arn),
      certificateArns: mapValues(certificates, (c) => c.arn),
      certificateIds: mapValues(certificates, (c) => c.id),
      policyNames: [this.policy.name, ...(this.claimPolicy ? [this.claimPolicy.name] : [])],
      dataEndpoint: this.dataEndpoint,
      provisioningTemplateName: this.provisioningTemplate?.name,
    };
  }

  /** Literal values when given (readable plans), else data sources. */
  private accountContext(r: ResolvedProps): { accountId: string; region: string; partition: string; iotArnPrefix: string } {
    const accountId = r.accountId ?? new DataAwsCallerIdentity(this, "caller-identity").accountId;
    const region = r.region ?? new DataAwsRegion(this, "region").region;
    const partition = r.partition ?? new DataAwsPartition(this, "partition").partition;
    return { accountId, region, partition, iotArnPrefix: `arn:${partition}:iot:${region}:${accountId}` };
  }

  private createGroups(r: ResolvedProps): Record<string, IotThingGroup> {
    const groups: Record<string, IotThingGroup> = {};
    const scope = new Construct(this, "groups");
    // r.groups lists parents first, so each parent resource exists when its children reference it.
    for (const g of r.groups) {
      groups[g.name] = new IotThingGroup(scope, g.name, {
        name: g.name,
        parentGroupName: g.parent !== undefined ? groups[g.parent].name : undefined,
        properties: {
          description: g.description,
          attributePayload: Object.keys(g.attributes).length ? { attributes: g.attributes } : undefined,
        },
      });
    }
    return groups;
  }
}

function mapValues<T>(record: Record<string, T>, f: (v: T) => string): Record<string, string> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, f(v)]));
}

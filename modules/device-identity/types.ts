/**
 * Props of the DeviceIdentity construct. Kept apart from the construct so the
 * README check and callers can read them without pulling in the provider.
 */

/** How device certificates come to exist. */
export type CertificateMode = "csr" | "fleet-provisioning" | "generate";

/** Where the device policy is attached. */
export type PolicyAttachmentMode = "certificate" | "thing-group";

/** Whether a certificate may be attached to other things too (AWS `thing_principal_type`). */
export type ThingPrincipalType = "EXCLUSIVE_THING" | "NON_EXCLUSIVE_THING";

/** MQTT API a claim-certificate device uses to obtain its own certificate. */
export type ClaimCertificateApi = "create-keys-and-certificate" | "create-from-csr";

export type { AwsPartition } from "../../lib/aws-names";
import type { AwsPartition } from "../../lib/aws-names";

export interface ThingTypeProps {
  /** Thing type name, e.g. "Thermostat" (letters, digits, ':', '_', '-'; 1-128). */
  readonly name: string;
  /** @default no description */
  readonly description?: string;
  /** Attribute keys that fleet indexing can search on; AWS allows at most 3. @default [] */
  readonly searchableAttributes?: readonly string[];
}

export interface DeviceThingProps {
  /** Thing name; by convention also the device's MQTT client id. */
  readonly name: string;
  /** Thing attributes (at most 50, as every thing carries a thing type). @default {} */
  readonly attributes?: Readonly<Record<string, string>>;
  /** Static thing groups (names from `groups`) the thing is added to. @default [] */
  readonly groups?: readonly string[];
  /** Path of a PEM certificate signing request, resolved against `csrBaseDir`. Exclusive with `csrPem`. */
  readonly csrPath?: string;
  /** Inline PEM certificate signing request. Exclusive with `csrPath`. */
  readonly csrPem?: string;
}

export interface ThingGroupProps {
  readonly name: string;
  /** @default no description */
  readonly description?: string;
  /** Name of another group in `groups` to nest this one under. @default top-level group */
  readonly parent?: string;
  /** @default {} */
  readonly attributes?: Readonly<Record<string, string>>;
}

export interface FleetProvisioningProps {
  /** Create the provisioning template, its role and the claim-certificate policy. */
  readonly enabled: boolean;
  /** Template name (letters, digits, '_', '-'; at most 36). @default `${namePrefix}-fleet` */
  readonly templateName?: string;
  /** @default "Fleet provisioning for <thing type> devices" */
  readonly description?: string;
  /** Provisioned things are named `<thingNamePrefix><SerialNumber>`. @default `${thingType.name}-` */
  readonly thingNamePrefix?: string;
  /** Groups (names from `groups`) provisioned things join; the policy group is added in "thing-group" mode. @default [] */
  readonly thingGroups?: readonly string[];
  /** Which certificate API claim devices may call; "create-from-csr" keeps the device's private key on the device. @default "create-from-csr" */
  readonly claimCertificateApi?: ClaimCertificateApi;
  /** Create the pre-provisioning hook (serial allowlist, no take-over of existing or Terraform-managed things). Exclusive with `preProvisioningHookArn` and `allowUnvalidatedProvisioning`. @default required unless one of those is set */
  readonly preProvisioningHook?: PreProvisioningHookProps;
  /** Your own hook Lambda instead (you grant iot.amazonaws.com invoke, scoped to the template ARN). Exclusive with `preProvisioningHook`. @default none */
  readonly preProvisioningHookArn?: string;
  /** Explicit opt-out: provision every request a claim certificate makes, unvalidated. Anyone holding the claim certificate can then register any serial. @default false */
  readonly allowUnvalidatedProvisioning?: boolean;
  /** Use this provisioning role instead of creating one. Exclusive with `roleName`. @default a role is created */
  readonly existingRoleArn?: string;
  /** Name of the created provisioning role. Exclusive with `existingRoleArn`. @default `${namePrefix}-provisioning` */
  readonly roleName?: string;
  /** CSR (path, resolved against `csrBaseDir`) for a claim certificate the module registers and attaches the claim policy to. Exclusive with `claimCsrPem`. @default none; attach the claim policy yourself */
  readonly claimCsrPath?: string;
  /** Inline PEM CSR for the claim certificate. Exclusive with `claimCsrPath`. @default none */
  readonly claimCsrPem?: string;
}

/** The pre-provisioning hook the module creates: a Lambda function checking each RegisterThing request against an allowlist table. */
export interface PreProvisioningHookProps {
  /** Absolute path of the built hook bundle (index.js), e.g. `<repo>/dist/functions/provisioning-hook`. */
  readonly bundleDir: string;
  /** Function name; the role is `<functionName>-role`. At most 59 characters. @default `${namePrefix}-provisioning-hook` */
  readonly functionName?: string;
  /** DynamoDB table of allowed serial numbers (partition key `serialNumber`), loaded by the manufacturing process. @default `${namePrefix}-device-allowlist` */
  readonly allowlistTableName?: string;
  /** Reserved concurrency: how many requests the hook handles at once; caps what a leaked claim certificate can drive. @default 10 */
  readonly reservedConcurrency?: number;
  /** One of the CloudWatch Logs retention values. @default 365 */
  readonly logRetentionDays?: number;
}

export interface KeyStorageProps {
  /** Customer managed KMS key (ARN) encrypting the stored private keys. Exclusive with `deletionWindowInDays`. @default a key is created */
  readonly kmsKeyArn?: string;
  /** Deletion window of the created KMS key (7-30). @default 30 */
  readonly deletionWindowInDays?: number;
  /** SSM path under which `<thing>/private-key` parameters are written. @default `/${namePrefix}/device-keys` */
  readonly parameterPathPrefix?: string;
}

export interface ShadowAccessProps {
  /** Allow the classic (unnamed) shadow. @default true */
  readonly classic?: boolean;
  /** Named shadows the device may use; "all" allows any name in its own namespace. @default "all" */
  readonly named?: "all" | readonly string[];
}

export interface DeviceIdentityProps {
  /** Hyphenated prefix of created names, e.g. "iot-dev" (policy `${namePrefix}-device`). */
  readonly namePrefix: string;
  /** Thing type every thing (and every provisioned thing) carries. */
  readonly thingType: ThingTypeProps;
  /** Devices to register. Construct ids derive from the names, so order does not matter. */
  readonly things: readonly DeviceThingProps[];
  /**
   * Create each thing's resources (thing, certificate, attachments, group memberships) here. false: only
   * the shared ones (thing type, groups, policy, fleet provisioning); `things` is still checked as the
   * inventory, and `DeviceThings` with `thingWiring` creates the per-device resources, e.g. in device
   * shard stacks. Not with certificateMode "generate". @default true
   */
  readonly manageThings?: boolean;
  /** Static thing groups. @default [] */
  readonly groups?: readonly ThingGroupProps[];
  /** @default "csr" */
  readonly certificateMode?: CertificateMode;
  /** Explicit opt-in required by certificateMode "generate" (private keys in Terraform state). @default false */
  readonly allowKeyGeneration?: boolean;
  /** Private-key storage for certificateMode "generate" only. @default a new KMS key and `/${namePrefix}/device-keys` */
  readonly keyStorage?: KeyStorageProps;
  /** @default "certificate" */
  readonly policyAttachment?: PolicyAttachmentMode;
  /** Group the device policy is attached to; required when policyAttachment is "thing-group". @default none */
  readonly policyGroup?: string;
  /** Which shadows the device policy allows. @default { classic: true, named: "all" } */
  readonly shadowAccess?: ShadowAccessProps;
  /** @default "EXCLUSIVE_THING" */
  readonly thingPrincipalType?: ThingPrincipalType;
  /** @default { enabled: true } when certificateMode is "fleet-provisioning", else { enabled: false } */
  readonly fleetProvisioning?: FleetProvisioningProps;
  /** lifecycle.prevent_destroy on the thing type, things, certificates, policies and KMS key. @default false */
  readonly preventDestroy?: boolean;
  /** Directory csrPath and claimCsrPath are resolved against. @default process.cwd() */
  readonly csrBaseDir?: string;
  /** Account id for policy ARNs and the role trust condition. @default read with aws_caller_identity */
  readonly accountId?: string;
  /** Region for policy ARNs. @default read with aws_region */
  readonly region?: string;
  /** @default derived from `region` when given, else read with aws_partition */
  readonly partition?: AwsPartition;
}

/** Plain values a stack can turn into outputs; never contains key material. */
export interface DeviceIdentityOutputs {
  readonly thingNames: readonly string[];
  readonly thingArns: Readonly<Record<string, string>>;
  readonly certificateArns: Readonly<Record<string, string>>;
  readonly certificateIds: Readonly<Record<string, string>>;
  readonly policyNames: readonly string[];
  readonly dataEndpoint: string;
  readonly provisioningTemplateName?: string;
}

/**
 * What a thing's resources reference from the shared ones (`DeviceIdentity.thingWiring`). Values may be
 * tokens of another stack: cdktf turns them into remote-state references.
 */
export interface ThingWiring {
  readonly thingTypeName: string;
  /** The device policy's name. */
  readonly policyName: string;
  /** Group name (as in `groups`) -> the group resource's name. */
  readonly groupNames: Readonly<Record<string, string>>;
  readonly certificateMode: CertificateMode;
  readonly policyAttachment: PolicyAttachmentMode;
  readonly thingPrincipalType: ThingPrincipalType;
  readonly preventDestroy: boolean;
}

export interface DeviceThingsProps {
  /** From the `DeviceIdentity` (with `manageThings: false`) whose inventory these things belong to. */
  readonly wiring: ThingWiring;
  /** Devices whose resources this construct creates; construct ids derive from the names. */
  readonly things: readonly DeviceThingProps[];
  /** Directory csrPath is resolved against. @default process.cwd() */
  readonly csrBaseDir?: string;
}

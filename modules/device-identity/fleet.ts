/**
 * Fleet provisioning by claim: template, provisioning role and the
 * claim-certificate policy (optionally attached to a claim certificate made
 * from a CSR, so no key enters Terraform state).
 */
import { iotTrustPolicy } from "../../lib/iam";
import { Construct } from "constructs";
import { ITerraformDependable, TerraformResourceLifecycle } from "cdktf";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { IotCertificate } from "@cdktf/provider-aws/lib/iot-certificate";
import { IotPolicy } from "@cdktf/provider-aws/lib/iot-policy";
import { IotPolicyAttachment } from "@cdktf/provider-aws/lib/iot-policy-attachment";
import { IotProvisioningTemplate } from "@cdktf/provider-aws/lib/iot-provisioning-template";
import { escapeIotTemplate } from "../../lib/iot-template";
import { claimPolicyDocument } from "./policies";
import { ProvisioningHookResources, createProvisioningHook } from "./provisioning-hook";
import { ResolvedFleet } from "./validate";

/** AWS-maintained policy for fleet provisioning roles; scoped to registry actions AWS IoT needs to register things. */
export const THINGS_REGISTRATION_POLICY = "iam::aws:policy/service-role/AWSIoTThingsRegistration";

export interface FleetContext {
  readonly fleet: ResolvedFleet;
  readonly partition: string;
  readonly accountId: string;
  readonly iotArnPrefix: string;
  readonly region: string;
  readonly thingTypeName: string;
  /** Device policy attached by the template in "certificate" mode; undefined in "thing-group" mode. */
  readonly devicePolicyName?: string;
  readonly dependsOn: ITerraformDependable[];
  readonly lifecycle?: TerraformResourceLifecycle;
  readonly preventDestroy: boolean;
}

export interface FleetResources {
  readonly template: IotProvisioningTemplate;
  readonly role?: IamRole;
  readonly claimPolicy: IotPolicy;
  readonly claimCertificate?: IotCertificate;
  readonly hook?: ProvisioningHookResources;
}

/** The template's ARN, known before it exists (trust and invoke permission reference it without a cycle). */
export function provisioningTemplateArn(iotArnPrefix: string, templateName: string): string {
  return `${iotArnPrefix}:provisioningtemplate/${templateName}`;
}

/** Template body in the AWS provisioning-template format (CloudFormation-style Ref / Fn::Join). */
export function provisioningTemplateBody(fleet: ResolvedFleet, thingTypeName: string, devicePolicyName?: string): string {
  const thingProperties: Record<string, unknown> = {
    ThingName: { "Fn::Join": ["", [fleet.thingNamePrefix, { Ref: "SerialNumber" }]] },
    ThingTypeName: thingTypeName,
    AttributePayload: {},
    ...(fleet.thingGroups.length > 0 ? { ThingGroups: fleet.thingGroups } : {}),
  };
  const body = {
    Parameters: {
      SerialNumber: { Type: "String" },
      "AWS::IoT::Certificate::Id": { Type: "String" },
    },
    Resources: {
      thing: {
        Type: "AWS::IoT::Thing",
        OverrideSettings: { AttributePayload: "MERGE", ThingTypeName: "REPLACE", ThingGroups: "DO_NOTHING" },
        Properties: thingProperties,
      },
      certificate: {
        Type: "AWS::IoT::Certificate",
        Properties: { CertificateId: { Ref: "AWS::IoT::Certificate::Id" }, Status: "ACTIVE" },
      },
      ...(devicePolicyName ? { policy: { Type: "AWS::IoT::Policy", Properties: { PolicyName: devicePolicyName } } } : {}),
    },
  };
  return escapeIotTemplate(JSON.stringify(body));
}

export function createFleetResources(scope: Construct, ctx: FleetContext): FleetResources {
  const { fleet } = ctx;
  const templateArn = provisioningTemplateArn(ctx.iotArnPrefix, fleet.templateName);
  let role: IamRole | undefined;
  const roleReady: ITerraformDependable[] = [];
  if (fleet.existingRoleArn === undefined) {
    role = new IamRole(scope, "provisioning-role", {
      name: fleet.roleName,
      description: `Lets AWS IoT register things for provisioning template ${fleet.templateName}`,
      // Confused-deputy guard: only AWS IoT acting for this template of this account may assume the role.
      assumeRolePolicy: iotTrustPolicy({ sid: "IotProvisioningOnly", accountId: ctx.accountId, sourceArnLike: templateArn }),
    });
    const registration = new IamRolePolicyAttachment(scope, "provisioning-role-registration", {
      role: role.name,
      policyArn: `arn:${ctx.partition}:${THINGS_REGISTRATION_POLICY}`,
    });
    // The template is enabled on creation: the role must carry its permissions before a device can use it.
    roleReady.push(registration);
  }

  const claimPolicy = new IotPolicy(scope, "claim-policy", {
    name: fleet.claimPolicyName,
    policy: JSON.stringify(claimPolicyDocument(ctx.iotArnPrefix, fleet.templateName, fleet.claimCertificateApi)),
    lifecycle: ctx.lifecycle,
  });

  let claimCertificate: IotCertificate | undefined;
  if (fleet.claimCsrPem !== undefined) {
    claimCertificate = new IotCertificate(scope, "claim-certificate", { csr: fleet.claimCsrPem, active: true, lifecycle: ctx.lifecycle });
    new IotPolicyAttachment(scope, "claim-policy-attachment", { policy: claimPolicy.name, target: claimCertificate.arn });
  }

  const hook = fleet.hook
    ? createProvisioningHook(scope, {
        hook: fleet.hook,
        thingNamePrefix: fleet.thingNamePrefix,
        templateArn,
        iotArnPrefix: ctx.iotArnPrefix,
        accountId: ctx.accountId,
        region: ctx.region,
        partition: ctx.partition,
        lifecycle: ctx.lifecycle,
        preventDestroy: ctx.preventDestroy,
      })
    : undefined;
  const hookArn = hook ? hook.function.arn : fleet.preProvisioningHookArn;

  const template = new IotProvisioningTemplate(scope, "template", {
    name: fleet.templateName,
    description: fleet.description,
    type: "FLEET_PROVISIONING",
    // The provider defaults to a disabled template.
    enabled: true,
    provisioningRoleArn: role ? role.arn : fleet.existingRoleArn!,
    templateBody: provisioningTemplateBody(fleet, ctx.thingTypeName, ctx.devicePolicyName),
    preProvisioningHook: hookArn ? { targetArn: hookArn, payloadVersion: "2020-04-01" } : undefined,
    // The hook must be invokable before the first device can use the enabled template.
    dependsOn: [...ctx.dependsOn, ...roleReady, ...(hook ? [hook.invokePermission] : [])],
  });
  return { template, role, claimPolicy, claimCertificate, hook };
}

/**
 * The per-device resources: thing, group memberships, certificate from CSR, thing-principal
 * attachment and (certificate mode) policy attachment. `DeviceIdentity` creates them under
 * `<id>/things/<name>`; `DeviceThings` creates the same ones for a subset of the inventory in
 * another stack (a device shard), at the same construct path below its own scope, so a device
 * keeps its Terraform address when it moves between stacks.
 */
import { Construct } from "constructs";
import { TerraformResourceLifecycle } from "cdktf";
import { IotCertificate } from "@cdktf/provider-aws/lib/iot-certificate";
import { IotPolicyAttachment } from "@cdktf/provider-aws/lib/iot-policy-attachment";
import { IotThing } from "@cdktf/provider-aws/lib/iot-thing";
import { IotThingGroupMembership } from "@cdktf/provider-aws/lib/iot-thing-group-membership";
import { IotThingPrincipalAttachment } from "@cdktf/provider-aws/lib/iot-thing-principal-attachment";
import { groupRefIssues } from "./inventory";
import { DeviceThingsProps, ThingWiring } from "./types";
import { ResolvedThing, resolveThing } from "./validate";

export interface ThingResources {
  readonly thing: IotThing;
  /** Only things with a certificate (none for fleet-provisioned devices). */
  readonly certificate?: IotCertificate;
}

/** One thing's resources in `scope` (one scope per thing name: addresses never depend on list order). */
export function createThingResources(scope: Construct, t: ResolvedThing, w: ThingWiring): ThingResources {
  const lifecycle: TerraformResourceLifecycle | undefined = w.preventDestroy ? { preventDestroy: true } : undefined;
  const thing = new IotThing(scope, "thing", {
    name: t.name,
    thingTypeName: w.thingTypeName,
    attributes: Object.keys(t.attributes).length ? t.attributes : undefined,
    lifecycle,
  });
  for (const g of t.groups) {
    new IotThingGroupMembership(scope, `member-of-${g}`, { thingName: thing.name, thingGroupName: w.groupNames[g] });
  }
  if (w.certificateMode !== "generate" && t.csrPem === undefined) return { thing };

  // With a CSR the device keeps its key; without one ("generate") AWS returns the key into state.
  const certificate = new IotCertificate(scope, "certificate", { active: true, csr: t.csrPem, lifecycle });
  new IotThingPrincipalAttachment(scope, "certificate-attachment", { thing: thing.name, principal: certificate.arn, thingPrincipalType: w.thingPrincipalType });
  if (w.policyAttachment === "certificate") {
    new IotPolicyAttachment(scope, "policy-attachment", { policy: w.policyName, target: certificate.arn });
  }
  return { thing, certificate };
}

const P = "DeviceThings";

/**
 * The per-device resources of some things of a `DeviceIdentity` inventory (one created with
 * `manageThings: false`), e.g. one device shard stack's share. The inventory rules (groups, policy
 * group) were checked by that DeviceIdentity; here each thing's name, attributes, groups and CSR.
 */
export class DeviceThings extends Construct {
  /** By thing name. */
  public readonly things: Readonly<Record<string, IotThing>>;
  /** By thing name; only things with a certificate. */
  public readonly certificates: Readonly<Record<string, IotCertificate>>;

  constructor(scope: Construct, id: string, props: DeviceThingsProps) {
    super(scope, id);
    if (props.wiring.certificateMode === "generate") throw new Error(`${P} wiring.certificateMode: "generate" is not supported here; create those things with DeviceIdentity`);
    const defined = Object.keys(props.wiring.groupNames);
    const things: Record<string, IotThing> = {};
    const certificates: Record<string, IotCertificate> = {};
    for (const t of props.things) {
      const [groupRef] = groupRefIssues(t.groups ?? [], defined.map((name) => ({ name })));
      if (groupRef) throw new Error(`${P} things["${t.name}"].groups[${groupRef.path[0]}]: ${groupRef.message}`);
      if (Object.hasOwn(things, t.name)) throw new Error(`${P} things["${t.name}"]: listed twice; list each thing once`);
      const resolved = resolveThing(P, t, { baseDir: props.csrBaseDir ?? process.cwd(), loadCsr: true });
      const created = createThingResources(new Construct(this, t.name), resolved, props.wiring);
      things[t.name] = created.thing;
      if (created.certificate) certificates[t.name] = created.certificate;
    }
    this.things = things;
    this.certificates = certificates;
  }
}

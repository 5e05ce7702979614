/**
 * One device shard of an environment (`devices.shards` set): the things, certificates and
 * attachments of the devices whose name hashes to this shard (modules/device-identity/shards.ts).
 * The thing type, groups and device policy stay in the platform stack and reach this one as
 * cross-stack references (remote state), like the platform reads the data stack. Composition only.
 */
import { TerraformOutput } from "cdktf";
import { Construct } from "constructs";
import { DeviceThings, ThingWiring } from "../modules/device-identity";
import { Naming } from "../lib/naming";
import { PlatformStackBase, PlatformStackBaseProps } from "./platform-stack-base";

/** The construct path the devices have in the platform stack (`device_identity/things/<name>`), kept so addresses do not change between stacks. */
export const DEVICE_IDENTITY_ID = "device_identity";

/** The stack layer of shard `index`: stack `<namePrefix>-<environment>-devices-<index>` (lib/naming.ts). */
export function deviceShardLayer(index: number): string {
  return `${Naming.DEVICE_SHARD_LAYER}${index}`;
}

export interface DeviceShardStackProps extends PlatformStackBaseProps {
  /** 0-based shard number. */
  readonly index: number;
  /** Names of the things of this shard (`assignShards`). */
  readonly thingNames: readonly string[];
  /** The platform stack's `DeviceIdentity.thingWiring` (cross-stack references). */
  readonly wiring: ThingWiring;
  /** Directory CSR paths in config are relative to. */
  readonly repoRoot: string;
}

export class DeviceShardStack extends PlatformStackBase {
  readonly index: number;
  readonly devices: DeviceThings;

  constructor(scope: Construct, props: DeviceShardStackProps) {
    super(scope, deviceShardLayer(props.index), props);
    this.index = props.index;
    const { devices } = this.config;
    const mine = new Set(props.thingNames);
    // Sorted by name: the JSON of a shard does not depend on the order of the config list.
    const things = devices.things.filter((t) => mine.has(t.name)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    this.devices = new DeviceThings(new Construct(this, DEVICE_IDENTITY_ID), "things", { wiring: props.wiring, things, csrBaseDir: props.repoRoot });

    new TerraformOutput(this, "thing_arns", { value: mapValues(this.devices.things, (t) => t.arn) });
    new TerraformOutput(this, "certificate_arns", { value: mapValues(this.devices.certificates, (c) => c.arn) });
  }
}

function mapValues<T>(record: Readonly<Record<string, T>>, f: (v: T) => string): Record<string, string> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, f(v)]));
}

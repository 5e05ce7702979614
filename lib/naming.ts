/**
 * One place that derives every name from (namePrefix, environment, productLine).
 * Names never depend on list positions, so reordering config changes nothing.
 */
import { assertName, NameRuleId } from "./aws-names";

export interface NamingProps {
  readonly namePrefix: string;
  readonly environment: string;
  readonly productLine: string;
}

export class Naming {
  /** e.g. "iot-dev": the stem of every hyphenated resource name. */
  readonly base: string;

  constructor(readonly props: NamingProps) {
    this.base = `${props.namePrefix}-${props.environment}`;
  }

  /** Stack id, e.g. "iot-dev-data". */
  stack(layer: string): string {
    return `${this.base}-${layer}`;
  }

  /** Stack id of device shard `index`, e.g. "iot-prod-devices-3" (devices.shards). */
  deviceShardStack(index: number): string {
    return this.stack(`${Naming.DEVICE_SHARD_LAYER}${index}`);
  }

  /** What every device shard's stack id starts with, e.g. "iot-prod-devices-": one state key pattern grants them all. */
  get deviceShardStackPrefix(): string {
    return this.stack(Naming.DEVICE_SHARD_LAYER);
  }

  static readonly DEVICE_SHARD_LAYER = "devices-";

  /** Hyphenated resource name checked against an AWS rule, e.g. name("lambdaFunction", "shadow-history"). */
  name(rule: NameRuleId, purpose: string): string {
    return assertName(rule, `${this.base}-${purpose}`, `name for ${purpose}`);
  }

  /** Topic rule names allow no hyphens: the base in rule-name form, e.g. "iot_dev". */
  get topicRulePrefix(): string {
    return assertName("iotTopicRule", this.base.replace(/-/g, "_"), "topic rule name prefix");
  }

  /** The shadow history table: one name for the data stack, the history reader and the demo. */
  get historyTable(): string {
    return this.name("dynamodbTable", "shadow-history");
  }

  /** CloudWatch namespace shared by rule metrics and processor metrics. */
  get metricNamespace(): string {
    return assertName("cloudwatchNamespace", `IotShadow/${this.props.productLine}/${this.props.environment}`, "metric namespace");
  }
}

/**
 * IoT and compute layer of one environment: processor, rules, device identity, observability.
 */
import { Construct } from "constructs";
import { HistoryTableRef } from "./data-stack";
import { PlatformStackBase, PlatformStackBaseProps } from "./platform-stack-base";

export interface PlatformStackProps extends PlatformStackBaseProps {
  readonly history?: HistoryTableRef;
  readonly functionsDistDir?: string;
  readonly repoRoot?: string;
}

export class PlatformStack extends PlatformStackBase {
  constructor(scope: Construct, props: PlatformStackProps) {
    super(scope, "platform", props);
  }
}

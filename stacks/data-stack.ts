/**
 * Stateful data layer of one environment: the shadow history table and its key.
 * Separate state and blast radius from the frequently changing platform stack.
 */
import { Construct } from "constructs";
import { PlatformStackBase, PlatformStackBaseProps } from "./platform-stack-base";

/** What the platform stack needs from the data stack (resolved through remote state). */
export interface HistoryTableRef {
  readonly name: string;
  readonly arn: string;
  readonly kmsKeyArn: string;
}

export class DataStack extends PlatformStackBase {
  readonly historyOutputs?: HistoryTableRef;

  constructor(scope: Construct, props: PlatformStackBaseProps) {
    super(scope, "data", props);
  }
}

/**
 * Stateful data layer of one environment: the shadow history table and its key.
 * Separate state and blast radius from the frequently changing platform stack.
 */
import { TerraformOutput } from "cdktf";
import { Construct } from "constructs";
import { HistoryStore, HistoryTableRef } from "../modules/history-store";
import { PlatformStackBase, PlatformStackBaseProps } from "./platform-stack-base";

export type { HistoryTableRef } from "../modules/history-store";

export class DataStack extends PlatformStackBase {
  readonly history: HistoryStore;
  /** What the platform stack reads (cdktf turns these into remote-state references). */
  readonly historyOutputs: HistoryTableRef;

  constructor(scope: Construct, props: PlatformStackBaseProps) {
    super(scope, "data", props);
    const { config, naming } = this;
    const history = config.history;

    this.history = new HistoryStore(this, "history", {
      tableName: naming.historyTable,
      billingMode: history.billingMode,
      provisionedCapacity: history.provisioned,
      ttlDays: history.ttlDays,
      tableClass: history.tableClass,
      deletionProtection: history.deletionProtection,
      preventDestroy: config.preventDestroy,
    });
    this.historyOutputs = this.history.ref;

    new TerraformOutput(this, "history_table_name", { value: this.history.table.name });
    new TerraformOutput(this, "history_table_arn", { value: this.history.table.arn });
    new TerraformOutput(this, "history_kms_key_arn", { value: this.history.kmsKeyArn });
  }
}

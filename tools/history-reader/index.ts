/** Typed reads of the shadow history table, and the `npm run history` CLI. Nothing runs at import time. */
export { HistoryReader } from "./reader";
export type { HistoryReaderOptions, HistoryRecord, ShadowSelector } from "./reader";
export { formatHistoryTable } from "./format";
export { HISTORY_USAGE, historyClientConfig, historyTableName, parseHistoryArgs, readHistory, runHistoryCli } from "./cli";
export type { HistoryCliDeps, HistoryCliIo, HistoryQuery } from "./cli";
export { CLASSIC_SHADOW } from "../../modules/history-store/schema";

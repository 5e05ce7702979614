/**
 * The reusable modules, as one entry point for other product lines:
 * `import { ShadowRules, HistoryStore } from "@iot-shadow/platform/modules"`.
 * Each module also stands alone under modules/<name>.
 */
export * from "./account-baseline";
export * from "./change-safety";
export * from "./ci-access";
export * from "./device-identity";
export * from "./history-store";
export * from "./observability";
export * from "./shadow-api";
export * from "./shadow-processor";
export * from "./shadow-rules";

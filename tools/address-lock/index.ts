/** Address lock library: see README.md in this folder. */
export * from "./lock";
export * from "./files";
export { STATEFUL_RESOURCE_TYPES, STATEFUL_TYPE_NAMES } from "../../modules/change-safety/stateful-resources";

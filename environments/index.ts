import type { EnvironmentConfigInput } from "../lib/config-schema";
import { dev } from "./dev";
import { prod } from "./prod";
import { staging } from "./staging";

/** Every environment the app synthesizes, keyed by the label used in error messages (the file name). */
export const environments: Readonly<Record<string, EnvironmentConfigInput>> = { dev, staging, prod };

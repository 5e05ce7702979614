import type { EnvironmentConfigInput } from "../lib/config-schema";
import { dev } from "./dev";
import { hvacDev } from "./hvac-dev";
import { hvacProd } from "./hvac-prod";
import { prod } from "./prod";
import { staging } from "./staging";

/**
 * Every environment the app synthesizes, keyed by the label used in error
 * messages (the file name). Two product lines: thermostats (dev, staging,
 * prod) and HVAC (hvac-dev, hvac-prod), from the same modules.
 */
export const environments: Readonly<Record<string, EnvironmentConfigInput>> = {
  dev,
  staging,
  prod,
  "hvac-dev": hvacDev,
  "hvac-prod": hvacProd,
};

import type { EnvironmentConfigInput } from "../lib/config-schema";
import { githubRepository, hvac, operatorRoleIn, stateIn } from "./product-lines";

/**
 * HVAC product line, development account (shared with thermostats). Same
 * modules, its own thing type, named shadows and an extra processor.
 */
export const hvacDev: EnvironmentConfigInput = {
  environment: "dev",
  namePrefix: "hvac",
  productLine: "hvac",
  thingNamePrefix: hvac.thingNamePrefix,
  account: { id: "111111111111", region: "eu-west-1" },
  state: { ...stateIn("111111111111"), keyPrefix: "hvac-platform" },
  ci: githubRepository,
  failureQueues: operatorRoleIn("111111111111"),
  tags: hvac.tags,
  devices: {
    thingType: hvac.thingType,
    groups: [{ name: "hvac-dev", description: "All development HVAC units" }],
    things: [
      { name: "Hvac-0001", attributes: { model: "RTU-5", building: "hq" }, groups: ["hvac-dev"], csrPath: "environments/csr/hvac-dev-Hvac-0001.csr" },
      { name: "Hvac-0002", attributes: { model: "RTU-8", building: "hq" }, groups: ["hvac-dev"], csrPath: "environments/csr/hvac-dev-Hvac-0002.csr" },
    ],
  },
  shadows: hvac.shadows,
  extraProcessors: hvac.extraProcessors,
  history: { ttlDays: 30 },
  processor: { logRetentionDays: 30 },
  rules: { errorAction: "cloudwatch-logs" },
};

import type { EnvironmentConfigInput } from "../lib/config-schema";

/**
 * HVAC product line, development account (shared with thermostats). Same
 * modules, its own thing type, named shadows and an extra processor.
 */
export const hvacDev: EnvironmentConfigInput = {
  environment: "dev",
  namePrefix: "hvac",
  productLine: "hvac",
  account: { id: "111111111111", region: "eu-west-1" },
  state: {
    bucket: "acme-iot-tfstate-111111111111-eu-west-1",
    region: "eu-west-1",
    kmsKeyArn: "arn:aws:kms:eu-west-1:111111111111:alias/iot-terraform-state",
    keyPrefix: "hvac-platform",
  },
  tags: { "cost-center": "hvac" },
  devices: {
    thingType: { name: "HvacUnit", description: "Rooftop HVAC unit", searchableAttributes: ["model", "building"] },
    groups: [{ name: "hvac-dev", description: "All development HVAC units" }],
    things: [
      { name: "Hvac-0001", attributes: { model: "RTU-5", building: "hq" }, groups: ["hvac-dev"], csrPath: "environments/csr/hvac-dev-Hvac-0001.csr" },
      { name: "Hvac-0002", attributes: { model: "RTU-8", building: "hq" }, groups: ["hvac-dev"], csrPath: "environments/csr/hvac-dev-Hvac-0002.csr" },
    ],
  },
  shadows: { classic: false, named: ["maintenance", "schedule"] },
  extraProcessors: [{ id: "filter-alerts", bundle: "hvac-filter-alerts", memoryMb: 128 }],
  history: { ttlDays: 30 },
  processor: { logRetentionDays: 30 },
  rules: { errorAction: "cloudwatch-logs" },
};

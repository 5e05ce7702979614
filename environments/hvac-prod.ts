import type { EnvironmentConfigInput } from "../lib/config-schema";

/** HVAC product line, production account (shared with thermostats). */
export const hvacProd: EnvironmentConfigInput = {
  environment: "prod",
  namePrefix: "hvac",
  productLine: "hvac",
  account: { id: "333333333333", region: "eu-west-1", assumeRoleArn: "arn:aws:iam::333333333333:role/iot-platform-deployer" },
  state: {
    bucket: "acme-iot-tfstate-333333333333-eu-west-1",
    region: "eu-west-1",
    kmsKeyArn: "arn:aws:kms:eu-west-1:333333333333:alias/iot-terraform-state",
    keyPrefix: "hvac-platform",
  },
  tags: { "cost-center": "hvac" },
  devices: {
    thingType: { name: "HvacUnit", description: "Rooftop HVAC unit", searchableAttributes: ["model", "building"] },
    groups: [{ name: "hvac-prod", description: "All production HVAC units" }],
    things: [{ name: "Hvac-1001", attributes: { model: "RTU-8", building: "plant-1" }, groups: ["hvac-prod"], csrPath: "environments/csr/hvac-prod-Hvac-1001.csr" }],
    policyAttachment: "thing-group",
    policyGroup: "hvac-prod",
    fleetProvisioning: { enabled: true },
  },
  shadows: { classic: false, named: ["maintenance", "schedule"] },
  extraProcessors: [{ id: "filter-alerts", bundle: "hvac-filter-alerts", memoryMb: 128 }],
  processor: { memoryMb: 256, logRetentionDays: 365, reservedConcurrency: 20 },
  rules: { errorAction: "sqs" },
  alarms: { emailSubscriptions: ["hvac-oncall@example.com"] },
};

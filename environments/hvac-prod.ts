import type { EnvironmentConfigInput } from "../lib/config-schema";
import { githubRepository, hvac, operatorRoleIn, stateIn } from "./product-lines";

/** HVAC product line, production account (shared with thermostats). */
export const hvacProd: EnvironmentConfigInput = {
  environment: "prod",
  namePrefix: "hvac",
  productLine: "hvac",
  thingNamePrefix: hvac.thingNamePrefix,
  account: { id: "333333333333", region: "eu-west-1", assumeRoleArn: "arn:aws:iam::333333333333:role/iot-platform-deployer" },
  state: { ...stateIn("333333333333"), keyPrefix: "hvac-platform" },
  ci: githubRepository,
  failureQueues: operatorRoleIn("333333333333"),
  tags: hvac.tags,
  devices: {
    thingType: hvac.thingType,
    groups: [{ name: "hvac-prod", description: "All production HVAC units" }],
    things: [{ name: "Hvac-1001", attributes: { model: "RTU-8", building: "plant-1" }, groups: ["hvac-prod"], csrPath: "environments/csr/hvac-prod-Hvac-1001.csr" }],
    policyAttachment: "thing-group",
    policyGroup: "hvac-prod",
    fleetProvisioning: { enabled: true },
  },
  shadows: hvac.shadows,
  extraProcessors: hvac.extraProcessors.map((p) => ({ ...p, reservedConcurrency: 10 })),
  // Retention decision (required in prod): production history is kept forever.
  history: { ttlDays: "none" },
  processor: { memoryMb: 256, logRetentionDays: 365, reservedConcurrency: 20 },
  // Buffered ingestion with the defaults: batches of 10, at most 10 concurrent, dead-letter after 5 receives.
  rules: { errorAction: "sqs", ingestion: "buffered" },
  alarms: { emailSubscriptions: ["hvac-oncall@example.com"] },
};

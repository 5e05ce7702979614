import type { EnvironmentConfigInput } from "../lib/config-schema";
import { githubRepository, operatorRoleIn, stateIn, thermostat } from "./product-lines";

/** Thermostat product line, production account. Devices onboard by fleet provisioning; pilots by CSR. */
export const prod: EnvironmentConfigInput = {
  environment: "prod",
  namePrefix: "iot",
  productLine: "thermostat",
  thingNamePrefix: thermostat.thingNamePrefix,
  account: { id: "333333333333", region: "eu-west-1", assumeRoleArn: "arn:aws:iam::333333333333:role/iot-platform-deployer" },
  state: stateIn("333333333333"),
  ci: githubRepository,
  failureQueues: operatorRoleIn("333333333333"),
  tags: { "cost-center": "iot-platform", "data-classification": "internal" },
  devices: {
    thingType: thermostat.thingType,
    groups: [
      { name: "thermostats-prod", description: "All production thermostats" },
      { name: "pilot-customers", description: "Early-access devices", parent: "thermostats-prod" },
    ],
    things: [
      { name: "Thermostat-P0001", attributes: { model: "T200", site: "pilot-a", firmware: "2.0.0" }, groups: ["pilot-customers"], csrPath: "environments/csr/prod-Thermostat-P0001.csr" },
      { name: "Thermostat-P0002", attributes: { model: "T200", site: "pilot-b", firmware: "2.0.0" }, groups: ["pilot-customers"], csrPath: "environments/csr/prod-Thermostat-P0002.csr" },
    ],
    certificateMode: "csr",
    policyAttachment: "thing-group",
    policyGroup: "thermostats-prod",
    fleetProvisioning: { enabled: true },
  },
  shadows: thermostat.shadows,
  // Retention decision (required in prod): production history is kept forever; PITR covers 35 days of mistakes.
  history: { ttlDays: "none", deletionProtection: true },
  processor: { memoryMb: 512, timeoutSeconds: 30, logRetentionDays: 365, reservedConcurrency: 100 },
  rules: { errorAction: "sqs", driftMetrics: true },
  alarms: { noUpdatesMinutes: 15, emailSubscriptions: ["iot-oncall@example.com"] },
};

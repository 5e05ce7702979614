import type { EnvironmentConfigInput } from "../lib/config-schema";
import { githubRepository, operatorRoleIn, stateIn, thermostat } from "./product-lines";

/** Thermostat product line, development account. Data only: validated by lib/config-schema. */
export const dev: EnvironmentConfigInput = {
  environment: "dev",
  namePrefix: "iot",
  productLine: "thermostat",
  thingNamePrefix: thermostat.thingNamePrefix,
  account: { id: "111111111111", region: "eu-west-1" },
  state: stateIn("111111111111"),
  ci: githubRepository,
  failureQueues: operatorRoleIn("111111111111"),
  tags: thermostat.tags,
  devices: {
    thingType: thermostat.thingType,
    groups: [
      { name: "thermostats-dev", description: "All development thermostats" },
      { name: "site-lab", description: "Lab bench devices", parent: "thermostats-dev" },
    ],
    things: [
      { name: "Thermostat-01", attributes: { model: "T100", site: "lab", firmware: "1.4.2" }, groups: ["site-lab"], csrPath: "environments/csr/dev-Thermostat-01.csr" },
      { name: "Thermostat-02", attributes: { model: "T100", site: "lab", firmware: "1.4.2" }, groups: ["site-lab"], csrPath: "environments/csr/dev-Thermostat-02.csr" },
      { name: "Thermostat-03", attributes: { model: "T200", site: "lab", firmware: "2.0.0" }, groups: ["thermostats-dev"], csrPath: "environments/csr/dev-Thermostat-03.csr" },
    ],
    certificateMode: "csr",
    policyAttachment: "certificate",
  },
  shadows: thermostat.shadows,
  history: { ttlDays: 30 },
  processor: { memoryMb: 256, timeoutSeconds: 30, logRetentionDays: 30 },
  // The shadow API for applications (modules/shadow-api); IAM (SigV4) on every route.
  api: { enabled: true, throttling: { rateLimit: 20, burstLimit: 40 } },
  rules: { errorAction: "sqs", driftMetrics: true },
  alarms: { noUpdatesMinutes: 60, emailSubscriptions: [] },
};

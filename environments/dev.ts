import type { EnvironmentConfigInput } from "../lib/config-schema";

/** Thermostat product line, development account. Data only: validated by lib/config-schema. */
export const dev: EnvironmentConfigInput = {
  environment: "dev",
  namePrefix: "iot",
  productLine: "thermostat",
  account: { id: "111111111111", region: "eu-west-1" },
  state: {
    bucket: "acme-iot-tfstate-111111111111-eu-west-1",
    region: "eu-west-1",
    kmsKeyArn: "arn:aws:kms:eu-west-1:111111111111:alias/iot-terraform-state",
  },
  tags: { "cost-center": "iot-platform" },
  devices: {
    thingType: {
      name: "Thermostat",
      description: "Connected room thermostat reporting temperature and setpoint",
      searchableAttributes: ["model", "site", "firmware"],
    },
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
  shadows: { classic: true, named: ["config", "schedule"] },
  history: { ttlDays: 30 },
  processor: { memoryMb: 256, timeoutSeconds: 30, logRetentionDays: 30 },
  rules: { errorAction: "sqs", driftMetrics: true },
  alarms: { noUpdatesMinutes: 60, emailSubscriptions: [] },
};

import type { EnvironmentConfigInput } from "../lib/config-schema";

/** Thermostat product line, staging account: prod-like settings, small fleet. */
export const staging: EnvironmentConfigInput = {
  environment: "staging",
  namePrefix: "iot",
  productLine: "thermostat",
  account: { id: "222222222222", region: "eu-west-1", assumeRoleArn: "arn:aws:iam::222222222222:role/iot-platform-deployer" },
  state: {
    bucket: "acme-iot-tfstate-222222222222-eu-west-1",
    region: "eu-west-1",
    kmsKeyArn: "arn:aws:kms:eu-west-1:222222222222:alias/iot-terraform-state",
  },
  tags: { "cost-center": "iot-platform" },
  devices: {
    thingType: {
      name: "Thermostat",
      description: "Connected room thermostat reporting temperature and setpoint",
      searchableAttributes: ["model", "site", "firmware"],
    },
    groups: [{ name: "thermostats-staging", description: "All staging thermostats" }],
    things: [
      { name: "Thermostat-S01", attributes: { model: "T100", site: "qa", firmware: "1.4.2" }, groups: ["thermostats-staging"], csrPath: "environments/csr/staging-Thermostat-S01.csr" },
      { name: "Thermostat-S02", attributes: { model: "T200", site: "qa", firmware: "2.0.0" }, groups: ["thermostats-staging"], csrPath: "environments/csr/staging-Thermostat-S02.csr" },
    ],
    certificateMode: "csr",
    policyAttachment: "thing-group",
    policyGroup: "thermostats-staging",
    fleetProvisioning: { enabled: true },
  },
  shadows: { classic: true, named: ["config", "schedule"] },
  history: { ttlDays: 365 },
  processor: { memoryMb: 512, timeoutSeconds: 30, logRetentionDays: 90, reservedConcurrency: 20 },
  rules: { errorAction: "sqs", driftMetrics: true },
  alarms: { noUpdatesMinutes: 30, emailSubscriptions: ["iot-oncall@example.com"] },
};

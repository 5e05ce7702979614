import type { EnvironmentConfigInput } from "../lib/config-schema";
import { githubRepository, operatorRoleIn, stateIn, thermostat } from "./product-lines";

/** Thermostat product line, staging account: prod-like settings, small fleet. */
export const staging: EnvironmentConfigInput = {
  environment: "staging",
  namePrefix: "iot",
  productLine: "thermostat",
  thingNamePrefix: thermostat.thingNamePrefix,
  account: { id: "222222222222", region: "eu-west-1", assumeRoleArn: "arn:aws:iam::222222222222:role/iot-platform-deployer" },
  state: stateIn("222222222222"),
  ci: githubRepository,
  failureQueues: operatorRoleIn("222222222222"),
  tags: thermostat.tags,
  devices: {
    thingType: thermostat.thingType,
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
  shadows: thermostat.shadows,
  history: { ttlDays: 365 },
  processor: { memoryMb: 512, timeoutSeconds: 30, logRetentionDays: 90, reservedConcurrency: 20 },
  rules: { errorAction: "sqs", driftMetrics: true },
  alarms: { noUpdatesMinutes: 30, emailSubscriptions: ["iot-oncall@example.com"] },
};

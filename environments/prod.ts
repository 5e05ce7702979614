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
  // Buffered ingestion: a reconnect storm waits in the ingest queue and drains at 10 concurrent batches of up to 25,
  // instead of throttling per-update invokes into the dead-letter queue (README "Buffered ingestion").
  rules: {
    errorAction: "sqs",
    driftMetrics: true,
    ingestion: "buffered",
    buffer: { batchSize: 25, maximumBatchingWindowSeconds: 1, maximumConcurrency: 10, maxReceiveCount: 5 },
  },
  // Thermostats are mains-powered and stay connected: p99 convergence above 5 minutes means devices stopped applying desired state.
  alarms: { noUpdatesMinutes: 15, convergenceLatencyP99Seconds: 300, emailSubscriptions: ["iot-oncall@example.com"] },
};

/** Data shared by every environment of a product line (one definition per device class). */

export const thermostat = {
  /** Every thermostat (CSR-registered "Thermostat-01", fleet-provisioned "Thermostat-<serial>") is named so. */
  thingNamePrefix: "Thermostat-",
  thingType: {
    name: "Thermostat",
    description: "Connected room thermostat reporting temperature and setpoint",
    searchableAttributes: ["model", "site", "firmware"],
  },
  shadows: { classic: true, named: ["config", "schedule"] },
  tags: { "cost-center": "iot-platform" },
};

export const hvac = {
  /** "Hvac-0001" (CSR, the name in the certificate subject) and "HvacUnit-<serial>" (fleet provisioning) both start so. */
  thingNamePrefix: "Hvac",
  thingType: { name: "HvacUnit", description: "Rooftop HVAC unit", searchableAttributes: ["model", "building"] },
  shadows: { classic: false, named: ["maintenance", "schedule"] },
  extraProcessors: [{ id: "filter-alerts", bundle: "hvac-filter-alerts", memoryMb: 128 }],
  tags: { "cost-center": "hvac" },
};

/**
 * The state bucket and key every stack of an account uses (created by the bootstrap stack), and the
 * administrators' break-glass role: created outside this repository, it applies the bootstrap and is
 * the only principal besides the CI roles the bucket lets in.
 */
export function stateIn(accountId: string, region = "eu-west-1") {
  return {
    bucket: `acme-iot-tfstate-${accountId}-${region}`,
    region,
    kmsKeyArn: `arn:aws:kms:${region}:${accountId}:alias/iot-terraform-state`,
    breakGlassRoleArn: `arn:aws:iam::${accountId}:role/iot-state-break-glass`,
  };
}

/** The account's on-call role: the one principal that may read dead-letter and rule error queues (inspect, redrive). */
export function operatorRoleIn(accountId: string) {
  return { operatorRoleArn: `arn:aws:iam::${accountId}:role/iot-platform-operator` };
}

/** The repository whose GitHub Actions workflows plan and apply every environment (CI access stacks). */
export const githubRepository = { githubOwner: "acme", githubRepo: "iot-shadow-platform" };

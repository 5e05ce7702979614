/** Data shared by every environment of a product line (one definition per device class). */

export const thermostat = {
  thingType: {
    name: "Thermostat",
    description: "Connected room thermostat reporting temperature and setpoint",
    searchableAttributes: ["model", "site", "firmware"],
  },
  shadows: { classic: true, named: ["config", "schedule"] },
  tags: { "cost-center": "iot-platform" },
};

export const hvac = {
  thingType: { name: "HvacUnit", description: "Rooftop HVAC unit", searchableAttributes: ["model", "building"] },
  shadows: { classic: false, named: ["maintenance", "schedule"] },
  extraProcessors: [{ id: "filter-alerts", bundle: "hvac-filter-alerts", memoryMb: 128 }],
  tags: { "cost-center": "hvac" },
};

/** The state bucket and key every stack of an account uses (created by the bootstrap stack). */
export function stateIn(accountId: string, region = "eu-west-1") {
  return {
    bucket: `acme-iot-tfstate-${accountId}-${region}`,
    region,
    kmsKeyArn: `arn:aws:kms:${region}:${accountId}:alias/iot-terraform-state`,
  };
}

/** Generated environment configs for scaling benchmarks and large-fleet tests. */
import type { EnvironmentConfigInput } from "../lib/config-schema";
import { dev } from "../environments/dev";
import { testCsr } from "../tools/test-csr";

/** dev with `devices` generated things (inline CSR with the thing name as CN, 3 attributes, one group) and `namedShadows` named shadows. */
export function generatedFleet(devices: number, namedShadows = 2): EnvironmentConfigInput {
  const things = Array.from({ length: devices }, (_, i) => {
    const name = `Thermostat-${String(i + 1).padStart(6, "0")}`;
    return {
      name,
      attributes: { model: i % 2 ? "T100" : "T200", site: `site-${i % 17}`, firmware: "2.0.0" },
      groups: ["thermostats-dev"],
      csrPem: testCsr(name),
    };
  });
  return {
    ...dev,
    devices: { ...dev.devices, groups: [{ name: "thermostats-dev" }], things },
    shadows: { classic: true, named: Array.from({ length: namedShadows }, (_, i) => `shadow${i + 1}`) },
  };
}

/** dev with fleet provisioning: devices onboard themselves, so the stack holds no per-device resources at any fleet size. */
export function fleetProvisioned(namedShadows = 2): EnvironmentConfigInput {
  return {
    ...dev,
    devices: { ...dev.devices, groups: [{ name: "thermostats-dev" }], things: [], certificateMode: "fleet-provisioning", fleetProvisioning: { enabled: true } },
    shadows: { classic: true, named: Array.from({ length: namedShadows }, (_, i) => `shadow${i + 1}`) },
  };
}

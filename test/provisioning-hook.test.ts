/**
 * The pre-provisioning hook (issue 20 item 2) in the local pipeline: prod
 * synthesized (fleet provisioning on, Terraform-managed Thermostat-P0001/P0002
 * under the template's "Thermostat-" prefix), the BUILT hook bundle invoked
 * synchronously the way AWS IoT invokes it, its allowlist in a local DynamoDB
 * created from the synthesized table, DescribeThing answered by a local
 * registry. Everything on 127.0.0.1, free ports, stopped afterwards.
 */
import { environments } from "../environments";
import { LocalProvisioningHook, synthesizeEnvironment } from "../tools/pipeline";
import { HookConfig, loadHookConfig } from "../functions/provisioning-hook/config";
import { decide, precheck } from "../functions/provisioning-hook/decide";
import { CLAIM_LEASE_MS, HOOK_TIME_LIMIT_MS } from "../modules/device-identity/hook-contract";

let hook: LocalProvisioningHook;

beforeAll(async () => {
  const { platform } = synthesizeEnvironment({ environments, env: "prod" });
  hook = await LocalProvisioningHook.start({ platform });
});

afterAll(async () => {
  await hook?.stop();
});

afterEach(() => {
  hook.registry.fault = undefined;
});

const refusals = (reason: string) => hook.logs.filter((l) => l.message === "Provisioning refused" && l.reason === reason);

describe("the synthesized template and hook", () => {
  it("is the template's hook, invokable by AWS IoT for this template only, answering within the 5 s limit", () => {
    expect(hook.template.arn).toBe("arn:aws:iot:eu-west-1:333333333333:provisioningtemplate/iot-prod-fleet");
    expect(hook.invokePermitted).toBe(true);
    expect(hook.fn.functionName).toBe("iot-prod-provisioning-hook");
    expect(hook.fn.timeoutSeconds).toBeLessThanOrEqual(HOOK_TIME_LIMIT_MS / 1000);
    expect(hook.table.tableName).toBe("iot-prod-device-allowlist");
  });
});

describe("allowed", () => {
  it("an allowlisted serial whose thing does not exist: provisioned, and the claim recorded", async () => {
    await hook.allowSerial("SN-A-0001");
    const result = await hook.register({ serialNumber: "SN-A-0001", certificateId: "c".repeat(64) });
    expect(result).toEqual(expect.objectContaining({ allowed: true, response: { allowProvisioning: true }, thingName: "Thermostat-SN-A-0001" }));
    expect(result.elapsedMs).toBeLessThan(HOOK_TIME_LIMIT_MS);
    expect(hook.registry.lookups).toContain("Thermostat-SN-A-0001");
    const entry = await hook.entry("SN-A-0001");
    expect(entry).toEqual(expect.objectContaining({ serialNumber: "SN-A-0001", claimedByCertificateId: "c".repeat(64), claims: 1, claimedAt: expect.any(Number) }));
    expect(hook.logs).toContainEqual(expect.objectContaining({ level: "INFO", message: "Provisioning allowed", serialNumber: "SN-A-0001", thingName: "Thermostat-SN-A-0001" }));
  });

  it("a retry after the lease, when the first registration did not complete (no thing exists)", async () => {
    await hook.allowSerial("SN-A-0002", { claimedAt: Date.now() - CLAIM_LEASE_MS - 1_000, claims: 1 });
    const result = await hook.register({ serialNumber: "SN-A-0002" });
    expect(result.allowed).toBe(true);
    expect((await hook.entry("SN-A-0002"))?.claims).toBe(2);
  });
});

describe("refused", () => {
  it("a serial that is not on the allowlist", async () => {
    const result = await hook.register({ serialNumber: "SN-NOT-LISTED" });
    expect(result).toEqual(expect.objectContaining({ allowed: false, response: { allowProvisioning: false } }));
    expect(hook.registry.things.has("Thermostat-SN-NOT-LISTED")).toBe(false);
    expect(refusals("not-allowlisted").map((l) => l.serialNumber)).toContain("SN-NOT-LISTED");
  });

  it("a serial manufacturing disabled", async () => {
    await hook.allowSerial("SN-REVOKED", { enabled: false });
    expect((await hook.register({ serialNumber: "SN-REVOKED" })).allowed).toBe(false);
    expect(refusals("disabled").map((l) => l.serialNumber)).toContain("SN-REVOKED");
  });

  it("an existing device's thing: no take-over, even with its serial allowlisted", async () => {
    hook.registry.things.add("Thermostat-SN-FIELDED");
    await hook.allowSerial("SN-FIELDED");
    expect((await hook.register({ serialNumber: "SN-FIELDED" })).allowed).toBe(false);
    expect(refusals("thing-exists").map((l) => l.thingName)).toContain("Thermostat-SN-FIELDED");
    // And the claim was not recorded, so nothing changed on the allowlist.
    expect((await hook.entry("SN-FIELDED"))?.claimedAt).toBeUndefined();
  });

  it("a second registration of a provisioned serial (a leaked claim certificate replaying it)", async () => {
    await hook.allowSerial("SN-ONCE");
    expect((await hook.register({ serialNumber: "SN-ONCE" })).allowed).toBe(true);
    expect((await hook.register({ serialNumber: "SN-ONCE" })).allowed).toBe(false);
  });

  it("a Terraform-managed thing, even when allowlisted and not yet created", async () => {
    await hook.allowSerial("P0001");
    expect(hook.registry.things.has("Thermostat-P0001")).toBe(false);
    expect((await hook.register({ serialNumber: "P0001" })).allowed).toBe(false);
    expect(refusals("reserved-name").map((l) => l.detail)).toContain("Thermostat-P0001 is managed by Terraform");
  });

  it.each([
    ["no serial", undefined],
    ["an empty serial", ""],
    ["a serial that is not a string", 42],
    ["a serial with a ':'", "SN:1"],
    ["a serial with a '/'", "SN/../1"],
    ["a serial that does not fit a thing name", "S".repeat(128)],
  ])("%s", async (_label, serialNumber) => {
    const before = hook.registry.lookups.length;
    expect((await hook.register({ serialNumber })).allowed).toBe(false);
    // Refused before any lookup.
    expect(hook.registry.lookups.length).toBe(before);
  });

  it("two concurrent requests for one serial: exactly one is let through", async () => {
    await hook.allowSerial("SN-RACE");
    const results = await Promise.all([hook.register({ serialNumber: "SN-RACE" }), hook.register({ serialNumber: "SN-RACE" }), hook.register({ serialNumber: "SN-RACE" })]);
    expect(results.filter((r) => r.allowed)).toHaveLength(1);
    expect((await hook.entry("SN-RACE"))?.claims).toBe(1);
  });

  it("a serial claimed within the lease (its first registration may still be completing)", async () => {
    await hook.allowSerial("SN-LEASED", { claimedAt: Date.now() - 1_000, claims: 1 });
    expect((await hook.register({ serialNumber: "SN-LEASED" })).allowed).toBe(false);
    expect(refusals("recently-claimed").map((l) => l.serialNumber)).toContain("SN-LEASED");
  });

  it("when the registry fails: fail closed, quickly", async () => {
    await hook.allowSerial("SN-REGISTRY-DOWN");
    hook.registry.fault = { status: 500 };
    const result = await hook.register({ serialNumber: "SN-REGISTRY-DOWN" });
    expect(result).toEqual(expect.objectContaining({ allowed: false, response: { allowProvisioning: false } }));
    expect(result.elapsedMs).toBeLessThan(HOOK_TIME_LIMIT_MS);
    expect(refusals("error").map((l) => l.serialNumber)).toContain("SN-REGISTRY-DOWN");
    expect((await hook.entry("SN-REGISTRY-DOWN"))?.claimedAt).toBeUndefined();
  });

  it("when the registry is too slow: the hook answers (refusing) before AWS IoT's 5 s limit", async () => {
    await hook.allowSerial("SN-SLOW");
    hook.registry.fault = { delayMs: 4_500 };
    const result = await hook.register({ serialNumber: "SN-SLOW" });
    expect(result.failure).toBeUndefined();
    expect(result).toEqual(expect.objectContaining({ allowed: false, response: { allowProvisioning: false } }));
    expect(result.elapsedMs).toBeLessThan(HOOK_TIME_LIMIT_MS - 1_000);
    expect(hook.registry.things.has("Thermostat-SN-SLOW")).toBe(false);
  }, 15_000);
});

describe("decisions (pure)", () => {
  const config: HookConfig = loadHookConfig({ ALLOWLIST_TABLE_NAME: "t", THING_NAME_PREFIX: "", RESERVED_THING_NAMES: '["Managed-1"]' });
  const request = (SerialNumber: unknown) => ({ parameters: { SerialNumber }, certificateId: "c" });

  it("with an empty prefix, serials may not enter the claim client-id space or Terraform's names", () => {
    expect(precheck(request("provision-123"), config)).toEqual(expect.objectContaining({ ok: false, reason: "reserved-name" }));
    expect(precheck(request("Managed-1"), config)).toEqual(expect.objectContaining({ ok: false, reason: "reserved-name" }));
    expect(precheck(request("Device-1"), config)).toEqual({ ok: true, serialNumber: "Device-1", thingName: "Device-1", certificateId: "c" });
    expect(precheck(null, config)).toEqual(expect.objectContaining({ ok: false, reason: "invalid-request" }));
  });

  it("the lease boundary", () => {
    const now = 10 * CLAIM_LEASE_MS;
    expect(decide(false, { claimedAt: now - CLAIM_LEASE_MS }, now)).toEqual(expect.objectContaining({ allow: false, reason: "recently-claimed" }));
    expect(decide(false, { claimedAt: now - CLAIM_LEASE_MS - 1 }, now)).toEqual({ allow: true });
    expect(decide(false, {}, now)).toEqual({ allow: true });
    expect(decide(false, { enabled: true }, now)).toEqual({ allow: true });
  });

  it("a misconfigured environment is refused, naming the variable", () => {
    expect(() => loadHookConfig({ THING_NAME_PREFIX: "T-" })).toThrow(/ALLOWLIST_TABLE_NAME is not set/);
    expect(() => loadHookConfig({ ALLOWLIST_TABLE_NAME: "t" })).toThrow(/THING_NAME_PREFIX is not set/);
    expect(() => loadHookConfig({ ALLOWLIST_TABLE_NAME: "t", THING_NAME_PREFIX: "T-", RESERVED_THING_NAMES: "{}" })).toThrow(/RESERVED_THING_NAMES must be a JSON array/);
  });
});

/**
 * README "Add a device": a device whose CSR `openssl req` made (the README's command, keys made by
 * the openssl CLI into a temporary directory), added at the front, in the middle and at the end of
 * an environment's device list. Synth and the offline checks pass, no existing resource changes its
 * address or its value, and exactly the new device's resources are added: the same ones an existing
 * device of the same groups has. "Order does not matter" means all three positions give the same stacks.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { environments } from "../environments";
import { blockingFindings, checkStack } from "../tools/offline-checks";
import { TfJson, synthAll } from "./helpers/synth-app";

const ROOT = join(__dirname, "..");
const NEW_DEVICE = "Thermostat-04";
/** The existing device the new one is modelled on (same attributes and groups), so its resources are the expected set. */
const MODEL = "Thermostat-01";

type Thing = { name: string; csrPath?: string; csrPem?: string; [key: string]: unknown };

let dir: string;
const csrFiles: Record<string, string> = {};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "add-device-"));
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  // The device makes its key; the repository only ever sees the CSR.
  openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ec.key");
  openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "rsa.key");
  for (const kind of ["ec", "rsa"]) {
    openssl("req", "-new", "-key", `${kind}.key`, "-subj", `/CN=${NEW_DEVICE}`, "-out", `${kind}.csr`);
    csrFiles[kind] = join(dir, `${kind}.csr`);
  }
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** dev with the new device at `position` (csrPath relative to the repository root, as the README says). */
function devWithNewDevice(position: "first" | "middle" | "last", csrFile: string) {
  const dev = JSON.parse(JSON.stringify(environments.dev)) as { devices: { things: Thing[] } };
  const things = dev.devices.things;
  const model = things.find((t) => t.name === MODEL);
  if (!model) throw new Error(`the test models the new device on ${MODEL} in environments/dev.ts`);
  const { csrPath: _modelsCsr, csrPem: _modelsPem, ...rest } = model;
  const device: Thing = { ...rest, name: NEW_DEVICE, csrPath: relative(ROOT, csrFile) };
  const at = { first: 0, middle: Math.floor(things.length / 2), last: things.length }[position];
  things.splice(at, 0, device);
  expect(things.map((t) => t.name).indexOf(NEW_DEVICE)).toBe(at);
  return dev;
}

function addresses(stack: TfJson): Map<string, TfJson> {
  const out = new Map<string, TfJson>();
  for (const [type, byName] of Object.entries<TfJson>(stack.resource ?? {})) for (const [name, config] of Object.entries<TfJson>(byName)) out.set(`${type}.${name}`, config);
  return out;
}

/** A device's resources are under construct path device_identity/things/<thing name>; the trailing hash is of that path. */
const ofDevice = (name: string) => (address: string) => address.includes(`.device_identity_things_${name}_`);
const withoutHash = (address: string) => address.replace(/_[0-9A-F]{8}$/, "");

describe("README: add a device with an openssl-made CSR; order does not matter", () => {
  const before = synthAll({ environments: { dev: environments.dev } }).stacks;
  const platformName = "iot-dev-platform";

  it.each([
    ["first", "ec"],
    ["middle", "ec"],
    ["last", "ec"],
    ["first", "rsa"],
  ] as const)("at the %s position (%s key): synth and checks pass, nothing existing changes, exactly the new device's resources are added", (position, kind) => {
    const { stacks } = synthAll({ environments: { dev: devWithNewDevice(position, csrFiles[kind]) } });

    expect(Object.keys(stacks).sort()).toEqual(Object.keys(before).sort());
    const blocking = Object.entries(stacks).flatMap(([name, json]) => blockingFindings(checkStack(name, json)).map((f) => `${name} ${f.ruleId} ${f.address}`));
    expect(blocking).toEqual([]);

    for (const name of Object.keys(before)) {
      const was = addresses(before[name]);
      const now = addresses(stacks[name]);
      // Every existing address is still there with the same configuration (no replace, no in-place change).
      for (const [address, config] of was) expect({ address, config: now.get(address) }).toEqual({ address, config });
      const added = [...now.keys()].filter((a) => !was.has(a)).sort();
      if (name !== platformName) {
        expect({ name, added }).toEqual({ name, added: [] });
        continue;
      }
      // Exactly what the model device has, under the new device's name.
      const modelled = [...was.keys()].filter(ofDevice(MODEL)).map((a) => withoutHash(a).replace(`_${MODEL}_`, `_${NEW_DEVICE}_`)).sort();
      expect(modelled.length).toBeGreaterThan(3);
      expect(added.every(ofDevice(NEW_DEVICE))).toBe(true);
      expect(added.map(withoutHash)).toEqual(modelled);
    }

    // The certificate is made from the device's own CSR, as openssl wrote it.
    const platform = addresses(stacks[platformName]);
    const [certificate] = [...platform].filter(([a]) => a.startsWith("aws_iot_certificate.") && ofDevice(NEW_DEVICE)(a));
    expect(certificate[1].csr).toBe(readFileSync(csrFiles[kind], "utf8"));
  });

  it("the stacks are the same wherever the device was inserted", () => {
    // Deep equality: the JSON lists resources in construct order, which follows the list; their content may not.
    const synthAt = (position: "first" | "middle" | "last") => synthAll({ environments: { dev: devWithNewDevice(position, csrFiles.ec) } }).stacks;
    const first = synthAt("first");
    expect(synthAt("middle")).toEqual(first);
    expect(synthAt("last")).toEqual(first);
  });
});

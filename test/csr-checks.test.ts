/**
 * The PKCS#10 reader behind the CSR checks (modules/device-identity/pkcs10.ts),
 * against CSRs made by `openssl req` (test/fixtures/csr/checks, made with
 * OpenSSL 3.0: keys thrown away) and the in-process maker tools/test-csr.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CsrParseError, csrPemToDer, describeKey, parseCsrDer } from "../modules/device-identity/pkcs10";
import { testCsr } from "../tools/test-csr";

const CHECKS = join(__dirname, "fixtures", "csr", "checks");
const pemOf = (name: string) => readFileSync(join(CHECKS, `${name}.csr`), "utf8");
const parse = (pem: string) => parseCsrDer(csrPemToDer(pem));

describe("reading openssl-made CSRs", () => {
  it.each([
    ["rsa-2048", ["Device-RSA2048"], "RSA 2048 bits", true],
    ["rsa-1024", ["Device-RSA1024"], "RSA 1024 bits", false],
    ["ec-p384", ["Device-P384"], "EC P-384", true],
    ["ec-p521", ["Device-P521"], "EC P-521", true],
    ["ec-p224", ["Device-P224"], "EC secp224r1", false],
    ["ec-secp256k1", ["Device-K1"], "EC secp256k1", false],
    ["ed25519", ["Device-Ed25519"], "ed25519", false],
    ["no-cn", [], "EC P-256", true],
    ["two-cns", ["Device-A", "Device-B"], "EC P-256", true],
    ["printable-cn", ["Device-Printable"], "EC P-256", true],
    ["utf8-cn", ["Gerät-01"], "EC P-256", true],
  ])("%s: CN %p, key %s (strong enough: %p)", (name, cns, key, strong) => {
    const csr = parse(pemOf(name));
    expect(csr.commonNames).toEqual(cns);
    const described = describeKey(csr.publicKey);
    expect(described.description).toBe(key);
    expect(described.problem === undefined).toBe(strong);
  });

  it("reads every CSR the environments ship, with the thing name as CN", () => {
    const dir = join(__dirname, "..", "environments", "csr");
    for (const file of ["dev-Thermostat-01", "prod-Thermostat-P0001", "hvac-prod-Hvac-1001"]) {
      const csr = parse(readFileSync(join(dir, `${file}.csr`), "utf8"));
      expect(csr.commonNames).toEqual([file.replace(/^(hvac-)?(dev|staging|prod)-/, "")]);
      expect(describeKey(csr.publicKey)).toEqual({ description: "EC P-256" });
    }
  });
});

describe("malformed input is refused with a CsrParseError", () => {
  const der = csrPemToDer(pemOf("rsa-2048"));
  it.each([
    ["truncated", der.subarray(0, der.length - 10), /truncated/],
    ["trailing bytes", Buffer.concat([der, Buffer.from([0])]), /1 trailing bytes/],
    ["indefinite length", Buffer.from([0x30, 0x80, 0x00, 0x00]), /indefinite length is not DER/],
    ["not a sequence", Buffer.from([0x02, 0x01, 0x00]), /CertificationRequest: expected tag 0x30, found 0x2/],
    ["an empty sequence", Buffer.from([0x30, 0x00]), /expected info, signature algorithm and signature/],
    ["a length past the end", Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), /truncated/],
    ["a version other than 0", Buffer.from(der.toString("hex").replace(/^(3082....3082....)020100/, "$1020101"), "hex"), /version: must be 0/],
  ])("%s", (_label, bytes, message) => {
    expect(() => parseCsrDer(bytes)).toThrow(CsrParseError);
    expect(() => parseCsrDer(bytes)).toThrow(message);
  });

  it("a PEM with two CSRs, or a body that is not base64", () => {
    expect(() => csrPemToDer(pemOf("rsa-2048") + pemOf("ec-p384"))).toThrow(/exactly one CERTIFICATE REQUEST block, found 2/);
    expect(() => csrPemToDer("-----BEGIN CERTIFICATE REQUEST-----\nnot*base64\n-----END CERTIFICATE REQUEST-----\n")).toThrow(/not base64/);
  });

  it("a public key Node cannot read", () => {
    // The P-256 key bits are BIT STRING (03 42 00) holding an uncompressed point (04 ...): 05 is no point encoding.
    const broken = Buffer.from(csrPemToDer(testCsr("Sensor-Z")));
    const point = broken.indexOf(Buffer.from([0x03, 0x42, 0x00, 0x04])) + 3;
    expect(point).toBeGreaterThan(3);
    broken[point] = 0x05;
    expect(() => parseCsrDer(broken)).toThrow(/^subjectPKInfo: /);
  });
});

describe("tools/test-csr", () => {
  it("makes a CSR per name that the reader reads back, the same PEM for the same name", () => {
    for (const key of ["ec-p256", "ec-p384", "rsa-2048", "rsa-1024"] as const) {
      const csr = parse(testCsr(`Thermostat-${key}`, { key }));
      expect(csr.commonNames).toEqual([`Thermostat-${key}`]);
    }
    expect(testCsr("Same-Name")).toBe(testCsr("Same-Name"));
    expect(testCsr("Name-1")).not.toBe(testCsr("Name-2"));
  });

  const hasOpenssl = (() => {
    try {
      execFileSync("openssl", ["version"], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  })();
  (hasOpenssl ? it : it.skip)("makes CSRs openssl verifies (signature and subject)", () => {
    const dir = mkdtempSync(join(tmpdir(), "test-csr-"));
    try {
      for (const key of ["ec-p256", "rsa-2048"] as const) {
        const file = join(dir, `${key}.csr`);
        writeFileSync(file, testCsr(`Verified-${key}`, { key }));
        const out = execFileSync("openssl", ["req", "-in", file, "-noout", "-verify", "-subject"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
        expect(out).toContain(`subject=CN = Verified-${key}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * Makes real, signed PKCS#10 CSRs in-process (Node crypto, no openssl), for
 * tests and benchmarks that need a valid CSR per generated thing name: the
 * device-identity module checks that each CSR's subject CN is its thing name.
 *
 *   const pem = testCsr("Thermostat-000042");            // EC P-256, CN=Thermostat-000042
 *   const weak = testCsr("Old-1", { key: "rsa-1024" });   // for negative tests
 *
 * One key pair per key kind and process (the module checks the subject and the
 * key, not that keys differ), and one CSR per (CN, key) memoized, so the same
 * name always yields the same PEM within a process (stable synth output).
 * Never use these for real devices: the private keys are thrown away.
 */
import { KeyObject, generateKeyPairSync, sign } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type TestCsrKey = "ec-p256" | "ec-p384" | "rsa-2048" | "rsa-1024";

export interface TestCsrOptions {
  /** @default "ec-p256" */
  readonly key?: TestCsrKey;
}

const keys = new Map<TestCsrKey, { readonly privateKey: KeyObject; readonly publicKey: KeyObject }>();
const made = new Map<string, string>();

function keyPair(kind: TestCsrKey) {
  let pair = keys.get(kind);
  if (!pair) {
    pair = kind.startsWith("ec-")
      ? generateKeyPairSync("ec", { namedCurve: kind === "ec-p256" ? "P-256" : "P-384" })
      : generateKeyPairSync("rsa", { modulusLength: kind === "rsa-2048" ? 2048 : 1024 });
    keys.set(kind, pair);
  }
  return pair;
}

/** DER: tag, definite length, content. */
function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  const n = body.length;
  const length = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, body]);
}

const OID = {
  commonName: Buffer.from([0x55, 0x04, 0x03]),
  // ecdsa-with-SHA256 1.2.840.10045.4.3.2 / sha256WithRSAEncryption 1.2.840.113549.1.1.11
  ecdsaWithSha256: Buffer.from([0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]),
  sha256WithRsa: Buffer.from([0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b]),
};

/** A PEM CSR with subject CN=`commonName`, signed with the process's key of that kind. */
export function testCsr(commonName: string, options: TestCsrOptions = {}): string {
  const kind = options.key ?? "ec-p256";
  const cacheKey = `${kind}\u0000${commonName}`;
  const cached = made.get(cacheKey);
  if (cached) return cached;
  const { privateKey, publicKey } = keyPair(kind);
  const subject = tlv(0x30, tlv(0x31, tlv(0x30, tlv(0x06, OID.commonName), tlv(0x0c, Buffer.from(commonName, "utf8")))));
  const spki = publicKey.export({ type: "spki", format: "der" });
  const info = tlv(0x30, tlv(0x02, Buffer.from([0])), subject, spki, tlv(0xa0));
  const ec = kind.startsWith("ec-");
  const algorithm = ec ? tlv(0x30, tlv(0x06, OID.ecdsaWithSha256)) : tlv(0x30, tlv(0x06, OID.sha256WithRsa), tlv(0x05));
  const signature = sign("sha256", info, privateKey);
  const der = tlv(0x30, info, algorithm, tlv(0x03, Buffer.from([0]), signature));
  const pem = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString("base64").replace(/(.{64})/g, "$1\n").replace(/\n$/, "")}\n-----END CERTIFICATE REQUEST-----\n`;
  made.set(cacheKey, pem);
  return pem;
}

let fileDir: string | undefined;
const files = new Map<string, string>();

/**
 * `testCsr(commonName, options)` written to a file in a temporary directory of
 * this process (removed when the process exits); returns its absolute path,
 * for configs that name CSRs by `csrPath`.
 */
export function testCsrFile(commonName: string, options: TestCsrOptions = {}): string {
  const cacheKey = `${options.key ?? "ec-p256"}\u0000${commonName}`;
  const known = files.get(cacheKey);
  if (known) return known;
  if (fileDir === undefined) {
    const dir = mkdtempSync(join(tmpdir(), "test-csr-"));
    fileDir = dir;
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  }
  const path = join(fileDir, `${files.size}.csr`);
  writeFileSync(path, testCsr(commonName, options));
  files.set(cacheKey, path);
  return path;
}

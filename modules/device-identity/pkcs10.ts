/**
 * A small DER reader for PKCS#10 certificate signing requests (RFC 2986),
 * enough to check a CSR at synth time: the subject's common names and the
 * public key (type and size, read by Node's crypto from the embedded
 * SubjectPublicKeyInfo). Node cannot parse a CSR itself.
 *
 *   CertificationRequest ::= SEQUENCE { certificationRequestInfo, signatureAlgorithm, signature BIT STRING }
 *   CertificationRequestInfo ::= SEQUENCE { version INTEGER (0), subject Name, subjectPKInfo SubjectPublicKeyInfo, attributes [0] }
 *   Name ::= SEQUENCE OF SET OF SEQUENCE { type OBJECT IDENTIFIER, value ANY }
 *
 * Strict DER only: definite lengths, no trailing bytes. Signatures are not
 * verified (AWS IoT does that when it signs the certificate).
 */
import { KeyObject, createPublicKey } from "node:crypto";

export class CsrParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CsrParseError";
  }
}

interface Tlv {
  readonly tag: number;
  /** Offset of the tag byte. */
  readonly start: number;
  /** Offset of the first content byte. */
  readonly contentStart: number;
  /** Offset just past the content. */
  readonly end: number;
}

const TAG = { integer: 0x02, bitString: 0x03, oid: 0x06, sequence: 0x30, set: 0x31, attributes: 0xa0 } as const;
/** id-at-commonName, 2.5.4.3. */
const COMMON_NAME_OID = "2.5.4.3";

function readTlv(der: Buffer, offset: number, limit: number, what: string): Tlv {
  if (offset + 2 > limit) throw new CsrParseError(`${what}: truncated`);
  const tag = der[offset];
  if ((tag & 0x1f) === 0x1f) throw new CsrParseError(`${what}: multi-byte tags are not used in a CSR`);
  let length = der[offset + 1];
  let contentStart = offset + 2;
  if (length === 0x80) throw new CsrParseError(`${what}: indefinite length is not DER`);
  if (length > 0x80) {
    const bytes = length & 0x7f;
    if (bytes > 4 || contentStart + bytes > limit) throw new CsrParseError(`${what}: bad length`);
    length = 0;
    for (let i = 0; i < bytes; i++) length = length * 256 + der[contentStart + i];
    contentStart += bytes;
  }
  const end = contentStart + length;
  if (end > limit) throw new CsrParseError(`${what}: truncated (needs ${end - offset} bytes, ${limit - offset} left)`);
  return { tag, start: offset, contentStart, end };
}

function expectTag(tlv: Tlv, tag: number, what: string): Tlv {
  if (tlv.tag !== tag) throw new CsrParseError(`${what}: expected tag 0x${tag.toString(16)}, found 0x${tlv.tag.toString(16)}`);
  return tlv;
}

/** The children of a constructed value. */
function children(der: Buffer, parent: Tlv, what: string): Tlv[] {
  const out: Tlv[] = [];
  for (let offset = parent.contentStart; offset < parent.end; ) {
    const child = readTlv(der, offset, parent.end, what);
    out.push(child);
    offset = child.end;
  }
  return out;
}

function decodeOid(bytes: Buffer): string {
  if (bytes.length === 0) throw new CsrParseError("empty object identifier");
  const parts: number[] = [];
  let value = 0;
  for (const b of bytes) {
    value = value * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) {
      parts.push(value);
      value = 0;
    }
  }
  const first = parts.shift()!;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...parts].join(".");
}

/** DirectoryString and IA5String forms a subject uses. */
function decodeString(der: Buffer, tlv: Tlv): string {
  const bytes = der.subarray(tlv.contentStart, tlv.end);
  switch (tlv.tag) {
    case 0x0c: // UTF8String
      return bytes.toString("utf8");
    case 0x13: // PrintableString
    case 0x16: // IA5String
      return bytes.toString("ascii");
    case 0x14: // TeletexString (treated as Latin-1, as OpenSSL does)
      return bytes.toString("latin1");
    case 0x1e: // BMPString (UTF-16BE)
      return Buffer.from(bytes).swap16().toString("utf16le");
    default:
      throw new CsrParseError(`subject value has string type 0x${tlv.tag.toString(16)}, which is not supported`);
  }
}

export interface ParsedCsr {
  /** Every commonName in the subject, in order (usually exactly one). */
  readonly commonNames: readonly string[];
  /** The subject public key, as Node's crypto reads it. */
  readonly publicKey: KeyObject;
}

/** Parses a DER-encoded PKCS#10 request; throws CsrParseError on anything malformed. */
export function parseCsrDer(der: Buffer): ParsedCsr {
  const outer = expectTag(readTlv(der, 0, der.length, "CertificationRequest"), TAG.sequence, "CertificationRequest");
  if (outer.end !== der.length) throw new CsrParseError(`CertificationRequest: ${der.length - outer.end} trailing bytes`);
  const [info, algorithm, signature, ...extra] = children(der, outer, "CertificationRequest");
  if (!info || !algorithm || !signature || extra.length > 0) throw new CsrParseError("CertificationRequest: expected info, signature algorithm and signature");
  expectTag(info, TAG.sequence, "certificationRequestInfo");
  expectTag(algorithm, TAG.sequence, "signatureAlgorithm");
  expectTag(signature, TAG.bitString, "signature");

  const [version, subject, spki, attributes, ...rest] = children(der, info, "certificationRequestInfo");
  if (!version || !subject || !spki || rest.length > 0) throw new CsrParseError("certificationRequestInfo: expected version, subject, public key and attributes");
  expectTag(version, TAG.integer, "version");
  if (version.end - version.contentStart !== 1 || der[version.contentStart] !== 0) throw new CsrParseError("version: must be 0 (PKCS#10 v1)");
  expectTag(subject, TAG.sequence, "subject");
  expectTag(spki, TAG.sequence, "subjectPKInfo");
  if (attributes) expectTag(attributes, TAG.attributes, "attributes");

  const commonNames: string[] = [];
  for (const rdn of children(der, subject, "subject")) {
    expectTag(rdn, TAG.set, "subject RDN");
    for (const atv of children(der, rdn, "subject attribute")) {
      expectTag(atv, TAG.sequence, "subject attribute");
      const [type, value, ...more] = children(der, atv, "subject attribute");
      if (!type || !value || more.length > 0) throw new CsrParseError("subject attribute: expected type and value");
      expectTag(type, TAG.oid, "subject attribute type");
      if (decodeOid(der.subarray(type.contentStart, type.end)) === COMMON_NAME_OID) commonNames.push(decodeString(der, value));
    }
  }

  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: der.subarray(spki.start, spki.end), format: "der", type: "spki" });
  } catch (e) {
    throw new CsrParseError(`subjectPKInfo: ${(e as Error).message}`);
  }
  return { commonNames, publicKey };
}

/** The DER bytes of the single `CERTIFICATE REQUEST` block of a PEM text. */
export function csrPemToDer(pem: string): Buffer {
  const blocks = [...pem.matchAll(/-----BEGIN (?:NEW )?CERTIFICATE REQUEST-----([\s\S]*?)-----END (?:NEW )?CERTIFICATE REQUEST-----/g)];
  if (blocks.length !== 1) throw new CsrParseError(`expected exactly one CERTIFICATE REQUEST block, found ${blocks.length}`);
  const body = blocks[0][1].replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) throw new CsrParseError("the PEM body is not base64");
  return Buffer.from(body, "base64");
}

/** Minimum key strength for device certificates: RSA of at least 2048 bits, or EC on P-256 or a larger NIST curve. */
export const MIN_RSA_BITS = 2048;
/** Node's names for the accepted curves, with the names people know them by. */
export const ACCEPTED_EC_CURVES: Readonly<Record<string, string>> = { prime256v1: "P-256", secp384r1: "P-384", secp521r1: "P-521" };

/** A description of the key ("RSA 2048 bits", "EC P-256", "ed25519") and, when too weak or unsupported, the problem. */
export function describeKey(key: KeyObject): { readonly description: string; readonly problem?: string } {
  const type = key.asymmetricKeyType ?? "unknown";
  const details = key.asymmetricKeyDetails ?? {};
  const accepted = `RSA of at least ${MIN_RSA_BITS} bits or EC ${Object.values(ACCEPTED_EC_CURVES).join("/")}`;
  if (type === "rsa") {
    const bits = details.modulusLength ?? 0;
    const description = `RSA ${bits} bits`;
    return bits >= MIN_RSA_BITS ? { description } : { description, problem: `key is ${description}; the minimum is ${accepted}` };
  }
  if (type === "ec") {
    const curve = details.namedCurve ?? "unknown curve";
    const known = ACCEPTED_EC_CURVES[curve];
    const description = `EC ${known ?? curve}`;
    return known ? { description } : { description, problem: `key is ${description}; the minimum is ${accepted}` };
  }
  return { description: type, problem: `key type is ${type}; AWS IoT device certificates here need ${accepted}` };
}

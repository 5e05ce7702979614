import { existsSync, readFileSync, statSync } from "fs";
import { resolve } from "path";
import { CsrParseError, csrPemToDer, describeKey, parseCsrDer } from "./pkcs10";

const CSR_BEGIN = /-----BEGIN (NEW )?CERTIFICATE REQUEST-----/;
const CSR_END = /-----END (NEW )?CERTIFICATE REQUEST-----/;

export interface CsrSource {
  readonly path?: string;
  readonly pem?: string;
  /** Prop names used in messages, e.g. ["csrPath", "csrPem"]. */
  readonly pathField: string;
  readonly pemField: string;
  /** The subject CN the CSR must carry (a device's thing name); undefined checks the key only (claim certificate). */
  readonly commonName?: string;
}

/** A CSR comes from a file or inline text, never both (checked without reading anything). */
export function csrSourceConflict(source: Pick<CsrSource, "path" | "pem" | "pathField" | "pemField">): string | undefined {
  return source.path !== undefined && source.pem !== undefined ? `${source.pathField} and ${source.pemField} are both set; keep one` : undefined;
}

/**
 * Returns the CSR PEM from a path or inline text, or undefined when neither is set.
 * Read and checked at synth time, so a missing file, a CSR for another device
 * (subject CN is not the thing name) or a weak key (below RSA 2048 / EC P-256)
 * fails synth with the device and field named, not at apply or in the field.
 */
export function loadCsr(owner: string, source: CsrSource, baseDir: string): string | undefined {
  const conflict = csrSourceConflict(source);
  if (conflict) throw new Error(`${owner}: ${conflict}`);
  if (source.path !== undefined) {
    const resolved = resolve(baseDir, source.path);
    if (!existsSync(resolved) || !statSync(resolved).isFile()) {
      throw new Error(`${owner}.${source.pathField}: CSR file "${source.path}" does not exist (resolved to "${resolved}"); fix the path or csrBaseDir`);
    }
    return checkCsr(`${owner}.${source.pathField} ("${source.path}")`, readFileSync(resolved, "utf8"), source.commonName);
  }
  if (source.pem !== undefined) return checkCsr(`${owner}.${source.pemField}`, source.pem, source.commonName);
  return undefined;
}

function checkCsr(field: string, text: string, commonName: string | undefined): string {
  // A private key next to the CSR would end up in Terraform state and the repository.
  if (/PRIVATE KEY-----/.test(text)) {
    throw new Error(`${field}: contains a private key; supply only the certificate signing request (the device keeps its key)`);
  }
  if (!CSR_BEGIN.test(text) || !CSR_END.test(text)) {
    throw new Error(`${field}: is not a PEM certificate signing request (expected "-----BEGIN CERTIFICATE REQUEST-----" ... "-----END CERTIFICATE REQUEST-----")`);
  }
  let parsed;
  try {
    parsed = parseCsrDer(csrPemToDer(text));
  } catch (e) {
    if (!(e instanceof CsrParseError)) throw e;
    throw new Error(`${field}: is not a valid PKCS#10 certificate signing request (${e.message}); export it again from the device (openssl req -outform PEM)`);
  }
  const subj = commonName === undefined ? "" : ` -subj "/CN=${commonName}"`;
  if (commonName !== undefined) {
    const cns = parsed.commonNames;
    if (cns.length === 0) throw new Error(`${field}: subject has no CN; the CN must be the thing name "${commonName}" (openssl req -new -key <device key>${subj})`);
    if (cns.length > 1) throw new Error(`${field}: subject has ${cns.length} CNs (${cns.map((c) => `"${c}"`).join(", ")}); use exactly one, the thing name "${commonName}"`);
    if (cns[0] !== commonName) {
      throw new Error(`${field}: subject CN is "${cns[0]}" but the thing is "${commonName}"; this CSR belongs to another device, or make one with CN "${commonName}" (openssl req -new -key <device key>${subj})`);
    }
  }
  const { problem } = describeKey(parsed.publicKey);
  if (problem) throw new Error(`${field}: ${problem}; generate a new key on the device (e.g. openssl ecparam -name prime256v1 -genkey) and a new CSR`);
  return text.trim() + "\n";
}

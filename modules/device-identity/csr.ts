import { existsSync, readFileSync, statSync } from "fs";
import { resolve } from "path";

const CSR_BEGIN = /-----BEGIN (NEW )?CERTIFICATE REQUEST-----/;
const CSR_END = /-----END (NEW )?CERTIFICATE REQUEST-----/;

export interface CsrSource {
  readonly path?: string;
  readonly pem?: string;
  /** Prop names used in messages, e.g. ["csrPath", "csrPem"]. */
  readonly pathField: string;
  readonly pemField: string;
}

/**
 * Returns the CSR PEM from a path or inline text, or undefined when neither is set.
 * Read at synth time so a missing file fails synth with the path named, not at apply.
 */
export function loadCsr(owner: string, source: CsrSource, baseDir: string): string | undefined {
  if (source.path !== undefined && source.pem !== undefined) {
    throw new Error(`${owner}: ${source.pathField} and ${source.pemField} are both set; keep one`);
  }
  if (source.path !== undefined) {
    const resolved = resolve(baseDir, source.path);
    if (!existsSync(resolved) || !statSync(resolved).isFile()) {
      throw new Error(`${owner}.${source.pathField}: CSR file "${source.path}" does not exist (resolved to "${resolved}"); fix the path or csrBaseDir`);
    }
    return checkPem(`${owner}.${source.pathField} ("${source.path}")`, readFileSync(resolved, "utf8"));
  }
  if (source.pem !== undefined) return checkPem(`${owner}.${source.pemField}`, source.pem);
  return undefined;
}

function checkPem(field: string, text: string): string {
  // A private key next to the CSR would end up in Terraform state and the repository.
  if (/PRIVATE KEY-----/.test(text)) {
    throw new Error(`${field}: contains a private key; supply only the certificate signing request (the device keeps its key)`);
  }
  if (!CSR_BEGIN.test(text) || !CSR_END.test(text)) {
    throw new Error(`${field}: is not a PEM certificate signing request (expected "-----BEGIN CERTIFICATE REQUEST-----" ... "-----END CERTIFICATE REQUEST-----")`);
  }
  return text.trim() + "\n";
}

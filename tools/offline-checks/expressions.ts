/**
 * A small scanner for Terraform string templates, enough to find every
 * unescaped `${...}` interpolation (also those nested inside string literals
 * of an expression), what it references and whether it is really an IoT
 * substitution template or policy variable that should have been `$${...}`.
 */

export interface Interpolation {
  /** Expression text between `${` and `}`. */
  readonly expression: string;
  /** The expression with string literals replaced by "" (nested interpolations are listed separately). */
  readonly code: string;
  /** No closing `}` was found. */
  readonly unterminated: boolean;
}

interface Cursor {
  readonly text: string;
  pos: number;
  readonly found: Interpolation[];
}

/** Every unescaped interpolation in a template string, outermost first. */
export function interpolations(text: string): Interpolation[] {
  const cur: Cursor = { text, pos: 0, found: [] };
  scanTemplate(cur, false);
  return cur.found;
}

/** Template mode: literal text with `${` interpolations; `$${` is an escaped literal. */
function scanTemplate(cur: Cursor, quoted: boolean): void {
  const { text } = cur;
  while (cur.pos < text.length) {
    const ch = text[cur.pos];
    if (quoted && ch === "\\") {
      cur.pos += 2;
    } else if (quoted && ch === '"') {
      cur.pos += 1;
      return;
    } else if (text.startsWith("$${", cur.pos)) {
      cur.pos += 3;
    } else if (text.startsWith("${", cur.pos)) {
      cur.pos += 2;
      scanExpression(cur);
    } else {
      cur.pos += 1;
    }
  }
}

/** Expression mode, just after `${`: runs to the matching `}`. */
function scanExpression(cur: Cursor): void {
  const { text } = cur;
  const start = cur.pos;
  const slot = cur.found.length;
  cur.found.push({ expression: "", code: "", unterminated: true });
  let code = "";
  let depth = 0;
  while (cur.pos < text.length) {
    const ch = text[cur.pos];
    if (ch === '"') {
      cur.pos += 1;
      scanTemplate(cur, true);
      code += '""';
      continue;
    }
    if (ch === "{") depth += 1;
    if (ch === "}") {
      if (depth === 0) {
        cur.found[slot] = { expression: text.slice(start, cur.pos), code, unterminated: false };
        cur.pos += 1;
        return;
      }
      depth -= 1;
    }
    code += ch;
    cur.pos += 1;
  }
  cur.found[slot] = { expression: text.slice(start), code, unterminated: true };
}

/** Reference roots Terraform resolves besides `<resource_type>.<name>`. */
const TERRAFORM_ROOTS = new Set(["var", "local", "module", "data", "path", "terraform", "count", "each", "self"]);
const TERRAFORM_KEYWORDS = new Set(["true", "false", "null", "for", "in", "if"]);

/** Terraform's built-in functions (1.x). Anything else called in `${...}` fails "no function named ...". */
export const TERRAFORM_FUNCTIONS = new Set(
  (
    "abs ceil floor log max min parseint pow signum chomp endswith format formatlist indent join lower regex regexall replace " +
    "split startswith strcontains strrev substr templatestring title trim trimprefix trimsuffix trimspace upper alltrue anytrue " +
    "chunklist coalesce coalescelist compact concat contains distinct element flatten index keys length list lookup map " +
    "matchkeys merge one range reverse setintersection setproduct setsubtract setunion slice sort sum transpose values zipmap " +
    "base64decode base64encode base64gzip csvdecode jsondecode jsonencode textdecodebase64 textencodebase64 urlencode " +
    "yamldecode yamlencode abspath dirname pathexpand basename file fileexists fileset filebase64 templatefile formatdate " +
    "plantimestamp timeadd timecmp timestamp base64sha256 base64sha512 bcrypt filebase64sha256 filebase64sha512 filemd5 " +
    "filesha1 filesha256 filesha512 md5 rsadecrypt sha1 sha256 sha512 uuid uuidv5 cidrhost cidrnetmask cidrsubnet " +
    "cidrsubnets can ephemeralasnull issensitive nonsensitive sensitive tobool tolist tomap tonumber toset tostring try type"
  ).split(" "),
);

/**
 * Functions that exist in Terraform but are almost surely meant for the IoT
 * rules engine here: `${timestamp()}` silently becomes Terraform's own
 * timestamp, so the rule changes on every plan.
 */
const AMBIGUOUS_IOT_FUNCTIONS = new Set(["timestamp"]);

export interface Reference {
  /** "aws_sqs_queue.dlq", "data.aws_iam_policy_document.x", "var.x", "local.x", "module.x". */
  readonly address: string;
  /** Attribute path after the address, e.g. "arn" or "outputs.table_arn". */
  readonly attribute: string;
}

const RESOURCE_REF = /(?<![\w.:-])(data\.)?([a-z][a-z0-9]*_[a-z0-9_]+)\.([A-Za-z_][\w-]*)((?:\.[A-Za-z_][\w-]*|\[[^\]]*\])*)/g;
const OTHER_REF = /(?<![\w.:-])(var|local|module)\.([A-Za-z_][\w-]*)((?:\.[A-Za-z_][\w-]*|\[[^\]]*\])*)/g;

/** Resource, data source, variable, local and module references in one expression's code. */
export function referencesIn(code: string): Reference[] {
  const refs: Reference[] = [];
  for (const m of code.matchAll(RESOURCE_REF)) {
    refs.push({ address: `${m[1] ?? ""}${m[2]}.${m[3]}`, attribute: (m[4] ?? "").replace(/^\./, "") });
  }
  for (const m of code.matchAll(OTHER_REF)) {
    refs.push({ address: `${m[1]}.${m[2]}`, attribute: (m[3] ?? "").replace(/^\./, "") });
  }
  return refs;
}

/**
 * Why this interpolation looks like an IoT substitution template or policy
 * variable rather than Terraform, or undefined when Terraform understands it.
 */
export function iotTemplateShape(interp: Interpolation): string | undefined {
  const code = interp.code.trim();
  if (interp.unterminated) return "has no closing '}'";
  // Policy variables: iot:Connection.Thing.ThingName, aws:SourceIp, cognito-identity.amazonaws.com:sub.
  if (!code.includes("?") && /(?<![\w.:-])[A-Za-z][\w.-]*:(?!:)[A-Za-z]/.test(code)) return "is a policy variable";
  for (const m of code.matchAll(/(?<![\w.:-])([A-Za-z_][\w-]*)\s*\(/g)) {
    const fn = m[1];
    if (AMBIGUOUS_IOT_FUNCTIONS.has(fn)) return `calls ${fn}(), which Terraform would evaluate itself at every plan`;
    if (!TERRAFORM_FUNCTIONS.has(fn) && !TERRAFORM_KEYWORDS.has(fn)) return `calls ${fn}(), which is no Terraform function`;
  }
  // A leading bare name (not a call, not `provider::`) must be a Terraform reference root.
  const root = /^([A-Za-z_][\w-]*)\s*(.?)/.exec(code);
  if (root && ["", ".", "["].includes(root[2])) {
    const name = root[1];
    const isResourceRef = name.includes("_") && root[2] === ".";
    if (!TERRAFORM_ROOTS.has(name) && !TERRAFORM_KEYWORDS.has(name) && !isResourceRef) {
      return `refers to "${name}", which is no Terraform reference (an IoT SQL field?)`;
    }
  }
  return undefined;
}

/** Index just past the `}` closing a brace opened before `from`, skipping quoted strings; text length if none. */
function closingBrace(text: string, from: number): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      for (i += 1; i < text.length && text[i] !== '"'; i++) if (text[i] === "\\") i += 1;
    } else if (ch === "{") depth += 1;
    else if (ch === "}") {
      if (depth === 0) return i + 1;
      depth -= 1;
    }
  }
  return text.length;
}

/** The text with every `${...}` and escaped `$${...}` replaced by `mask`, so literal parts can be checked. */
export function maskInterpolations(text: string, mask = "\u0001"): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const open = text.startsWith("$${", i) ? 3 : text.startsWith("${", i) ? 2 : 0;
    if (open) {
      i = closingBrace(text, i + open);
      out += mask;
    } else {
      out += text[i];
      i += 1;
    }
  }
  return out;
}

/**
 * IAM-style policy documents in one normalized shape, whether written as a
 * literal JSON string or as a `${data.aws_iam_policy_document.x.json}` reference.
 */
import { JsonObject, blocks, isObject, str, strings } from "./json";
import { Block, StackModel } from "./model";

export interface Condition {
  readonly test: string;
  readonly variable: string;
  readonly values: readonly string[];
}

export interface Statement {
  readonly effect: "Allow" | "Deny";
  readonly actions: readonly string[];
  readonly notActions: readonly string[];
  readonly resources: readonly string[];
  readonly notResources: readonly string[];
  /** Principal identifiers by type; a bare "*" principal is { "*": ["*"] }. */
  readonly principals: Readonly<Record<string, readonly string[]>>;
  readonly conditions: readonly Condition[];
  /** The block the statement is written in (the data source, or the consumer for literal JSON). */
  readonly source: Block;
}

export interface PolicyDocument {
  readonly version?: string;
  readonly statements: readonly Statement[];
}

const DOC_REF = /^\$\{data\.aws_iam_policy_document\.([\w-]+)\.(?:json|minified_json)\}$/;

/** The policy in `value` (an attribute of `consumer`), or undefined when it cannot be read statically. */
export function resolvePolicy(stack: StackModel, value: unknown, consumer: Block, seen = new Set<string>()): PolicyDocument | undefined {
  const s = str(value);
  if (s === undefined) return undefined;
  const ref = DOC_REF.exec(s.trim());
  if (ref) {
    const doc = stack.get(`data.aws_iam_policy_document.${ref[1]}`);
    return doc && !seen.has(doc.address) ? fromDataSource(stack, doc, new Set([...seen, doc.address])) : undefined;
  }
  if (/^\s*\$\{/.test(s)) return undefined;
  try {
    const parsed: unknown = JSON.parse(s);
    return isObject(parsed) ? fromJson(parsed, consumer) : undefined;
  } catch {
    return undefined; // TF005 reports invalid JSON
  }
}

function fromDataSource(stack: StackModel, doc: Block, seen: Set<string>): PolicyDocument {
  const statements: Statement[] = [];
  // Statements merged in from other documents keep their own source.
  for (const inc of [...strings(doc.config.source_policy_documents), ...strings(doc.config.override_policy_documents)]) {
    statements.push(...(resolvePolicy(stack, inc, doc, seen)?.statements ?? []));
  }
  for (const st of blocks(doc.config.statement)) {
    const principals: Record<string, string[]> = {};
    for (const p of blocks(st.principals)) {
      const type = str(p.type) ?? "";
      principals[type] = [...(principals[type] ?? []), ...strings(p.identifiers)];
    }
    statements.push({
      effect: str(st.effect) === "Deny" ? "Deny" : "Allow",
      actions: strings(st.actions),
      notActions: strings(st.not_actions),
      resources: strings(st.resources),
      notResources: strings(st.not_resources),
      principals,
      conditions: blocks(st.condition).map((c) => ({ test: str(c.test) ?? "", variable: str(c.variable) ?? "", values: strings(c.values) })),
      source: doc,
    });
  }
  return { version: str(doc.config.version) ?? "2012-10-17", statements };
}

/** Condition values may be JSON booleans or numbers: compare them as strings. */
function scalars(value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  return list.filter((v) => ["string", "boolean", "number"].includes(typeof v)).map(String);
}

function fromJson(doc: JsonObject, source: Block): PolicyDocument {
  const raw = doc.Statement;
  const list = Array.isArray(raw) ? raw.filter(isObject) : isObject(raw) ? [raw] : [];
  const statements = list.map((st): Statement => {
    const principals: Record<string, string[]> = {};
    if (st.Principal === "*") principals["*"] = ["*"];
    else if (isObject(st.Principal)) for (const [type, ids] of Object.entries(st.Principal)) principals[type] = strings(ids);
    const conditions: Condition[] = [];
    if (isObject(st.Condition)) {
      for (const [test, byKey] of Object.entries(st.Condition)) {
        if (isObject(byKey)) for (const [variable, values] of Object.entries(byKey)) conditions.push({ test, variable, values: scalars(values) });
      }
    }
    return {
      effect: st.Effect === "Deny" ? "Deny" : "Allow",
      actions: strings(st.Action),
      notActions: strings(st.NotAction),
      resources: strings(st.Resource),
      notResources: strings(st.NotResource),
      principals,
      conditions,
      source,
    };
  });
  return { version: str(doc.Version), statements };
}

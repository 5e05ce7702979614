/** Evaluates parsed IoT SQL against a topic and JSON payload, with the documented operator semantics. */
import { UnsupportedSqlError } from "./errors";
import { Expr, ParsedIotSql } from "./sql-ast";
import { parseIotExpression, parseIotSql } from "./sql-parser";
import { matchesTopicFilter } from "./topic-filter";
import { JsonObject, JsonValue, isJsonObject, jsonEqual } from "../shadow-emulator/json";

/** IoT SQL's Undefined: a missing field or topic level. It is never written into an event. */
export const UNDEFINED: unique symbol = Symbol("IoT SQL Undefined");
export type SqlValue = JsonValue | typeof UNDEFINED;

export interface EvaluationContext {
  readonly topic: string;
  readonly payload: JsonValue;
}

/** What `evaluateRule` needs of a rule; a `TopicRuleDef` fits. */
export interface RuleSql {
  readonly sql: string;
  readonly name?: string;
}

export type RuleEvaluation =
  | { readonly matched: false; readonly reason: "topic" | "where" }
  | { readonly matched: true; readonly event: JsonObject };

const parsedCache = new Map<string, ParsedIotSql>();

/** Parses once per (rule, sql); errors name the rule. */
export function compileRuleSql(rule: RuleSql): ParsedIotSql {
  const key = `${rule.name ?? ""}\u0000${rule.sql}`;
  let parsed = parsedCache.get(key);
  if (!parsed) {
    parsed = parseIotSql(rule.sql, rule.name);
    parsedCache.set(key, parsed);
  }
  return parsed;
}

/**
 * The event the rule's actions would receive for a message published on
 * `topic`, or `{ matched: false }` when the FROM filter or WHERE clause
 * excludes it. Ignores `enabled` (the RuleEngine checks that).
 */
export function evaluateRule(rule: RuleSql, topic: string, payload: object | string): RuleEvaluation {
  return evaluateRuleOnJson(rule, topic, toJsonValue(payload));
}

/** `evaluateRule` for a payload that is already a JSON value (a JSON string stays a string). */
export function evaluateRuleOnJson(rule: RuleSql, topic: string, payload: JsonValue): RuleEvaluation {
  const parsed = compileRuleSql(rule);
  if (!matchesTopicFilter(parsed.from, topic)) return { matched: false, reason: "topic" };
  const ctx: EvaluationContext = { topic, payload };
  if (parsed.where && evaluateExpr(parsed.where, ctx) !== true) return { matched: false, reason: "where" };

  const event: JsonObject = {};
  for (const column of parsed.columns) {
    if (column.kind === "all") {
      if (!isJsonObject(ctx.payload)) {
        throw new UnsupportedSqlError("SELECT * on a payload that is not a JSON object", rule.sql, 0, rule.name);
      }
      Object.assign(event, structuredClone(ctx.payload));
      continue;
    }
    const value = evaluateExpr(column.expr, ctx);
    if (value !== UNDEFINED) event[column.alias] = value;
  }
  return { matched: true, event };
}

export function evaluateExpr(expr: Expr, ctx: EvaluationContext): SqlValue {
  switch (expr.kind) {
    case "literal":
      return expr.value;
    case "field":
      return lookup(ctx.payload, expr.path);
    case "topic": {
      if (expr.level === undefined) return ctx.topic;
      return ctx.topic.split("/")[expr.level - 1] ?? UNDEFINED;
    }
    case "startswith": {
      const input = evaluateExpr(expr.input, ctx);
      const prefix = evaluateExpr(expr.prefix, ctx);
      // AWS: Undefined or null on either side makes the result Undefined (so a WHERE never matches).
      if (input === UNDEFINED || prefix === UNDEFINED || input === null || prefix === null) return UNDEFINED;
      return asFunctionString(input, "startswith").startsWith(asFunctionString(prefix, "startswith"));
    }
    case "compare": {
      const left = evaluateExpr(expr.left, ctx);
      const right = evaluateExpr(expr.right, ctx);
      if (left === UNDEFINED || right === UNDEFINED) return UNDEFINED;
      if (typeOf(left) !== typeOf(right)) return expr.op === "<>";
      const equal = jsonEqual(left, right);
      return expr.op === "=" ? equal : !equal;
    }
    case "logical": {
      const left = asBoolean(evaluateExpr(expr.left, ctx));
      const right = asBoolean(evaluateExpr(expr.right, ctx));
      if (left === UNDEFINED || right === UNDEFINED) return UNDEFINED;
      return expr.op === "AND" ? left && right : left || right;
    }
  }
}

/**
 * Renders an IoT substitution template (`"${topic(3)}"`, already un-escaped
 * from Terraform's `$${...}`) against the original message, as AWS does:
 * templates cannot see SELECT aliases. An Undefined result throws, since
 * the real action would fail too.
 */
export function renderSubstitutionTemplate(template: string, ctx: EvaluationContext, ruleName?: string): string {
  let out = "";
  let i = 0;
  while (i < template.length) {
    const start = template.indexOf("${", i);
    if (start < 0) {
      out += template.slice(i);
      break;
    }
    const end = template.indexOf("}", start);
    if (end < 0) throw new UnsupportedSqlError("unterminated ${ in a substitution template", template, start, ruleName);
    const inner = template.slice(start + 2, end);
    if (inner.includes("{")) throw new UnsupportedSqlError("nested braces in a substitution template", template, start, ruleName);
    out += template.slice(i, start);
    const value = evaluateExpr(parseIotExpression(inner, ruleName), ctx);
    if (value === UNDEFINED) throw new Error(`${ruleName ? `Topic rule "${ruleName}": ` : ""}substitution template \${${inner}} is Undefined for topic ${ctx.topic}`);
    out += typeof value === "string" ? value : JSON.stringify(value);
    i = end + 1;
  }
  return out;
}

/** A payload as the rules engine sees it: JSON (text is parsed; objects are copied through JSON). */
export function toJsonValue(payload: object | string): JsonValue {
  if (typeof payload === "string") return JSON.parse(payload) as JsonValue;
  if (payload instanceof Uint8Array) return JSON.parse(Buffer.from(payload).toString("utf8")) as JsonValue;
  return JSON.parse(JSON.stringify(payload)) as JsonValue;
}

function lookup(value: JsonValue, path: readonly string[]): SqlValue {
  let current: JsonValue = value;
  for (const key of path) {
    if (!isJsonObject(current) || !Object.prototype.hasOwnProperty.call(current, key)) return UNDEFINED;
    current = current[key];
  }
  return current;
}

function typeOf(value: JsonValue): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

/**
 * A string-function argument: strings as they are, numbers and Booleans in
 * their standard string form (AWS converts them). Objects and arrays have a
 * JSON conversion the evaluator does not reproduce, so they stop the run.
 */
function asFunctionString(value: JsonValue, fn: string): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw new UnsupportedSqlError(`${fn}() on an ${Array.isArray(value) ? "array" : "object"} argument`, JSON.stringify(value), 0);
}

/** AND/OR take Booleans or the strings "true"/"false" (any case); anything else is Undefined. */
function asBoolean(value: SqlValue): boolean | typeof UNDEFINED {
  if (typeof value === "boolean") return value;
  if (typeof value === "string" && /^(true|false)$/i.test(value)) return value.toLowerCase() === "true";
  return UNDEFINED;
}

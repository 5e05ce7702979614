/**
 * Topic filters and rule SQL for shadow traffic (the event contract of the
 * history processor). Pure functions: no constructs, easy to test.
 */

/** Classic shadow or named shadows: different topic shapes, so different rules. */
export type ShadowShape = "classic" | "named";

/** Which shadow topic a rule listens on. */
export type ShadowTopicKind = "documents" | "delta" | "rejected";

/** Named shadows to route: an explicit list, or every name via the `+` wildcard. */
export type NamedShadowSelection = readonly string[] | "all";

/** The IoT SQL version with `topic()` and nested SELECT support. */
export const IOT_SQL_VERSION = "2016-03-23";

const TOPIC_SUFFIX: Record<ShadowTopicKind, string> = {
  documents: "update/documents",
  delta: "update/delta",
  rejected: "update/rejected",
};

/** e.g. `$aws/things/+/shadow/name/+/update/delta`; a classic-shadow filter never matches named shadows. */
export function shadowTopicFilter(shape: ShadowShape, kind: ShadowTopicKind): string {
  const middle = shape === "classic" ? "" : "name/+/";
  return `$aws/things/+/shadow/${middle}${TOPIC_SUFFIX[kind]}`;
}

/**
 * The WHERE clause of a rule: only things of the product line's name space
 * (`startswith(topic(3), '<prefix>')`; topic(3) is the thing name on both
 * topic forms), and in the named form only the listed shadows. IoT SQL has no
 * IN operator, so a list becomes OR-ed equalities on topic(6), in parentheses
 * so the prefix applies to every name. Prefixes follow the thing-name rule and
 * names the shadow-name rule (no quotes), which makes the literals safe.
 * An empty prefix (every thing of the account) and "all" shadows add nothing.
 */
export function ruleWhere(shape: ShadowShape, named: NamedShadowSelection, thingNamePrefix: string): string {
  const conditions: string[] = [];
  if (thingNamePrefix !== "") conditions.push(`startswith(topic(3), '${thingNamePrefix}')`);
  if (shape === "named" && named !== "all") {
    const names = named.map((n) => `topic(6) = '${n}'`).join(" OR ");
    conditions.push(conditions.length > 0 && named.length > 1 ? `(${names})` : names);
  }
  return conditions.length > 0 ? ` WHERE ${conditions.join(" AND ")}` : "";
}

/**
 * The event contract: `update/documents` carries no thing or shadow name, so
 * the rule adds them from the topic (topic(3) = thing, topic(6) = shadow).
 */
export function documentsSql(shape: ShadowShape, named: NamedShadowSelection = "all", thingNamePrefix = ""): string {
  const from = `FROM '${shadowTopicFilter(shape, "documents")}'`;
  const where = ruleWhere(shape, named, thingNamePrefix);
  if (shape === "classic") return `SELECT *, topic(3) AS thingName ${from}${where}`;
  return `SELECT *, topic(3) AS thingName, topic(6) AS shadowName ${from}${where}`;
}

/** Delta/rejected rules only count messages, so they select the identifiers and nothing else. */
export function driftSql(shape: ShadowShape, kind: Exclude<ShadowTopicKind, "documents">, named: NamedShadowSelection = "all", thingNamePrefix = ""): string {
  const from = `FROM '${shadowTopicFilter(shape, kind)}'`;
  const where = ruleWhere(shape, named, thingNamePrefix);
  if (shape === "classic") return `SELECT topic(3) AS thingName ${from}${where}`;
  return `SELECT topic(3) AS thingName, topic(6) AS shadowName ${from}${where}`;
}

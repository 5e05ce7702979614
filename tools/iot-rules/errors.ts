/**
 * Thrown when rule SQL (or a substitution template) uses something the local
 * evaluator does not implement, or is malformed. The evaluator never guesses:
 * a rule it cannot evaluate exactly must stop the run.
 */
export class UnsupportedSqlError extends Error {
  override readonly name = "UnsupportedSqlError";

  constructor(
    /** The construct that is not supported, e.g. "function timestamp()" or "operator >". */
    readonly construct: string,
    /** The SQL or template text. */
    readonly sql: string,
    /** Character offset of the construct in `sql`. */
    readonly position: number,
    /** The topic rule, when known. */
    readonly ruleName?: string,
  ) {
    super(
      `${ruleName ? `Topic rule "${ruleName}": ` : ""}unsupported IoT SQL: ${construct} at position ${position} in "${sql}". ` +
        "The local evaluator supports SELECT *, topic(n) AS name, startswith(a, b), field references, string/number/boolean literals, " +
        "FROM '<topic filter>' and WHERE with =, <>, AND, OR and parentheses; extend tools/iot-rules before using anything else.",
    );
  }
}

/** A topic filter or topic name that MQTT / AWS IoT would refuse. */
export class InvalidTopicError extends Error {
  override readonly name = "InvalidTopicError";
}

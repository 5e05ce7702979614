/** Syntax tree of the IoT SQL subset the local evaluator implements. */

export type Expr =
  | { readonly kind: "literal"; readonly value: string | number | boolean }
  /** A payload field, e.g. `current.state.reported.temp` → ["current", "state", "reported", "temp"]. */
  | { readonly kind: "field"; readonly path: readonly string[] }
  /** `topic(n)` (1-based level) or `topic()` (the whole topic). */
  | { readonly kind: "topic"; readonly level?: number }
  /** `startswith(input, prefix)`: Boolean, or Undefined when either argument is Undefined or null. */
  | { readonly kind: "startswith"; readonly input: Expr; readonly prefix: Expr }
  | { readonly kind: "compare"; readonly op: "=" | "<>"; readonly left: Expr; readonly right: Expr }
  | { readonly kind: "logical"; readonly op: "AND" | "OR"; readonly left: Expr; readonly right: Expr };

export type Column = { readonly kind: "all" } | { readonly kind: "expr"; readonly expr: Expr; readonly alias: string };

export interface ParsedIotSql {
  readonly sql: string;
  readonly columns: readonly Column[];
  /** The `FROM` topic filter. */
  readonly from: string;
  readonly where?: Expr;
}

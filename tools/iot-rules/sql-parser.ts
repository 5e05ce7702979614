/**
 * Tokenizer and recursive-descent parser for the IoT SQL subset (version
 * 2016-03-23) the platform's rules use. Everything outside the subset throws
 * UnsupportedSqlError naming the construct: the evaluator never guesses.
 */
import { InvalidTopicError, UnsupportedSqlError } from "./errors";
import { Column, Expr, ParsedIotSql } from "./sql-ast";
import { assertTopicFilter } from "./topic-filter";

type TokenKind = "ident" | "string" | "number" | "punct" | "eof";
interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly pos: number;
}

const KEYWORDS = new Set(["SELECT", "FROM", "WHERE", "AS", "AND", "OR"]);
/** IoT SQL words the subset deliberately leaves out; seen anywhere, they stop the parse. */
const UNSUPPORTED_KEYWORDS = new Set([
  "NOT", "CASE", "WHEN", "THEN", "ELSE", "END", "IS", "IN", "LIKE", "BETWEEN", "NULL",
  "VALUE", "EXISTS", "DISTINCT", "LIMIT", "ORDER", "GROUP", "BY", "HAVING", "JOIN", "UNION",
]);
const UNSUPPORTED_OPERATORS = ["<=", ">=", "!=", "<", ">", "+", "-", "/", "%", "||"];

class Parser {
  private readonly tokens: Token[];
  private index = 0;

  constructor(
    private readonly sql: string,
    private readonly ruleName?: string,
  ) {
    this.tokens = this.tokenize();
  }

  parseQuery(): ParsedIotSql {
    this.expectKeyword("SELECT");
    const columns: Column[] = [this.parseColumn()];
    while (this.peekPunct(",")) {
      this.next();
      columns.push(this.parseColumn());
    }
    this.expectKeyword("FROM");
    const fromToken = this.next();
    if (fromToken.kind !== "string") this.fail(`FROM needs a quoted topic filter, found ${describe(fromToken)}`, fromToken);
    try {
      assertTopicFilter(fromToken.text);
    } catch (e) {
      if (e instanceof InvalidTopicError) this.fail(`invalid FROM topic filter (${e.message})`, fromToken);
      throw e;
    }
    let where: Expr | undefined;
    if (this.peekKeyword("WHERE")) {
      this.next();
      where = this.parseExpr();
    }
    const rest = this.peek();
    if (rest.kind !== "eof") this.fail(`unexpected ${describe(rest)} after the query`, rest);
    return { sql: this.sql, columns, from: fromToken.text, where };
  }

  parseStandaloneExpr(): Expr {
    const expr = this.parseExpr();
    const rest = this.peek();
    if (rest.kind !== "eof") this.fail(`unexpected ${describe(rest)} after the expression`, rest);
    return expr;
  }

  private parseColumn(): Column {
    const start = this.peek();
    if (start.kind === "punct" && start.text === "*") {
      this.next();
      return { kind: "all" };
    }
    const expr = this.parseExpr();
    if (this.peekKeyword("AS")) {
      this.next();
      const alias = this.next();
      if (alias.kind !== "ident" || isKeyword(alias.text)) this.fail(`AS needs a column name, found ${describe(alias)}`, alias);
      return { kind: "expr", expr, alias: alias.text };
    }
    // Only a plain top-level field has a documented implicit name (`SELECT color` → "color").
    if (expr.kind === "field" && expr.path.length === 1) return { kind: "expr", expr, alias: expr.path[0] };
    return this.fail("a SELECT column other than * or a top-level field without an AS alias", start);
  }

  private parseExpr(): Expr {
    let left = this.parseAnd();
    while (this.peekKeyword("OR")) {
      this.next();
      left = { kind: "logical", op: "OR", left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): Expr {
    let left = this.parseComparison();
    while (this.peekKeyword("AND")) {
      this.next();
      left = { kind: "logical", op: "AND", left, right: this.parseComparison() };
    }
    return left;
  }

  private parseComparison(): Expr {
    const left = this.parsePrimary();
    const op = this.peek();
    if (op.kind === "punct" && (op.text === "=" || op.text === "<>")) {
      this.next();
      const right = this.parsePrimary();
      const next = this.peek();
      if (next.kind === "punct" && (next.text === "=" || next.text === "<>")) this.fail("chained comparison (add parentheses)", next);
      return { kind: "compare", op: op.text, left, right };
    }
    return left;
  }

  private parsePrimary(): Expr {
    const token = this.next();
    if (token.kind === "punct" && token.text === "(") {
      const inner = this.parseExpr();
      this.expectPunct(")");
      return inner;
    }
    if (token.kind === "string") return { kind: "literal", value: token.text };
    if (token.kind === "number") return { kind: "literal", value: Number(token.text) };
    if (token.kind === "ident") {
      const upper = token.text.toUpperCase();
      if (upper === "TRUE" || upper === "FALSE") return { kind: "literal", value: upper === "TRUE" };
      if (KEYWORDS.has(upper)) this.fail(`keyword ${upper} where a value was expected`, token);
      if (this.peekPunct("(")) return this.parseFunction(token);
      return this.parseField(token);
    }
    return this.fail(`${describe(token)} where a value was expected`, token);
  }

  private parseFunction(name: Token): Expr {
    this.expectPunct("(");
    const fn = name.text.toLowerCase();
    if (fn === "startswith") {
      const input = this.parseExpr();
      this.expectPunct(",");
      const prefix = this.parseExpr();
      if (this.peekPunct(",")) this.fail("startswith() with more than 2 arguments", this.peek());
      this.expectPunct(")");
      return { kind: "startswith", input, prefix };
    }
    if (fn !== "topic") this.fail(`function ${name.text}()`, name);
    if (this.peekPunct(")")) {
      this.next();
      return { kind: "topic" };
    }
    const arg = this.next();
    if (arg.kind !== "number" || !/^[1-9]\d*$/.test(arg.text)) this.fail(`topic() argument ${describe(arg)} (a positive integer literal is required)`, arg);
    this.expectPunct(")");
    return { kind: "topic", level: Number(arg.text) };
  }

  private parseField(first: Token): Expr {
    const path = [first.text];
    while (this.peekPunct(".")) {
      this.next();
      const part = this.next();
      if (part.kind === "punct" && part.text === "*") this.fail("wildcard field reference (.*)", part);
      if (part.kind !== "ident") this.fail(`${describe(part)} after '.' in a field reference`, part);
      path.push(part.text);
    }
    return { kind: "field", path };
  }

  private tokenize(): Token[] {
    const sql = this.sql;
    const tokens: Token[] = [];
    let i = 0;
    while (i < sql.length) {
      const ch = sql[i];
      if (/\s/.test(ch)) {
        i++;
        continue;
      }
      if (ch === "'") {
        const end = sql.indexOf("'", i + 1);
        if (end < 0) this.fail("unterminated string literal", { kind: "eof", text: "", pos: i });
        const text = sql.slice(i + 1, end);
        if (text.includes("\\")) this.fail("escape sequence in a string literal", { kind: "string", text, pos: i });
        if (sql[end + 1] === "'") this.fail("quote escape ('') in a string literal", { kind: "string", text, pos: i });
        tokens.push({ kind: "string", text, pos: i });
        i = end + 1;
        continue;
      }
      const number = /^\d+(\.\d+)?([eE][+-]?\d+)?/.exec(sql.slice(i));
      if (number) {
        tokens.push({ kind: "number", text: number[0], pos: i });
        i += number[0].length;
        continue;
      }
      const ident = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i));
      if (ident) {
        const afterDot = tokens.length > 0 && tokens[tokens.length - 1].text === ".";
        if (!afterDot && UNSUPPORTED_KEYWORDS.has(ident[0].toUpperCase())) this.fail(`keyword ${ident[0].toUpperCase()}`, { kind: "ident", text: ident[0], pos: i });
        tokens.push({ kind: "ident", text: ident[0], pos: i });
        i += ident[0].length;
        continue;
      }
      if (sql.startsWith("<>", i)) {
        tokens.push({ kind: "punct", text: "<>", pos: i });
        i += 2;
        continue;
      }
      const op = UNSUPPORTED_OPERATORS.find((o) => sql.startsWith(o, i));
      if (op) this.fail(`operator ${op}`, { kind: "punct", text: op, pos: i });
      if ("*,().=".includes(ch)) {
        tokens.push({ kind: "punct", text: ch, pos: i });
        i++;
        continue;
      }
      const named: Record<string, string> = { '"': "double-quoted identifier", "`": "backquoted identifier", "[": "array index", "{": "object literal", ";": "statement separator ;" };
      this.fail(named[ch] ?? `character '${ch}'`, { kind: "punct", text: ch, pos: i });
    }
    tokens.push({ kind: "eof", text: "", pos: sql.length });
    return tokens;
  }

  private peek(): Token {
    return this.tokens[this.index];
  }

  private next(): Token {
    const token = this.tokens[this.index];
    if (token.kind !== "eof") this.index++;
    return token;
  }

  private peekKeyword(word: string): boolean {
    const t = this.peek();
    return t.kind === "ident" && t.text.toUpperCase() === word;
  }

  private peekPunct(text: string): boolean {
    const t = this.peek();
    return t.kind === "punct" && t.text === text;
  }

  private expectKeyword(word: string): void {
    const t = this.next();
    if (t.kind !== "ident" || t.text.toUpperCase() !== word) this.fail(`expected ${word}, found ${describe(t)}`, t);
  }

  private expectPunct(text: string): void {
    const t = this.next();
    if (t.kind !== "punct" || t.text !== text) this.fail(`expected '${text}', found ${describe(t)}`, t);
  }

  private fail(construct: string, token: Token): never {
    throw new UnsupportedSqlError(construct, this.sql, token.pos, this.ruleName);
  }
}

function isKeyword(word: string): boolean {
  return KEYWORDS.has(word.toUpperCase()) || word.toUpperCase() === "TRUE" || word.toUpperCase() === "FALSE";
}

function describe(token: Token): string {
  if (token.kind === "eof") return "end of input";
  if (token.kind === "string") return `string '${token.text}'`;
  return `'${token.text}'`;
}

/** Parses rule SQL; throws UnsupportedSqlError (naming `ruleName` when given) outside the subset. */
export function parseIotSql(sql: string, ruleName?: string): ParsedIotSql {
  return new Parser(sql, ruleName).parseQuery();
}

/** Parses one expression, as used inside a `${...}` substitution template. */
export function parseIotExpression(text: string, ruleName?: string): Expr {
  return new Parser(text, ruleName).parseStandaloneExpr();
}

/** Plain-text report: one table per stack (rule, resource, status, detail). */
import { RULE_IDS } from "./catalog";
import type { ReportRow } from "./types";

const STATUS_ORDER = ["FAIL", "info", "waived", "pass"];

export interface ReportOptions {
  /**
   * Every row, passes included, and a table for every stack. Otherwise (the default) only the rows
   * that are not passes, and the stacks without any in one line: a clean run of every stack is
   * thousands of pass rows nobody reads. @default false
   */
  readonly verbose?: boolean;
}

function detail(row: ReportRow): string {
  if (row.status === "pass") return "";
  if (row.status === "waived") return `waived: ${row.waived} | finding: ${row.message}`;
  return row.message;
}

/** Findings (and, verbose, pass rows) as a table per stack, stacks and rows in a stable order. */
export function formatReport(rows: readonly ReportRow[], opts: ReportOptions = {}): string {
  const byStack = new Map<string, ReportRow[]>();
  for (const r of rows) byStack.set(r.stack, [...(byStack.get(r.stack) ?? []), r]);
  const out: string[] = [];
  const clean: string[] = [];
  let cleanPasses = 0;
  for (const stack of [...byStack.keys()].sort()) {
    const all = byStack.get(stack) ?? [];
    const count = (s: string) => all.filter((r) => r.status === s).length;
    if (!opts.verbose && all.every((r) => r.status === "pass")) {
      clean.push(stack);
      cleanPasses += all.length;
      continue;
    }
    out.push(`== ${stack}: ${count("FAIL")} FAIL, ${count("waived")} waived, ${count("info")} info, ${count("pass")} pass`);
    const shown = all
      .filter((r) => opts.verbose || r.status !== "pass")
      .sort(
        (a, b) =>
          STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status) ||
          RULE_IDS.indexOf(a.ruleId) - RULE_IDS.indexOf(b.ruleId) ||
          a.address.localeCompare(b.address) ||
          detail(a).localeCompare(detail(b)),
      );
    if (shown.length === 0) {
      out.push("(no findings)", "");
      continue;
    }
    const header = ["rule", "resource", "status", "detail"];
    const cells = shown.map((r) => [r.ruleId, r.address, r.status, detail(r)]);
    const widths = [0, 1, 2].map((i) => Math.max(header[i].length, ...cells.map((c) => c[i].length)));
    const line = (c: string[]) => [...widths.map((w, i) => c[i].padEnd(w)), c[3]].join("  ").trimEnd();
    out.push(line(header), line(widths.map((w) => "-".repeat(w)).concat("------")), ...cells.map(line), "");
  }
  if (clean.length > 0) out.push(`== no findings in ${clean.length} stack(s) (${cleanPasses} pass): ${clean.join(", ")}`, "");
  return out.join("\n");
}

/** Number formatting shared by the console table and BENCHMARKS.md. */
import type { Ratio, Summary } from "./stats";

export const int = (n: number): string => Math.round(n).toLocaleString("en-US");
export const ms = (n: number): string => (n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${n.toFixed(0)} ms`);
export const mb = (n: number): string => `${n.toFixed(0)} MB`;
export const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;
export const mib = (bytes: number): string => `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
export const pct = (share: number): string => `${(share * 100).toFixed(0)}%`;
export const x = (n: number): string => (n >= 10 ? n.toFixed(1) : n >= 1 ? n.toFixed(2) : n.toFixed(3));

/** "median (min)" of a summary, formatted. */
export const medMin = (s: Summary, f: (n: number) => string): string => `${f(s.median)} (${f(s.min)})`;
/** "median (min)" of a ratio. */
export const ratioText = (r: Ratio): string => `${x(r.median)} (${x(r.min)})`;

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

/** Human-readable rendering of history records (the CLI's and the demo's table). */
import type { JsonObject, JsonValue } from "../../functions/shadow-history/event";
import type { HistoryRecord } from "./reader";

function compact(value: JsonValue | undefined, max = 48): string {
  if (value === undefined) return "";
  const text = JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function isoSeconds(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(".000Z", "Z");
}

/** A fixed-width text table, one row per record, in the given order. */
export function formatHistoryTable(records: readonly HistoryRecord[]): string {
  if (records.length === 0) return "(no history items)";
  const header = ["SHADOW", "VERSION", "UPDATED (UTC)", "CHANGED", "DRIFT", "REPORTED", "CLIENT TOKEN"];
  const rows = records.map((r) => [
    r.shadowName,
    String(r.version),
    isoSeconds(r.updatedAt),
    r.changedKeys.join(" "),
    r.hasDrift ? compact(r.drift as JsonObject) : "-",
    compact(r.reported),
    r.clientToken ?? "",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

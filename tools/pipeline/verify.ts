/**
 * Compares what the shadow service accepted and rejected with what the
 * history tables hold: every accepted update exactly once, in one table of
 * the account, nothing else. With several environments of one account in the
 * pipeline, an update stored by two of them (their rules overlapping) is doubled.
 */
import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { CLASSIC_SHADOW } from "../../modules/history-store/schema";
import type { HistoryRecord } from "../history-reader";
import type { AcceptedUpdate, LocalPipeline, RejectedUpdate } from "./pipeline";

export interface HistoryKey {
  readonly thingName: string;
  /** `$classic` for the classic shadow, as stored. */
  readonly shadowName: string;
  readonly version: number;
}

export interface MissingUpdate extends HistoryKey {
  /** Why it is not in the table, as far as the pipeline can tell. */
  readonly reason: string;
}

export interface HistoryVerification {
  /** Accepted updates (one per `update/documents` message). */
  readonly expected: number;
  /** Items in the tables (every line's). */
  readonly stored: number;
  readonly missing: readonly MissingUpdate[];
  /** Keys found more than once: in one table (impossible with the documented key schema; checked anyway) or in several lines' tables. */
  readonly doubled: readonly (HistoryKey & { readonly count: number; readonly tables: readonly string[] })[];
  /** Items no accepted update explains. */
  readonly unexpected: readonly HistoryKey[];
  /** Rejected updates whose client token appears in the table. */
  readonly rejectedStored: readonly RejectedUpdate[];
  /** Items whose shadow timestamp differs from the accepted update's. */
  readonly mismatched: readonly (HistoryKey & { readonly expectedTimestamp: number; readonly storedTimestamp: number })[];
  /** Items of things the shadow service never saw (found by counting the whole table). */
  readonly untracked: number;
  /** Every item read, per thing, in (line, shadow, version) order. */
  readonly items: ReadonlyMap<string, readonly HistoryRecord[]>;
  /** Items per table name. */
  readonly storedByTable: Readonly<Record<string, number>>;
  readonly ok: boolean;
}

const keyString = (k: HistoryKey) => `${k.thingName}\u0000${k.shadowName}\u0000${k.version}`;

export function acceptedKey(u: AcceptedUpdate): HistoryKey {
  return { thingName: u.thingName, shadowName: u.shadowName ?? CLASSIC_SHADOW, version: u.version };
}

/** Reads the history of every thing the shadow service saw (with each line's HistoryReader) and checks it. Call after `settle()`. */
export async function verifyHistory(pipeline: LocalPipeline): Promise<HistoryVerification> {
  const things = [...new Set([...pipeline.acceptedUpdates, ...pipeline.rejectedUpdates].map((u) => u.thingName))].sort();
  const items = new Map<string, HistoryRecord[]>(things.map((t) => [t, []]));
  const read: { item: HistoryRecord; table: string }[] = [];
  for (const line of pipeline.lines) {
    for (const thing of things) {
      const records = await line.reader.versions(thing);
      items.get(thing)!.push(...records);
      read.push(...records.map((item) => ({ item, table: line.table.tableName })));
    }
  }
  const all = read.map((r) => r.item);

  const counts = new Map<string, { key: HistoryKey; count: number; item: HistoryRecord; tables: string[] }>();
  for (const { item, table } of read) {
    const key = { thingName: item.thingName, shadowName: item.shadowName, version: item.version };
    const entry = counts.get(keyString(key));
    if (entry) {
      entry.count++;
      entry.tables.push(table);
    } else counts.set(keyString(key), { key, count: 1, item, tables: [table] });
  }

  const acceptedByKey = new Map(pipeline.acceptedUpdates.map((u) => [keyString(acceptedKey(u)), u]));
  const missing: MissingUpdate[] = [];
  const mismatched: HistoryVerification["mismatched"][number][] = [];
  for (const [k, update] of acceptedByKey) {
    const found = counts.get(k);
    if (!found) missing.push({ ...acceptedKey(update), reason: missingReason(pipeline, update) });
    else if (found.item.updatedAt !== update.timestamp) mismatched.push({ ...found.key, expectedTimestamp: update.timestamp, storedTimestamp: found.item.updatedAt });
  }
  const doubled = [...counts.values()].filter((c) => c.count > 1).map((c) => ({ ...c.key, count: c.count, tables: c.tables }));
  const unexpected = [...counts.entries()].filter(([k]) => !acceptedByKey.has(k)).map(([, c]) => c.key);
  const tokens = new Set(all.map((i) => i.clientToken).filter((t): t is string => t !== undefined));
  const rejectedStored = pipeline.rejectedUpdates.filter((r) => r.clientToken !== undefined && tokens.has(r.clientToken));

  // Items outside the things we looked at would escape the per-thing reads: count the whole tables.
  const storedByTable: Record<string, number> = {};
  for (const line of pipeline.lines) storedByTable[line.table.tableName] = await countItems(pipeline, line.table.tableName);
  const stored = Object.values(storedByTable).reduce((a, b) => a + b, 0);
  const untracked = stored - all.length;
  const ok = missing.length === 0 && doubled.length === 0 && unexpected.length === 0 && rejectedStored.length === 0 && mismatched.length === 0 && untracked === 0;
  return { expected: acceptedByKey.size, stored, missing, doubled, unexpected, rejectedStored, mismatched, untracked, items, storedByTable, ok };
}

function missingReason(pipeline: LocalPipeline, update: AcceptedUpdate): string {
  if (update.routedTo.length === 0) {
    const failed = pipeline.errorActions.find((e) => e.event.thingName === update.thingName && matchesVersion(e.event, update));
    return failed ? `the rule could not invoke the function (${failed.error.name}: ${failed.error.message})` : "no topic rule routed its update/documents message to a function";
  }
  const dead = pipeline.deadLetters.find((d) => matchesEvent(d.event, update));
  if (dead) return `dead-lettered after ${dead.attempts} attempt(s): ${dead.error.name}: ${dead.error.message}`;
  const discarded = pipeline.invocations.find((i) => i.outcome === "discarded" && matchesEvent(i.event, update));
  if (discarded) return `discarded after ${discarded.attempts} failed attempt(s) (no failure destination)`;
  return `delivered to ${update.routedTo.join(", ")} but not stored`;
}

function matchesEvent(event: unknown, update: AcceptedUpdate): boolean {
  const e = event as { thingName?: unknown } | null;
  return typeof e === "object" && e !== null && e.thingName === update.thingName && matchesVersion(e as Record<string, unknown>, update);
}

function matchesVersion(event: Record<string, unknown>, update: AcceptedUpdate): boolean {
  const current = event.current as { version?: unknown } | undefined;
  return current?.version === update.version && (event.shadowName ?? undefined) === update.shadowName;
}

async function countItems(pipeline: LocalPipeline, tableName: string): Promise<number> {
  let count = 0;
  let startKey: Record<string, never> | undefined;
  do {
    const page = await pipeline.dynamo.client.send(new ScanCommand({ TableName: tableName, Select: "COUNT", ExclusiveStartKey: startKey }));
    count += page.Count ?? 0;
    startKey = page.LastEvaluatedKey as Record<string, never> | undefined;
  } while (startKey !== undefined);
  return count;
}

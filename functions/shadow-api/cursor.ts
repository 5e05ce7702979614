/**
 * The history's opaque pagination cursor: DynamoDB's LastEvaluatedKey, base64url-encoded and
 * bound to the query it came from. A cursor of another thing, shadow or time range, or one edited
 * by hand, is refused with 400 (field `cursor`) before DynamoDB sees it, so a start key never
 * leaves the query's own key range.
 */
import { PARTITION_KEY, SORT_KEY, UPDATED_AT, shadowKeyPrefix } from "../../modules/history-store/schema";
import { invalid } from "./errors";
import type { HistoryKey } from "./ports";
import type { ShadowAddress, TimeRange } from "./request";

const VERSION = 1;

interface CursorBody {
  readonly v: number;
  /** The query the cursor continues. */
  readonly q: string;
  readonly k: HistoryKey;
}

function binding(address: ShadowAddress, range: TimeRange | undefined): string {
  return JSON.stringify([address.thingName, address.pathName, range?.from ?? null, range?.to ?? null]);
}

export function encodeCursor(address: ShadowAddress, range: TimeRange | undefined, key: HistoryKey): string {
  const body: CursorBody = { v: VERSION, q: binding(address, range), k: key };
  return Buffer.from(JSON.stringify(body), "utf8").toString("base64url");
}

const bad = (why: string) => invalid("cursor", `${why}; pass the cursor of the previous page of the same query unchanged, or drop it to start over`);

export function decodeCursor(text: string, address: ShadowAddress, range: TimeRange | undefined): HistoryKey {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch {
    throw bad("is not a cursor this API issued");
  }
  if (typeof body !== "object" || body === null || (body as CursorBody).v !== VERSION || typeof (body as CursorBody).k !== "object" || (body as CursorBody).k === null) {
    throw bad("is not a cursor this API issued");
  }
  const { q, k } = body as CursorBody;
  if (q !== binding(address, range)) throw bad("belongs to another query (thing, shadow, from or to differ)");
  const expected = range === undefined ? [PARTITION_KEY, SORT_KEY] : [PARTITION_KEY, SORT_KEY, UPDATED_AT];
  const keys = Object.keys(k).sort();
  if (keys.join() !== [...expected].sort().join()) throw bad("is not a cursor this API issued");
  if (k[PARTITION_KEY] !== address.thingName || typeof k[SORT_KEY] !== "string") throw bad("belongs to another query");
  const sk = k[SORT_KEY] as string;
  if (range === undefined && !sk.startsWith(shadowKeyPrefix(address.pathName))) throw bad("belongs to another query");
  if (range !== undefined) {
    const at = k[UPDATED_AT];
    if (typeof at !== "number" || at < range.from || at > range.to) throw bad("belongs to another query");
  }
  return k;
}

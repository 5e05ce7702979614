/**
 * The history table's access patterns as Query inputs (plain data, no SDK import): the history
 * reader (tools/history-reader) and the shadow API's function (functions/shadow-api) both query
 * through these, so the key conditions are written once, next to the key schema.
 */
import { PARTITION_KEY, SORT_KEY, TIME_INDEX_NAME, UPDATED_AT, shadowKeyPrefix } from "./schema";

/** A Query input without TableName, Limit and ExclusiveStartKey (the caller pages). */
export interface HistoryQuery {
  readonly IndexName?: string;
  readonly KeyConditionExpression: string;
  readonly FilterExpression?: string;
  readonly ExpressionAttributeNames: Record<string, string>;
  readonly ExpressionAttributeValues: Record<string, string | number>;
}

/**
 * Access pattern 1: every version of one shadow in version order (`CLASSIC_SHADOW` for the
 * classic shadow); without `shadow`, every shadow of the thing (by shadow name, then version).
 */
export function versionsQuery(thingName: string, shadow?: string): HistoryQuery {
  if (shadow === undefined) {
    return { KeyConditionExpression: "#pk = :thing", ExpressionAttributeNames: { "#pk": PARTITION_KEY }, ExpressionAttributeValues: { ":thing": thingName } };
  }
  return {
    KeyConditionExpression: "#pk = :thing AND begins_with(#sk, :prefix)",
    ExpressionAttributeNames: { "#pk": PARTITION_KEY, "#sk": SORT_KEY },
    ExpressionAttributeValues: { ":thing": thingName, ":prefix": shadowKeyPrefix(shadow) },
  };
}

/**
 * Access patterns 2 and 3: updates of one thing whose shadow timestamp (epoch seconds) lies in
 * [from, to], in time order, on the time index; with `shadow`, a filter keeps that shadow only.
 */
export function timeRangeQuery(thingName: string, from: number, to: number, shadow?: string): HistoryQuery {
  const names: Record<string, string> = { "#pk": PARTITION_KEY, "#ts": UPDATED_AT };
  const values: Record<string, string | number> = { ":thing": thingName, ":from": from, ":to": to };
  const base = { IndexName: TIME_INDEX_NAME, KeyConditionExpression: "#pk = :thing AND #ts BETWEEN :from AND :to", ExpressionAttributeNames: names, ExpressionAttributeValues: values };
  if (shadow === undefined) return base;
  names["#shadow"] = "shadowName";
  values[":shadow"] = shadow;
  return { ...base, FilterExpression: "#shadow = :shadow" };
}

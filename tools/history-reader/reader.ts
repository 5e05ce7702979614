/**
 * Typed reads of the shadow history table, by the access patterns the
 * history-store module documents (modules/history-store/README.md). Works
 * against the local server of the demo and against a real table.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, QueryCommand, QueryCommandInput } from "@aws-sdk/lib-dynamodb";
import { assertName } from "../../lib/aws-names";
import type { HistoryItem } from "../../functions/shadow-history/transform";
import { CLASSIC_SHADOW, PARTITION_KEY, SORT_KEY, UPDATED_AT } from "../../modules/history-store/schema";
import { timeRangeQuery, versionsQuery } from "../../modules/history-store/queries";

/** One stored history item, exactly as the processor writes it. */
export type HistoryRecord = HistoryItem;

/** A shadow name, or `CLASSIC_SHADOW` (`$classic`) for the classic shadow. */
export type ShadowSelector = string;

export interface HistoryReaderOptions {
  /** History table name, e.g. `iot-dev-shadow-history`. */
  readonly tableName: string;
  /**
   * Client to read with; a plain DynamoDBClient is wrapped in a document client.
   * @default new DynamoDBClient({}) (default credential chain, region and endpoint resolution)
   */
  readonly client?: DynamoDBClient | DynamoDBDocumentClient;
  /**
   * Items per Query request (DynamoDB `Limit`); every page is read either way.
   * @default undefined (DynamoDB's 1 MB pages)
   */
  readonly pageSize?: number;
}

export class HistoryReader {
  readonly tableName: string;
  private readonly doc: DynamoDBDocumentClient;
  private readonly pageSize?: number;

  constructor(options: HistoryReaderOptions) {
    this.tableName = assertName("dynamodbTable", options.tableName, "HistoryReaderOptions.tableName");
    if (options.pageSize !== undefined && (!Number.isInteger(options.pageSize) || options.pageSize < 1)) {
      throw new Error(`HistoryReaderOptions.pageSize must be a positive integer, got ${options.pageSize}`);
    }
    this.pageSize = options.pageSize;
    const client = options.client ?? new DynamoDBClient({});
    this.doc = client instanceof DynamoDBDocumentClient ? client : DynamoDBDocumentClient.from(client);
  }

  /**
   * Access pattern 1: every version of one shadow in version order (`CLASSIC_SHADOW`
   * for the classic shadow). Without `shadow`: every shadow of the thing, ordered by
   * shadow name, then version (one partition query).
   */
  async versions(thingName: string, shadow?: ShadowSelector): Promise<HistoryRecord[]> {
    assertThing(thingName, "versions");
    if (shadow !== undefined) assertShadow(shadow, "versions");
    return this.queryAll(versionsQuery(thingName, shadow));
  }

  /**
   * Access patterns 2 and 3: updates of one thing whose shadow timestamp lies in
   * [since, until] (inclusive, whole epoch seconds, as the shadow service stamps
   * them), in time order; optionally one shadow only (a filter on the time index).
   */
  async between(thingName: string, since: Date, until: Date, shadow?: ShadowSelector): Promise<HistoryRecord[]> {
    assertThing(thingName, "between");
    const from = epochSeconds(since, "since");
    const to = epochSeconds(until, "until");
    if (from > to) throw new Error(`HistoryReader.between: since (${since.toISOString()}) is after until (${until.toISOString()}); swap them`);
    if (shadow !== undefined) assertShadow(shadow, "between");
    return this.queryAll(timeRangeQuery(thingName, from, to, shadow));
  }

  /** Follows LastEvaluatedKey: a filtered page can be empty and still not be the last. */
  private async queryAll(input: Omit<QueryCommandInput, "TableName">): Promise<HistoryRecord[]> {
    const records: HistoryRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(new QueryCommand({ ...input, TableName: this.tableName, Limit: this.pageSize, ExclusiveStartKey: startKey }));
      for (const item of page.Items ?? []) records.push(toRecord(item, this.tableName));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return records;
  }
}

function assertThing(thingName: string, method: string): void {
  assertName("iotThing", thingName, `HistoryReader.${method} thingName`);
}

function assertShadow(shadow: string, method: string): void {
  if (shadow !== CLASSIC_SHADOW) assertName("iotShadow", shadow, `HistoryReader.${method} shadow (use CLASSIC_SHADOW for the classic shadow)`);
}

function epochSeconds(date: Date, field: string): number {
  const ms = date instanceof Date ? date.getTime() : NaN;
  if (!Number.isFinite(ms)) throw new Error(`HistoryReader.between: ${field} is not a valid Date`);
  return Math.floor(ms / 1000);
}

/** Checks the fields every reader relies on, so a foreign item fails loudly instead of printing garbage. */
function toRecord(item: Record<string, unknown>, tableName: string): HistoryRecord {
  const bad = (field: string) =>
    new Error(`table ${tableName}: item ${JSON.stringify(item[PARTITION_KEY])}/${JSON.stringify(item[SORT_KEY])} is not a shadow-history item (${field})`);
  for (const field of [PARTITION_KEY, SORT_KEY, "shadowName"]) if (typeof item[field] !== "string") throw bad(`${field} must be a string`);
  for (const field of ["version", UPDATED_AT]) if (typeof item[field] !== "number") throw bad(`${field} must be a number`);
  if (!Array.isArray(item.changedKeys)) throw bad("changedKeys must be a list");
  return item as unknown as HistoryRecord;
}

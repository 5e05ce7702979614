/**
 * The history table's key schema, in one place.
 *
 * The construct, the processor function (bundled by esbuild), the local test
 * server and any demo all import these constants, so this file must stay free
 * of cdktf, provider and AWS SDK imports.
 */
import { CLASSIC_SHADOW_NAME } from "../../lib/aws-names";

/** Partition key: the thing name (`topic(3)` of the shadow topic). */
export const PARTITION_KEY = "thingName";
/** Sort key: `<shadowName>#<version zero-padded to VERSION_DIGITS>`; one item per (thing, shadow, version). */
export const SORT_KEY = "shadowVersion";
/** Shadow timestamp in epoch seconds; sort key of the time index. */
export const UPDATED_AT = "updatedAt";
/** TTL attribute (epoch seconds), written only when a retention is configured. */
export const TTL_ATTRIBUTE = "expiresAt";

/** GSI answering "history of thing X between t1 and t2" (all shadows; filter on shadowName for one). */
export const TIME_INDEX_NAME = "byThingTime";

/**
 * Stands in for the classic (unnamed) shadow. AWS allows `$` in shadow names, so "$classic" is a
 * valid named shadow too: the processor and the config reject a named shadow of that name (the
 * `namedShadow` rule in lib/aws-names, which owns the value), so it never collides.
 */
export const CLASSIC_SHADOW = CLASSIC_SHADOW_NAME;

/** Shadow versions are at most 2^53-1 (16 digits), so zero-padding to 16 keeps string order = numeric order. */
export const VERSION_DIGITS = 16;

export type KeyAttributeType = "S" | "N";

export interface KeyAttribute {
  readonly name: string;
  readonly type: KeyAttributeType;
}

/** Every attribute that is part of a key of the table or its index. */
export const KEY_ATTRIBUTES: readonly KeyAttribute[] = [
  { name: PARTITION_KEY, type: "S" },
  { name: SORT_KEY, type: "S" },
  { name: UPDATED_AT, type: "N" },
];

export const TABLE_KEY_SCHEMA = { hashKey: PARTITION_KEY, rangeKey: SORT_KEY } as const;
export const TIME_INDEX_KEY_SCHEMA = { hashKey: PARTITION_KEY, rangeKey: UPDATED_AT } as const;

/** `config#0000000000000042`; throws on a version that cannot be a shadow version. */
export function shadowVersionKey(shadowName: string, version: number): string {
  if (!Number.isSafeInteger(version) || version < 0) {
    throw new RangeError(`version ${version} must be a non-negative safe integer`);
  }
  return `${shadowName}#${String(version).padStart(VERSION_DIGITS, "0")}`;
}

/** Sort-key prefix selecting every version of one shadow (`begins_with`). */
export function shadowKeyPrefix(shadowName: string): string {
  return `${shadowName}#`;
}

/**
 * CreateTable input with exactly the key schema the construct synthesizes,
 * for local servers (dynalite) and demos. Plain data: no SDK import needed.
 */
export function historyTableCreateInput(tableName: string) {
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST" as const,
    AttributeDefinitions: KEY_ATTRIBUTES.map((a) => ({ AttributeName: a.name, AttributeType: a.type })),
    KeySchema: [
      { AttributeName: TABLE_KEY_SCHEMA.hashKey, KeyType: "HASH" as const },
      { AttributeName: TABLE_KEY_SCHEMA.rangeKey, KeyType: "RANGE" as const },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: TIME_INDEX_NAME,
        KeySchema: [
          { AttributeName: TIME_INDEX_KEY_SCHEMA.hashKey, KeyType: "HASH" as const },
          { AttributeName: TIME_INDEX_KEY_SCHEMA.rangeKey, KeyType: "RANGE" as const },
        ],
        Projection: { ProjectionType: "ALL" as const },
      },
    ],
  };
}

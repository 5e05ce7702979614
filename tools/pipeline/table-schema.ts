/**
 * The CreateTable input for a local server, read from the `aws_dynamodb_table`
 * a synthesized stack declares, so the local table has exactly the key schema
 * that would be deployed (not a hand-written copy of it).
 */
import type { CreateTableCommandInput } from "@aws-sdk/client-dynamodb";
import { hasTerraformInterpolation } from "../iot-rules";

type Block = Record<string, unknown>;

export interface SynthesizedTable {
  /** Key under `resource.aws_dynamodb_table`. */
  readonly logicalId: string;
  /** The literal table name, e.g. `iot-dev-shadow-history`. */
  readonly tableName: string;
  readonly createInput: CreateTableCommandInput;
}

/** Reads the one `aws_dynamodb_table` of `tfJson` (or the one named `logicalId`); throws on anything it cannot reproduce. */
export function synthesizedTable(tfJson: object, logicalId?: string): SynthesizedTable {
  const tables = ((tfJson as { resource?: Record<string, Record<string, Block>> }).resource ?? {}).aws_dynamodb_table ?? {};
  const ids = Object.keys(tables);
  const id = logicalId ?? (ids.length === 1 ? ids[0] : undefined);
  if (id === undefined || !tables[id]) {
    throw new Error(`expected ${logicalId ? `aws_dynamodb_table.${logicalId}` : "exactly one aws_dynamodb_table"} in the stack, found: ${ids.join(", ") || "none"}`);
  }
  const where = `aws_dynamodb_table.${id}`;
  const table = tables[id];
  const tableName = literalString(table.name, `${where}.name`);

  const attributes = blocks(table.attribute, `${where}.attribute`).map((a, i) => ({
    AttributeName: literalString(a.name, `${where}.attribute[${i}].name`),
    AttributeType: attributeType(a.type, `${where}.attribute[${i}].type`),
  }));
  const declared = new Set(attributes.map((a) => a.AttributeName));
  const keySchema = (hash: unknown, range: unknown, at: string) => {
    const keys: { AttributeName: string; KeyType: "HASH" | "RANGE" }[] = [{ AttributeName: literalString(hash, `${at}.hash_key`), KeyType: "HASH" }];
    if (range !== undefined) keys.push({ AttributeName: literalString(range, `${at}.range_key`), KeyType: "RANGE" });
    for (const k of keys) if (!declared.has(k.AttributeName)) throw new Error(`${at}: key attribute ${k.AttributeName} has no attribute block`);
    return keys;
  };

  const provisioned = table.billing_mode === "PROVISIONED";
  const throughput = (block: Block, at: string) =>
    provisioned ? { ProvisionedThroughput: { ReadCapacityUnits: capacity(block.read_capacity, `${at}.read_capacity`), WriteCapacityUnits: capacity(block.write_capacity, `${at}.write_capacity`) } } : {};

  const indexes = blocks(table.global_secondary_index, `${where}.global_secondary_index`).map((g, i) => {
    const at = `${where}.global_secondary_index[${i}]`;
    if (g.key_schema !== undefined) throw new Error(`${at}: multi-attribute key_schema is not supported by the local harness`);
    return {
      IndexName: literalString(g.name, `${at}.name`),
      KeySchema: keySchema(g.hash_key, g.range_key, at),
      Projection: projection(g, at),
      ...throughput(g, at),
    };
  });
  if (table.local_secondary_index !== undefined) throw new Error(`${where}.local_secondary_index is not supported by the local harness; extend tools/pipeline/table-schema.ts`);

  const createInput: CreateTableCommandInput = {
    TableName: tableName,
    AttributeDefinitions: attributes,
    KeySchema: keySchema(table.hash_key, table.range_key, where),
    ...(provisioned ? throughput(table, where) : { BillingMode: "PAY_PER_REQUEST" }),
    ...(indexes.length > 0 ? { GlobalSecondaryIndexes: indexes } : {}),
  };
  return { logicalId: id, tableName, createInput };
}

function literalString(value: unknown, where: string): string {
  if (typeof value !== "string" || value === "") throw new Error(`${where} must be a non-empty string, got ${JSON.stringify(value)}`);
  if (hasTerraformInterpolation(value)) throw new Error(`${where} is a Terraform expression (${value}); the local harness needs a literal`);
  return value;
}

function attributeType(value: unknown, where: string): "S" | "N" | "B" {
  if (value === "S" || value === "N" || value === "B") return value;
  throw new Error(`${where} must be S, N or B, got ${JSON.stringify(value)}`);
}

function capacity(value: unknown, where: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) throw new Error(`${where} must be a positive integer with PROVISIONED billing, got ${JSON.stringify(value)}`);
  return value;
}

function projection(g: Block, at: string): { ProjectionType: "ALL" | "KEYS_ONLY" | "INCLUDE"; NonKeyAttributes?: string[] } {
  const type = g.projection_type;
  if (type === "ALL" || type === "KEYS_ONLY") return { ProjectionType: type };
  if (type === "INCLUDE") {
    const attrs = g.non_key_attributes;
    if (!Array.isArray(attrs) || !attrs.every((a) => typeof a === "string")) throw new Error(`${at}.non_key_attributes must be a list of names with INCLUDE`);
    return { ProjectionType: type, NonKeyAttributes: attrs as string[] };
  }
  throw new Error(`${at}.projection_type must be ALL, KEYS_ONLY or INCLUDE, got ${JSON.stringify(type)}`);
}

function blocks(value: unknown, where: string): Block[] {
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  for (const b of list) if (typeof b !== "object" || b === null) throw new Error(`${where} must hold objects`);
  return list as Block[];
}

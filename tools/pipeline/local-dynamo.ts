/**
 * A local DynamoDB-compatible server (dynalite, in memory) on 127.0.0.1 and a
 * free port, for the demo and integration tests.
 *
 *   const dynamo = await startLocalDynamo();
 *   const restoreEnv = dynamo.useAsSdkDefault();   // AWS_ENDPOINT_URL_DYNAMODB etc.
 *   await dynamo.createHistoryTable("history");   // or createTable(input) from a synthesized stack
 *   ...
 *   restoreEnv(); await dynamo.stop();
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { CreateTableCommand, CreateTableCommandInput, DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { historyTableCreateInput } from "../../modules/history-store/schema";
import { applyEnv } from "./env";

// dynalite ships no type declarations; this is the part of its API used here.
const dynalite: (options: { createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => Server = require("dynalite");

export interface LocalDynamo {
  /** e.g. "http://127.0.0.1:40123" */
  readonly endpoint: string;
  readonly region: string;
  /** Dummy credentials the server accepts. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** A client pointed at the server, for setup and assertions. */
  readonly client: DynamoDBClient;
  /** Creates a table with the history key schema (modules/history-store/schema.ts) and waits until it is ACTIVE. */
  createHistoryTable(name: string): Promise<void>;
  /** Creates any table and waits until it is ACTIVE. */
  createTable(input: CreateTableCommandInput): Promise<void>;
  /**
   * Points the AWS SDK's standard environment (AWS_ENDPOINT_URL_DYNAMODB,
   * AWS_REGION, credentials) at this server. Returns a function restoring the previous values.
   */
  useAsSdkDefault(): () => void;
  /** The variables `useAsSdkDefault` sets. */
  sdkEnvironment(): Record<string, string>;
  stop(): Promise<void>;
}

const DEFAULT_REGION = "eu-west-1";
const CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

export interface LocalDynamoOptions {
  /** Region the clients are configured with (dynalite ignores it). @default "eu-west-1" */
  readonly region?: string;
}

export async function startLocalDynamo(options: LocalDynamoOptions = {}): Promise<LocalDynamo> {
  const region = options.region ?? DEFAULT_REGION;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region, credentials: CREDENTIALS });

  async function createTable(input: CreateTableCommandInput): Promise<void> {
    await client.send(new CreateTableCommand(input));
    // Poll the state rather than sleeping a fixed time.
    for (let attempt = 0; attempt < 200; attempt++) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: input.TableName }));
      if (Table?.TableStatus === "ACTIVE") return;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`local table ${input.TableName} did not become ACTIVE`);
  }

  const sdkEnvironment = (): Record<string, string> => ({
    AWS_ENDPOINT_URL_DYNAMODB: endpoint,
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
  });

  async function stop(): Promise<void> {
    client.destroy();
    await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  }

  return {
    endpoint,
    region,
    credentials: CREDENTIALS,
    client,
    createTable,
    createHistoryTable: (name) => createTable(historyTableCreateInput(name)),
    useAsSdkDefault: () => applyEnv(sdkEnvironment()),
    sdkEnvironment,
    stop,
  };
}

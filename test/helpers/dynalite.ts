/**
 * A local DynamoDB-compatible server (dynalite, in memory) on 127.0.0.1 and a
 * free port, for integration tests. Tables are created with the same key
 * schema the HistoryStore construct synthesizes (modules/history-store/schema.ts).
 *
 *   const dynamo = await startLocalDynamo();
 *   const restoreEnv = dynamo.useAsSdkDefault();   // AWS_ENDPOINT_URL_DYNAMODB etc.
 *   await dynamo.createHistoryTable("history");
 *   ...
 *   restoreEnv(); await dynamo.stop();
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { historyTableCreateInput } from "../../modules/history-store/schema";

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
  /** Creates a table with the history key schema and waits until it is ACTIVE. */
  createHistoryTable(name: string): Promise<void>;
  /**
   * Points the AWS SDK's standard environment (AWS_ENDPOINT_URL_DYNAMODB,
   * AWS_REGION, credentials) at this server. Returns a function restoring the previous values.
   */
  useAsSdkDefault(): () => void;
  stop(): Promise<void>;
}

const REGION = "eu-west-1";
const CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

export async function startLocalDynamo(): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: REGION, credentials: CREDENTIALS });

  async function createHistoryTable(name: string): Promise<void> {
    await client.send(new CreateTableCommand(historyTableCreateInput(name)));
    // Poll the state rather than sleeping a fixed time.
    for (let attempt = 0; attempt < 200; attempt++) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
      if (Table?.TableStatus === "ACTIVE") return;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`local table ${name} did not become ACTIVE`);
  }

  function useAsSdkDefault(): () => void {
    const values: Record<string, string> = {
      AWS_ENDPOINT_URL_DYNAMODB: endpoint,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    };
    const previous = Object.fromEntries(Object.keys(values).map((k) => [k, process.env[k]]));
    Object.assign(process.env, values);
    return () => {
      for (const [k, v] of Object.entries(previous)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    };
  }

  async function stop(): Promise<void> {
    client.destroy();
    await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  }

  return { endpoint, region: REGION, credentials: CREDENTIALS, client, createHistoryTable, useAsSdkDefault, stop };
}

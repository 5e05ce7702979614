/**
 * Buffered ingestion, the processor's side: the BUILT bundle handles an SQS batch (as an event source
 * mapping with ReportBatchItemFailures delivers it) against a local DynamoDB. Each record is stored with
 * the same conditional put as a direct event; the records it could not store are named in
 * batchItemFailures and counted (BatchItemFailures); a redelivered record is a success.
 */
import { join, resolve } from "node:path";
import { DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { SQSEvent } from "aws-lambda";
import { PARTITION_KEY, SORT_KEY } from "../modules/history-store/schema";
import { LocalDynamo, startLocalDynamo } from "./helpers/dynalite";
import { ProcessOutput } from "./helpers/process-output";

const BUNDLE = join(resolve(__dirname, ".."), "dist/functions/shadow-history/index.js");
const TABLE = "shadow-history-sqs";

interface Bundle {
  handler(event: unknown): Promise<unknown>;
}

let dynamo: LocalDynamo;
let restoreEnv: () => void;
let bundle: Bundle;
const output = new ProcessOutput();

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  restoreEnv = dynamo.useAsSdkDefault();
  await dynamo.createHistoryTable(TABLE);
  output.install();
  Object.assign(process.env, { TABLE_NAME: TABLE, POWERTOOLS_METRICS_NAMESPACE: "IotShadow/test", POWERTOOLS_LOG_LEVEL: "WARN" });
  jest.isolateModules(() => {
    bundle = require(BUNDLE) as Bundle;
  });
});

afterAll(async () => {
  jest.restoreAllMocks();
  for (const k of ["TABLE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_LOG_LEVEL"]) delete process.env[k];
  restoreEnv?.();
  await dynamo?.stop();
});

beforeEach(() => output.clear());

const update = (thingName: string, version: number) => ({ thingName, previous: null, current: { state: { reported: { t: version } }, metadata: {}, version }, timestamp: 1_767_225_600 + version });

function sqsEvent(bodies: readonly string[]): SQSEvent {
  return {
    Records: bodies.map((body, i) => ({
      messageId: `m-${i}`,
      receiptHandle: `r-${i}`,
      body,
      attributes: { ApproximateReceiveCount: "1", SentTimestamp: "0", SenderId: "x", ApproximateFirstReceiveTimestamp: "0" },
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:eu-west-1:111111111111:iot-dev-shadow-ingest",
      awsRegion: "eu-west-1",
    })),
  };
}

async function versionsOf(thingName: string): Promise<string[]> {
  const doc = DynamoDBDocumentClient.from(dynamo.client);
  const out = await doc.send(new QueryCommand({ TableName: TABLE, KeyConditionExpression: "#pk = :t", ExpressionAttributeNames: { "#pk": PARTITION_KEY }, ExpressionAttributeValues: { ":t": thingName } }));
  return (out.Items ?? []).map((i) => String(i[SORT_KEY]));
}

describe("shadow-history bundle: SQS batches (buffered ingestion)", () => {
  it("stores every record once and reports no failure for a clean batch", async () => {
    const bodies = [1, 2, 3].map((v) => JSON.stringify(update("Batch-Thing-A", v)));
    await expect(bundle.handler(sqsEvent(bodies))).resolves.toEqual({ batchItemFailures: [] });
    expect(await versionsOf("Batch-Thing-A")).toEqual(["$classic#0000000000000001", "$classic#0000000000000002", "$classic#0000000000000003"]);
    expect(output.metrics()).toMatchObject({ ShadowUpdateStored: 3 });
    expect(output.metrics().BatchItemFailures ?? 0).toBe(0);
  });

  it("names exactly the records it could not store, stores the others and counts the failures", async () => {
    const bodies = [
      JSON.stringify(update("Batch-Thing-B", 1)),
      JSON.stringify({ ...update("Batch-Thing-B", 2), current: { state: {}, version: "two" } }), // breaks the event contract
      JSON.stringify(update("Batch-Thing-B", 3)),
      "{not json", // a body that is not an event at all
    ];
    await expect(bundle.handler(sqsEvent(bodies))).resolves.toEqual({ batchItemFailures: [{ itemIdentifier: "m-1" }, { itemIdentifier: "m-3" }] });
    expect(await versionsOf("Batch-Thing-B")).toEqual(["$classic#0000000000000001", "$classic#0000000000000003"]);
    expect(output.metrics()).toMatchObject({ ShadowUpdateStored: 2, BatchItemFailures: 2, InvalidEvent: 2 });
  });

  it("a redelivered batch (visibility timeout, partial failure) stores nothing new and succeeds", async () => {
    const bodies = [4, 5].map((v) => JSON.stringify(update("Batch-Thing-C", v)));
    await bundle.handler(sqsEvent(bodies));
    output.clear();
    await expect(bundle.handler(sqsEvent(bodies))).resolves.toEqual({ batchItemFailures: [] });
    expect(await versionsOf("Batch-Thing-C")).toHaveLength(2);
    expect(output.metrics()).toMatchObject({ DuplicateSkipped: 2 });
  });

  it("still takes a direct (rule) event as before, returning its outcome", async () => {
    await expect(bundle.handler(update("Batch-Thing-D", 1))).resolves.toMatchObject({ outcome: "stored", thingName: "Batch-Thing-D", version: 1 });
  });
});

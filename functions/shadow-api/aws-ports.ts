/**
 * The ports on the AWS SDK: GetThingShadow/UpdateThingShadow (IoT data plane) and Query on the
 * history table (lib-dynamodb). SDK exceptions become the ports' failure kinds here and nowhere else.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GetThingShadowCommand, IoTDataPlaneClient, UpdateThingShadowCommand } from "@aws-sdk/client-iot-data-plane";
import { DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { HistoryQuery } from "../../modules/history-store/queries";
import { SDK_CLIENT_SETTINGS } from "./config";
import { DesiredUpdate, HistoryKey, HistoryPage, HistoryPort, HistoryThrottledError, ShadowDocument, ShadowFailureKind, ShadowPort, ShadowPortError, UpdateAccepted } from "./ports";

const requestHandler = {
  connectionTimeout: SDK_CLIENT_SETTINGS.connectionTimeoutMs,
  requestTimeout: SDK_CLIENT_SETTINGS.requestTimeoutMs,
  throwOnRequestTimeout: SDK_CLIENT_SETTINGS.throwOnRequestTimeout,
};

/** IoT data-plane exception names (API reference, GetThingShadow/UpdateThingShadow errors). */
const SHADOW_FAILURES: Readonly<Record<string, ShadowFailureKind>> = {
  ResourceNotFoundException: "not-found",
  ConflictException: "conflict",
  RequestEntityTooLargeException: "too-large",
  InvalidRequestException: "invalid",
  UnsupportedDocumentEncodingException: "invalid",
  ThrottlingException: "throttled",
};

const DYNAMODB_THROTTLES = new Set(["ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"]);

function errorName(error: unknown): string | undefined {
  return typeof error === "object" && error !== null ? (error as { name?: string }).name : undefined;
}

function decode<T>(payload: Uint8Array | undefined): T {
  return JSON.parse(Buffer.from(payload ?? new Uint8Array()).toString("utf8")) as T;
}

export class IotDataShadowPort implements ShadowPort {
  private readonly client: IoTDataPlaneClient;

  constructor(endpoint?: string) {
    this.client = new IoTDataPlaneClient({ ...(endpoint ? { endpoint } : {}), maxAttempts: SDK_CLIENT_SETTINGS.maxAttempts, retryMode: SDK_CLIENT_SETTINGS.retryMode, requestHandler });
  }

  private async call<T>(send: () => Promise<{ payload?: Uint8Array }>): Promise<T> {
    try {
      return decode<T>((await send()).payload);
    } catch (error) {
      const kind = SHADOW_FAILURES[errorName(error) ?? ""];
      if (kind) throw new ShadowPortError(kind, (error as Error).message);
      throw error;
    }
  }

  get(thingName: string, shadowName: string | undefined): Promise<ShadowDocument> {
    return this.call(() => this.client.send(new GetThingShadowCommand({ thingName, shadowName })));
  }

  updateDesired(thingName: string, shadowName: string | undefined, update: DesiredUpdate): Promise<UpdateAccepted> {
    const payload = Buffer.from(JSON.stringify(update), "utf8");
    return this.call(() => this.client.send(new UpdateThingShadowCommand({ thingName, shadowName, payload })));
  }
}

export class DynamoHistoryPort implements HistoryPort {
  private readonly doc: DynamoDBDocumentClient;

  constructor(private readonly tableName: string) {
    const client = new DynamoDBClient({ maxAttempts: SDK_CLIENT_SETTINGS.maxAttempts, retryMode: SDK_CLIENT_SETTINGS.retryMode, requestHandler });
    this.doc = DynamoDBDocumentClient.from(client);
  }

  async query(query: HistoryQuery, limit: number, startKey?: HistoryKey): Promise<HistoryPage> {
    try {
      const page = await this.doc.send(new QueryCommand({ ...query, TableName: this.tableName, Limit: limit, ExclusiveStartKey: startKey }));
      return { items: page.Items ?? [], ...(page.LastEvaluatedKey ? { lastKey: page.LastEvaluatedKey as HistoryKey } : {}) };
    } catch (error) {
      if (DYNAMODB_THROTTLES.has(errorName(error) ?? "")) throw new HistoryThrottledError((error as Error).message);
      throw error;
    }
  }
}

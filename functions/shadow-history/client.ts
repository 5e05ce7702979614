/**
 * The DynamoDB DocumentClient the processor writes with. Created once per
 * execution environment; the endpoint comes from the SDK's own resolution
 * (AWS_ENDPOINT_URL_DYNAMODB works for local servers). Settings and their
 * reasons: DYNAMODB_CLIENT_SETTINGS in config.ts and docs/reliability.md.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { DYNAMODB_CLIENT_SETTINGS } from "./config";

export function createHistoryDocumentClient(): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    maxAttempts: DYNAMODB_CLIENT_SETTINGS.maxAttempts,
    retryMode: DYNAMODB_CLIENT_SETTINGS.retryMode,
    requestHandler: {
      connectionTimeout: DYNAMODB_CLIENT_SETTINGS.connectionTimeoutMs,
      requestTimeout: DYNAMODB_CLIENT_SETTINGS.requestTimeoutMs,
      throwOnRequestTimeout: DYNAMODB_CLIENT_SETTINGS.throwOnRequestTimeout,
    },
  });
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: {
      removeUndefinedValues: true,
      // State values are already JS numbers (JSON.parse); storing them as-is loses nothing further.
      allowImpreciseNumbers: true,
    },
  });
}

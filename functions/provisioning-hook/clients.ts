/**
 * The SDK clients, created once per execution environment. Endpoints come
 * from the SDK's own resolution, so AWS_ENDPOINT_URL_DYNAMODB and
 * AWS_ENDPOINT_URL_IOT point them at local servers in tests.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { IoTClient } from "@aws-sdk/client-iot";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { CLIENT_SETTINGS } from "./config";

const common = {
  maxAttempts: CLIENT_SETTINGS.maxAttempts,
  retryMode: CLIENT_SETTINGS.retryMode,
  requestHandler: {
    connectionTimeout: CLIENT_SETTINGS.connectionTimeoutMs,
    requestTimeout: CLIENT_SETTINGS.requestTimeoutMs,
    throwOnRequestTimeout: CLIENT_SETTINGS.throwOnRequestTimeout,
  },
};

export function createAllowlistClient(): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(common));
}

export function createRegistryClient(): IoTClient {
  return new IoTClient(common);
}

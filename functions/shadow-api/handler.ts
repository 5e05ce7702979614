/**
 * shadow-api function: I/O only. API Gateway (HTTP API, payload 2.0) invokes it synchronously for
 * the three routes of modules/shadow-api; the logic is in api.ts, the SDK calls in aws-ports.ts.
 * An unexpected failure is logged and answered with 500 (no details leave the function).
 */
import { Logger } from "@aws-lambda-powertools/logger";
import type { APIGatewayProxyEventV2, Context } from "aws-lambda";
import { ApiDependencies, handleApiEvent } from "./api";
import { DynamoHistoryPort, IotDataShadowPort } from "./aws-ports";
import { loadConfig } from "./config";
import { ApiError, ApiResponse, errorResponse } from "./errors";

const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? "shadow-api" });

// Created once per execution environment.
let deps: ApiDependencies | undefined;

function dependencies(): ApiDependencies {
  if (deps) return deps;
  const config = loadConfig(process.env);
  deps = { shadows: new IotDataShadowPort(config.iotDataEndpoint), history: new DynamoHistoryPort(config.tableName), scope: config };
  return deps;
}

export async function handler(event: APIGatewayProxyEventV2, context?: Context): Promise<ApiResponse> {
  if (context) logger.addContext(context);
  try {
    const response = await handleApiEvent(event, dependencies());
    logger.info("Shadow API request", { routeKey: event.routeKey, status: response.statusCode });
    return response;
  } catch (error) {
    logger.error("Shadow API request failed", { routeKey: event.routeKey, error: error as Error });
    return errorResponse(new ApiError("InternalError", undefined, "internal error; the request id is in the function's log"));
  }
}

/**
 * The shadow API's BUILT function bundle (dist/functions/shadow-api) running locally: its
 * IoT data-plane client against the shadow emulator's data-plane server, its DynamoDB client
 * against a local DynamoDB. For integration tests and `npm run demo`:
 *
 *   const api = await startLocalShadowApi({ shadows, dynamo, tableName, thingNamePrefix: "Thermostat-" });
 *   const client = new ShadowApiClient(api.transport);
 *   ...
 *   await api.stop();
 */
import { join } from "node:path";
import type { ShadowSelection } from "../../lib/shadow-selection";
import { findRepoRoot } from "../../lib/repo-root";
import { SHADOW_API_ENV } from "../../modules/shadow-api/contract";
import type { HttpApiEvent } from "../../functions/shadow-api/request";
import { applyEnv } from "../pipeline/env";
import type { LocalDynamo } from "../pipeline/local-dynamo";
import { ShadowDataPlane, ShadowService, startShadowDataPlane } from "../shadow-emulator";
import { ApiTransport, handlerTransport } from "./transport";

export interface LocalShadowApiOptions {
  readonly shadows: ShadowService;
  readonly dynamo: LocalDynamo;
  readonly tableName: string;
  readonly thingNamePrefix: string;
  /** @default { classic: true, named: "all" } */
  readonly shadowSelection?: ShadowSelection;
  /** @default "<repo>/dist/functions/shadow-api/index.js" */
  readonly bundleFile?: string;
}

export type ApiHandler = (event: HttpApiEvent) => Promise<{ statusCode: number; headers?: Record<string, string>; body: string }>;

export interface LocalShadowApi {
  /** The bundle's handler, as API Gateway invokes it. */
  readonly handler: ApiHandler;
  readonly transport: ApiTransport;
  readonly dataPlane: ShadowDataPlane;
  readonly environment: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

export async function startLocalShadowApi(options: LocalShadowApiOptions): Promise<LocalShadowApi> {
  const dataPlane = await startShadowDataPlane(options.shadows);
  const environment = {
    ...options.dynamo.sdkEnvironment(),
    [SHADOW_API_ENV.tableName]: options.tableName,
    [SHADOW_API_ENV.thingNamePrefix]: options.thingNamePrefix,
    [SHADOW_API_ENV.shadows]: JSON.stringify(options.shadowSelection ?? { classic: true, named: "all" }),
    [SHADOW_API_ENV.iotDataEndpoint]: dataPlane.endpoint,
    POWERTOOLS_SERVICE_NAME: "shadow-api",
    // The bundle's request logs would drown a demo's output.
    POWERTOOLS_LOG_LEVEL: "WARN",
  };
  // Set for the API's lifetime: the SDK clients resolve region and credentials when they first send.
  const restoreEnv = applyEnv(environment);
  try {
    const bundleFile = options.bundleFile ?? join(findRepoRoot(__dirname), "dist", "functions", "shadow-api", "index.js");
    const handler = (require(bundleFile) as { handler?: ApiHandler }).handler;
    if (typeof handler !== "function") throw new Error(`${bundleFile} does not export a handler; run \`npm run build\``);
    return {
      handler,
      transport: handlerTransport(handler),
      dataPlane,
      environment,
      stop: async () => {
        restoreEnv();
        await dataPlane.stop();
      },
    };
  } catch (error) {
    restoreEnv();
    await dataPlane.stop();
    throw error;
  }
}

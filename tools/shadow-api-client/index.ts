/** Client of the shadow API with version-based conflict resolution. Importing it runs nothing. */
export { ShadowApiClient, ShadowApiError } from "./client";
export type { HistoryPageResult, SetDesiredResult, ShadowApiClientOptions } from "./client";
export { handlerTransport, toHttpApiEvent } from "./transport";
export type { ApiHttpRequest, ApiHttpResponse, ApiTransport } from "./transport";
export { EmulatorShadowPort } from "./emulator-port";
export { startLocalShadowApi } from "./local";
export type { ApiHandler, LocalShadowApi, LocalShadowApiOptions } from "./local";

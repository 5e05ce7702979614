/**
 * A local DynamoDB-compatible server for integration tests. The implementation
 * lives in tools/pipeline (the demo starts the same server); see its docs there.
 *
 *   const dynamo = await startLocalDynamo();
 *   const restoreEnv = dynamo.useAsSdkDefault();   // AWS_ENDPOINT_URL_DYNAMODB etc.
 *   await dynamo.createHistoryTable("history");
 *   ...
 *   restoreEnv(); await dynamo.stop();
 */
export { startLocalDynamo } from "../../tools/pipeline/local-dynamo";
export type { LocalDynamo } from "../../tools/pipeline/local-dynamo";

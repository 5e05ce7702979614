/**
 * A local DynamoDB-compatible server (dynalite) in its own process, so its CPU
 * is not shared with the client being measured, as a real endpoint's is not.
 * argv: <table>...  (created with the history key schema)
 * Prints one JSON line { endpoint } when ready; exits when stdin closes.
 */
import { startLocalDynamo } from "../tools/pipeline/local-dynamo";

async function main(): Promise<void> {
  const dynamo = await startLocalDynamo();
  for (const table of process.argv.slice(2)) await dynamo.createHistoryTable(table);
  console.log(JSON.stringify({ endpoint: dynamo.endpoint }));
  const stop = () => void dynamo.stop().finally(() => process.exit(0));
  process.stdin.on("end", stop);
  process.stdin.on("close", stop);
  process.stdin.resume();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

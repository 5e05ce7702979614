/**
 * `npm run demo [-- --env dev --things 20 --shadow config --burst 10 --keep]`: the whole shadow
 * history pipeline offline (no AWS credentials). `npm run demo` builds the bundle first.
 * Exit code 1 when an accepted update is missing from (or doubled in) the history, 2 when the demo could not run.
 */
import { parseArgs } from "node:util";
import { environments } from "../environments";
import { formatDemoReport, runDemo } from "../tools/pipeline";

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      env: { type: "string", default: "dev" },
      things: { type: "string", default: "20" },
      shadow: { type: "string" },
      burst: { type: "string", default: "10" },
      keep: { type: "boolean", default: false },
    },
  });
  const things = wholeNumber(values.things, "--things");
  const burstSize = wholeNumber(values.burst, "--burst");
  const run = await runDemo({ environments, env: values.env, things, namedShadow: values.shadow, burstSize });
  try {
    const sampleThing = run.scenario.things[0];
    const records = await run.pipeline.reader.versions(sampleThing);
    console.log(formatDemoReport(run, { thingName: sampleThing, records }));
    if (values.keep) {
      console.log(`\nLocal DynamoDB stays up at ${run.pipeline.dynamo.endpoint} until Ctrl-C. Try:`);
      console.log(`  npm run history -- --env ${values.env} --thing ${sampleThing} --endpoint ${run.pipeline.dynamo.endpoint}`);
      await new Promise<void>((resolve) => process.once("SIGINT", () => resolve()));
    }
  } finally {
    await run.stop();
  }
  return run.ok ? 0 : 1;
}

function wholeNumber(text: string, option: string): number {
  if (!/^\d+$/.test(text)) throw new Error(`${option} must be a whole number, got "${text}"`);
  return Number(text);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? `demo failed: ${error.message}` : error);
    process.exitCode = 2;
  },
);

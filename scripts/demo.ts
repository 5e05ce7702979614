/**
 * `npm run demo [-- --env dev --things 20 --shadow config --burst 10 --keep]`: the whole shadow
 * history pipeline offline (no AWS credentials). `npm run demo` builds the bundle first.
 * Exit code 1 when an accepted update is missing from (or doubled in) the history, 2 when the demo could not run.
 */
import { environments } from "../environments";
import { UsageError, parseFlags, runScript } from "../tools/cli";
import { formatDemoReport, runApiDemo, runDemo } from "../tools/pipeline";

const USAGE = `usage: npm run demo [-- --env dev --things 20 --shadow config --burst 10 --keep]
  the shadow history pipeline offline: local DynamoDB, Device Shadow emulator, the synthesized rules
  --env NAME      environment whose synthesized rules and function run (default dev)
  --things N      things in the fleet (default 20)
  --shadow NAME   the named shadow each device also keeps (default config, if the environment routes it)
  --burst N       updates one device sends within one second, 2 to 100 (default 10)
  --keep          keep the local DynamoDB up until Ctrl-C (then try npm run history against it)`;

async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    env: { type: "string", default: "dev" },
    things: { type: "string", default: "20" },
    shadow: { type: "string" },
    burst: { type: "string", default: "10" },
    keep: { type: "boolean", default: false },
  });
  const things = wholeNumber(values.things, "--things");
  const burstSize = wholeNumber(values.burst, "--burst");
  const run = await runDemo({ environments, env: values.env, things, namedShadow: values.shadow, burstSize });
  let apiOk = true;
  try {
    const sampleThing = run.scenario.things[0];
    const records = await run.pipeline.reader.versions(sampleThing);
    console.log(formatDemoReport(run, { thingName: sampleThing, records }));
    // After the verification: the API's accepted change is one more update through the rules.
    apiOk = (await runShadowApiDemo(run, sampleThing)) && apiOk;
    if (values.keep) {
      console.log(`\nLocal DynamoDB stays up at ${run.pipeline.dynamo.endpoint} until Ctrl-C. Try:`);
      console.log(`  npm run history -- --env ${values.env} --thing ${sampleThing} --endpoint ${run.pipeline.dynamo.endpoint}`);
      await new Promise<void>((resolve) => process.once("SIGINT", () => resolve()));
    }
  } finally {
    await run.stop();
  }
  return run.ok && apiOk ? 0 : 1;
}

async function runShadowApiDemo(run: Awaited<ReturnType<typeof runDemo>>, thingName: string): Promise<boolean> {
  const api = await runApiDemo(run.pipeline, run.synth, thingName);
  console.log(`\nShadow API (built functions/shadow-api bundle -> local data plane + history)\n${"-".repeat(73)}`);
  console.log(api.lines.join("\n"));
  console.log(api.ok ? "  OK: the stale version was refused with 409 and the current version." : "  FAILED: the stale version was not refused with 409.");
  return api.ok;
}

function wholeNumber(text: string, option: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${option} must be a whole number, got "${text}"`);
  return Number(text);
}

runScript({ name: "demo failed", usage: USAGE, failureExitCode: 2 }, main);

/**
 * cdktf entry point: builds the app and synthesizes it. Nothing else.
 * IOT_STATE=local synthesizes every stack with local state (experiments only).
 * IOT_AWS_ENDPOINT=http://127.0.0.1:<port> is the emulator synth mode (stacks/emulator-mode.ts).
 */
import { App } from "cdktf";
import { environments } from "./environments";
import { ConfigError } from "./lib/config-schema";
import { buildApp } from "./stacks/app";
import { emulatorEndpointFromEnv } from "./stacks/emulator-mode";

const stateMode = process.env.IOT_STATE === "local" ? "local" : "s3";
// IOT_AWS_ENDPOINT=http://127.0.0.1:<port>: providers and backends point at the local AWS (tools/local-aws).
try {
  const awsEndpoint = emulatorEndpointFromEnv();
  const app = new App();
  buildApp(app, { environments, stateMode, awsEndpoint });
  app.synth();
} catch (error) {
  // A bad environment file or variable: its message names the environment, the fields and the fix; a stack
  // trace and an object dump would only bury it. Anything else is a bug and keeps its trace.
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}

/**
 * Reads the shadow history of one thing: `npm run history -- --env dev --thing Thermostat-01`.
 * Against real AWS it uses the default credential chain; `--endpoint` points it at a local server.
 */
import { environments } from "../environments";
import { runHistoryCli } from "../tools/history-reader";

runHistoryCli(process.argv.slice(2), { environments }).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);

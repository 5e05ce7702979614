/**
 * Reads the shadow history of one thing: `npm run history -- --env dev --thing Thermostat-01`.
 * Against real AWS it uses the default credential chain; `--endpoint` points it at a local server.
 * No options or `--help`: the usage, exit 0.
 */
import { environments } from "../environments";
import { runScript } from "../tools/cli";
import { HISTORY_USAGE, runHistoryCli } from "../tools/history-reader";

runScript({ name: "history", usage: HISTORY_USAGE }, (argv) => runHistoryCli(argv, { environments }));

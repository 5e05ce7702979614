/**
 * `npm run tools:terraform [-- --print-env] [-- --engine=auto|built|system]`
 * Installs (or finds) the engine, the AWS provider mirror, checkov and moto; see
 * tools/engine/README.md. Progress goes to stderr; `--print-env` prints only the
 * `export` lines on stdout, for `eval "$(npm run -s tools:terraform -- --print-env)"`.
 * Cache: $IOT_TOOLS_CACHE, default ~/.cache/iot-shadow-platform/tools.
 */
import { findRepoRoot } from "../lib/repo-root";
import { engineEnv, exportLines } from "../tools/engine/manifest";
import { install } from "../tools/engine/install";
import { toolPaths } from "../tools/engine/paths";
import { parseArgs } from "node:util";

async function main(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({ args: [...argv], options: { "print-env": { type: "boolean" }, engine: { type: "string" } } });
  const engine = (values.engine ?? process.env.IOT_ENGINE ?? "auto") as "auto" | "built" | "system";
  if (!["auto", "built", "system"].includes(engine)) throw new Error(`--engine must be auto, built or system, got "${engine}"`);
  const paths = toolPaths();
  const log = (line: string) => console.error(`[tools ${new Date().toISOString().slice(11, 19)}] ${line}`);
  const manifest = await install({ repoRoot: findRepoRoot(__dirname), paths, log, engine });
  if (values["print-env"]) console.log(exportLines(engineEnv(manifest, paths)));
}

main(process.argv.slice(2)).catch((e: Error) => {
  console.error(`tools:terraform: ${e.message}`);
  process.exitCode = 1;
});

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
import { UsageError, parseFlags, runScript } from "../tools/cli";

const USAGE = `usage: npm run tools:terraform [-- --print-env] [-- --engine=auto|built|system]
  installs (or finds) the engine, the AWS provider mirror, checkov and moto (tools/engine/README.md)
  --print-env   print only the export lines: eval "$(npm run -s tools:terraform -- --print-env)"
  --engine      auto (default, or IOT_ENGINE): a tofu/terraform on PATH that reaches its registry, else build`;

async function main(argv: readonly string[]): Promise<void> {
  const { values } = parseFlags(argv, { "print-env": { type: "boolean" }, engine: { type: "string" } });
  const engine = (values.engine ?? process.env.IOT_ENGINE ?? "auto") as "auto" | "built" | "system";
  if (!["auto", "built", "system"].includes(engine)) throw new UsageError(`--engine must be auto, built or system, got "${engine}"`);
  const paths = toolPaths();
  const log = (line: string) => console.error(`[tools ${new Date().toISOString().slice(11, 19)}] ${line}`);
  const manifest = await install({ repoRoot: findRepoRoot(__dirname), paths, log, engine });
  if (values["print-env"]) console.log(exportLines(engineEnv(manifest, paths)));
}

runScript({ name: "tools:terraform", usage: USAGE }, main);

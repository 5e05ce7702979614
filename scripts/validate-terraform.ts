/**
 * `npm run validate:terraform [-- <stack> ...]`: `tofu init -backend=false` and
 * `tofu validate -json` for every synthesized stack, against the provider mirror of
 * `npm run tools:terraform`. One line per stack, then
 * `validate: N stacks, E errors, W warnings`. Exit 1 on any error.
 */
import { requireManifest } from "../tools/engine/manifest";
import { toolPaths } from "../tools/engine/paths";
import { summaryLine, validateSynthDir } from "../tools/engine/validate";
import { parseFlags, runScript } from "../tools/cli";

const USAGE = `usage: npm run validate:terraform [-- <stack> ...]
  tofu init -backend=false and tofu validate -json for every synthesized stack (or the named
  ones), against the provider mirror of npm run tools:terraform; exit 1 on any error`;

function main(argv: readonly string[]): number {
  const only = parseFlags(argv, {}, { allowPositionals: true }).positionals;
  const paths = toolPaths();
  const manifest = requireManifest(paths);
  const { engine, provider } = manifest;
  console.log(`engine: ${engine.binaryName} ${engine.version} (${engine.kind}), provider hashicorp/aws ${provider.version}`);
  if (provider.substitution) console.log(`note: ${provider.substitution}`);
  const results = validateSynthDir({ outDir: "cdktf.out", manifest, paths, only, log: (l) => console.log(l) });
  const line = summaryLine(results);
  console.log(line);
  return results.some((r) => r.diagnostics.some((d) => d.severity === "error")) ? 1 : 0;
}

runScript({ name: "validate:terraform", usage: USAGE, failureExitCode: 2 }, main);

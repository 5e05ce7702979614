// Bundles every functions/<name>/handler.ts into dist/functions/<name>/index.js with esbuild.
import { build } from "esbuild";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const functionsDir = join(root, "functions");
const names = readdirSync(functionsDir, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(functionsDir, d.name, "handler.ts")))
  .map((d) => d.name);

for (const name of names) {
  const outdir = join(root, "dist", "functions", name);
  mkdirSync(outdir, { recursive: true });
  const result = await build({
    entryPoints: [join(functionsDir, name, "handler.ts")],
    outfile: join(outdir, "index.js"),
    bundle: true,
    platform: "node",
    target: "node22",
    format: "cjs",
    minify: true,
    sourcemap: true,
    metafile: true,
    legalComments: "none",
    logLevel: "warning",
  });
  writeFileSync(join(root, "dist", "functions", `${name}.meta.json`), JSON.stringify(result.metafile));
  const bytes = result.metafile.outputs[Object.keys(result.metafile.outputs).find((k) => k.endsWith("index.js"))].bytes;
  console.log(`built ${name}: ${(bytes / 1024).toFixed(1)} KiB`);
}

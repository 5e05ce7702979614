// Bundles every functions/<name>/handler.ts into dist/functions/<name>/index.js with esbuild, and
// prints a metafile-based size report per function. dist/functions/<name>/ holds exactly what is
// zipped and deployed: the source map is a build artifact beside it (dist/functions/<name>.js.map),
// so the deployed zip does not carry ~270 KB of map nobody in Lambda reads.
// The output is the same bytes in every checkout: source-map paths are relative to the map and
// node_modules is taken as the path it is reached by (a worktree's symlinked node_modules included).
// `--outdir <dir>` writes somewhere else (tests use it to check the build is reproducible).
//
// @aws-sdk/* stays external: the nodejs22.x runtime ships AWS SDK v3, and bundling it
// would take the bundle from ~40 KiB to ~575 KiB (over the 150 KiB budget below).
// Tests resolve it from the repository's node_modules instead.
import { build } from "esbuild";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, posix, relative, resolve, sep } from "node:path";

// The CLI conventions of tools/cli (plain node here, so inline): --help exits 0, a bad argument 2.
const USAGE = "usage: node scripts/build-functions.mjs [--outdir <dir>]   (part of npm run build; default dist/functions)";
const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) {
  console.log(USAGE);
  process.exit(0);
}
if (!(args.length === 0 || (args.length === 2 && args[0] === "--outdir" && !args[1].startsWith("-")))) {
  console.error(`error: unknown argument(s) ${args.join(" ")}\n\n${USAGE}`);
  process.exit(2);
}

const root = new URL("..", import.meta.url).pathname;
const functionsDir = join(root, "functions");
const outdirFlag = process.argv.indexOf("--outdir");
const distDir = outdirFlag > 0 ? resolve(process.argv[outdirFlag + 1]) : join(root, "dist", "functions");
const BUDGET_BYTES = 150 * 1024;
const EXTERNAL = ["@aws-sdk/*"];

const names = readdirSync(functionsDir, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(functionsDir, d.name, "handler.ts")))
  .map((d) => d.name)
  .sort();

/** Bytes in the output per package (or "(source)" for repository files), largest first. */
function sizeByPackage(output) {
  const sizes = new Map();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const pkg = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1] ?? "(source)";
    sizes.set(pkg, (sizes.get(pkg) ?? 0) + bytesInOutput);
  }
  return [...sizes.entries()].sort((a, b) => b[1] - a[1]);
}

/** The map's sources, relative to `from` (where esbuild put them), made relative to `to` (where the map goes). */
function relocatedMap(text, from, to) {
  const map = JSON.parse(text);
  map.sources = map.sources.map((s) => relative(to, resolve(from, s)).split(sep).join(posix.sep));
  return JSON.stringify(map);
}

const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
let overBudget = false;

for (const name of names) {
  const outdir = join(distDir, name);
  // Start clean so the packaged directory never carries stale files.
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const outfile = join(outdir, "index.js");
  const result = await build({
    // Metafile paths relative to the repository root, wherever the script runs from.
    absWorkingDir: root,
    entryPoints: [join(functionsDir, name, "handler.ts")],
    outfile,
    bundle: true,
    platform: "node",
    target: "node22",
    format: "cjs",
    minify: true,
    // "external": a map without a sourceMappingURL comment in index.js (the map is not deployed).
    sourcemap: "external",
    // Resolve node_modules by the path it is reached through, not its real path: a worktree that
    // symlinks another checkout's node_modules would otherwise name that checkout in the map.
    preserveSymlinks: true,
    metafile: true,
    external: EXTERNAL,
    legalComments: "none",
    logLevel: "warning",
    write: false,
  });
  for (const file of result.outputFiles) {
    if (file.path === outfile) writeFileSync(outfile, file.contents);
    else if (file.path === `${outfile}.map`) writeFileSync(join(distDir, `${name}.js.map`), relocatedMap(file.text, dirname(outfile), distDir));
    else throw new Error(`esbuild wrote an unexpected file for ${name}: ${file.path}`);
  }
  // Kept next to (not inside) the bundle directory, so it is not packaged.
  writeFileSync(join(distDir, `${name}.meta.json`), JSON.stringify(result.metafile));

  const output = result.metafile.outputs[relative(root, outfile)];
  const lines = sizeByPackage(output)
    .slice(0, 8)
    .map(([pkg, bytes]) => `    ${kib(bytes).padStart(10)}  ${pkg}`);
  console.log(`built ${name}: ${kib(output.bytes)} (budget ${kib(BUDGET_BYTES)}; external: ${EXTERNAL.join(", ")})\n${lines.join("\n")}`);
  if (output.bytes > BUDGET_BYTES) {
    console.error(`error: ${name} bundle is ${kib(output.bytes)}, over the ${kib(BUDGET_BYTES)} budget`);
    overBudget = true;
  }
}

if (overBudget) process.exit(1);

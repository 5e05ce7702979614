// Precompiles the cdktf app (main.ts) into dist/app/main.js with esbuild, so a
// synth runs plain JavaScript: no TypeScript runner, no type checking of the
// provider on every synth (`tsc --noEmit` in `npm test` type-checks once).
// Packages stay external: provider classes are still loaded by deep path only.
import { build } from "esbuild";
import { join } from "node:path";

// The CLI conventions of tools/cli (plain node here, so inline): --help exits 0, anything else 2.
const USAGE = "usage: node scripts/build-app.mjs   (part of npm run build; takes no arguments)";
const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) {
  console.log(USAGE);
  process.exit(0);
}
if (args.length > 0) {
  console.error(`error: unknown argument ${args.join(" ")}\n\n${USAGE}`);
  process.exit(2);
}

const root = new URL("..", import.meta.url).pathname;
await build({
  absWorkingDir: root,
  entryPoints: [join(root, "main.ts")],
  outfile: join(root, "dist", "app", "main.js"),
  bundle: true,
  packages: "external",
  platform: "node",
  target: "node20",
  format: "cjs",
  // Line numbers of synth errors point at the bundle; no source maps keeps synth lean.
  sourcemap: false,
  logLevel: "warning",
});
console.log("built app: dist/app/main.js");

// Precompiles the cdktf app (main.ts) into dist/app/main.js with esbuild, so a
// synth runs plain JavaScript: no TypeScript runner, no type checking of the
// provider on every synth (`tsc --noEmit` in `npm test` type-checks once).
// Packages stay external: provider classes are still loaded by deep path only.
import { build } from "esbuild";
import { join } from "node:path";

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

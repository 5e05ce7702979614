// Jest transform: strips TypeScript with esbuild (already a dependency; no
// native packages of its own). Type checking runs once, as `tsc --noEmit`, in npm test.
const { transformSync } = require("esbuild");

module.exports = {
  process(source, filename) {
    const { code, map } = transformSync(source, {
      loader: filename.endsWith(".ts") ? "ts" : "js",
      format: "cjs",
      target: "node20",
      sourcemap: "both",
      sourcefile: filename,
      // Jest runs CommonJS; turn import() into require() as ts-jest would.
      supported: { "dynamic-import": false },
    });
    return { code, map };
  },
};

// Jest transform: strips TypeScript with esbuild (already a dependency; no
// native packages of its own). Type checking runs once, as `tsc --noEmit`, in npm test.
const { createHash } = require("node:crypto");
const { readFileSync } = require("node:fs");
const { transformSync, version } = require("esbuild");

// The cache key covers this file too, so changing the options invalidates cached output.
const SELF = readFileSync(__filename, "utf8");

module.exports = {
  getCacheKey(source, filename) {
    return createHash("sha256").update(SELF).update(version).update(filename).update(source).digest("hex");
  },
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

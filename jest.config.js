/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  // Engine-backed tests need `npm run tools:terraform`; `npm run test:engine` runs them.
  testPathIgnorePatterns: ["/node_modules/", "<rootDir>/test/engine/"],
  // esbuild strips types only; `tsc --noEmit` in `npm test` type-checks once for the whole project.
  transform: { "^.+\\.ts$": "<rootDir>/test/esbuild-transform.js" },
  // The AWS SDK's Node 20 warning, silenced by the SDK's own switch (tools/cli/sdk-node-warning.ts).
  setupFiles: ["<rootDir>/test/helpers/jest-setup.ts"],
  testTimeout: 60000,
  maxWorkers: 2,
};

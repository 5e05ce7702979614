/** @type {import('jest').Config} `npm run test:engine`: tests that need the real engine (after `npm run tools:terraform`). */
const base = require("./jest.config.js");
module.exports = { ...base, roots: ["<rootDir>/test/engine"], testPathIgnorePatterns: [], testTimeout: 600000, maxWorkers: 1 };

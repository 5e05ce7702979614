// Preloaded into every node process of a timed CI run (NODE_OPTIONS=--require):
// appends { pid, ppid, argv, start, end } to $BENCH_CI_TIMER_LOG on exit, so
// bench/ci.ts can split one .ci/run into install, build, type check and jest.
// Plain CommonJS because it loads before any TypeScript loader.
"use strict";
const { appendFileSync } = require("node:fs");

const log = process.env.BENCH_CI_TIMER_LOG;
if (log) {
  // performance.timeOrigin is this process's start, epoch milliseconds.
  const start = performance.timeOrigin;
  process.on("exit", () => {
    const line = JSON.stringify({ pid: process.pid, ppid: process.ppid, argv: process.argv.slice(1), start, end: Date.now() });
    try {
      appendFileSync(log, `${line}\n`);
    } catch {
      // Never change the outcome of the run being timed.
    }
  });
}

/** The shadow API part of `npm run demo`: the built bundle against the demo's emulator and history refuses a stale version with 409. */
import { environments } from "../environments";
import { DemoRun, runApiDemo, runDemo } from "../tools/pipeline";

let run: DemoRun;
beforeAll(async () => {
  run = await runDemo({ environments, env: "dev", things: 2, burstSize: 2, startTimeMs: Date.UTC(2025, 0, 15, 8, 0, 0) });
});
afterAll(async () => {
  await run?.stop();
});

it("reads, changes at the read version, gets 409 on the stale version and pages through the stored history", async () => {
  const thing = run.scenario.things[0];
  const before = run.pipeline.shadows.get(thing);
  const api = await runApiDemo(run.pipeline, run.synth, thing);
  expect(api).toMatchObject({ ok: true, staleStatus: 409 });
  expect(api.lines.join("\n")).toMatch(/"currentVersion":\d+/);
  // Exactly one change went through (the stale one did not).
  expect(run.pipeline.shadows.get(thing)).toMatchObject({ document: { version: (before as { document: { version: number } }).document.version + 1, state: { desired: { demoSetpoint: 22 } } } });
});

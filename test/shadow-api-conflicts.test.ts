/**
 * Conflict resolution under concurrency, property-based: several writers change desired keys of
 * one shadow at once through the API handler (ShadowApiClient.setDesired: compare-and-set on the
 * version, re-read on 409, re-send when the keys are disjoint, stop on the same key), against the
 * shadow emulator, with fast-check choosing how their reads and writes interleave.
 *
 * For every interleaving: no accepted write is lost (an accepted write replaces only values its
 * writer had read, and each key ends with the value of the last accepted write of it),
 * every accepted write has its own version, and a write reported as not applied never shows in
 * any version of the shadow.
 */
import fc from "fast-check";
import { ApiDependencies, handleApiEvent } from "../functions/shadow-api/api";
import type { HistoryPort, ShadowPort } from "../functions/shadow-api/ports";
import type { JsonObject } from "../functions/shadow-history/event";
import { ShadowService, UpdateAcceptedMessage } from "../tools/shadow-emulator";
import { EmulatorShadowPort, SetDesiredResult, ShadowApiClient, handlerTransport } from "../tools/shadow-api-client";
import { FC_RUNS, fcParams } from "./helpers/arbitraries";

const THING = "Thermostat-01";
const KEYS = ["mode", "setpoint", "fan", "schedule"] as const;

/** Writers, each a sequence of changes; a change sets 1-2 keys. */
const writersArb = fc.array(fc.array(fc.uniqueArray(fc.constantFrom(...KEYS), { minLength: 1, maxLength: 2 }), { minLength: 1, maxLength: 3 }), { minLength: 2, maxLength: 4 });

interface Write {
  readonly changes: JsonObject;
  /** The version the writer read before deciding its change. */
  baseVersion?: number;
  result?: SetDesiredResult;
}

const noHistory: HistoryPort = { query: () => Promise.reject(new Error("not used")) };

async function run(writers: readonly (readonly (readonly string[])[])[], s: fc.Scheduler, maxAttempts: number) {
  const service = new ShadowService({ now: () => 0 });
  const accepted: UpdateAcceptedMessage[] = [];
  const desiredAt = new Map<number, JsonObject>();
  service.subscribe((topic, payload) => {
    if (topic.endsWith("/update/accepted")) accepted.push(payload as UpdateAcceptedMessage);
    if (topic.endsWith("/update/documents")) {
      const current = (payload as { current: { version: number; state: { desired?: JsonObject } } }).current;
      desiredAt.set(current.version, current.state.desired ?? {});
    }
  });
  const inner = new EmulatorShadowPort(service);
  // Every call to the shadow service waits for the scheduler: it picks which writer's read or write happens next.
  const scheduled: ShadowPort = {
    get: (t, n) => s.schedule(Promise.resolve(), `get`).then(() => inner.get(t, n)),
    updateDesired: (t, n, u) => s.schedule(Promise.resolve(), `update v${u.version}`).then(() => inner.updateDesired(t, n, u)),
  };
  const deps: ApiDependencies = { shadows: scheduled, history: noHistory, scope: { thingNamePrefix: "Thermostat-", shadows: { classic: true, named: "all" } } };
  const client = new ShadowApiClient(handlerTransport((e) => handleApiEvent(e, deps)), { maxAttempts });
  const writes: Write[][] = writers.map((changes, w) => changes.map((keys, i) => ({ changes: Object.fromEntries(keys.map((k) => [k, `w${w}-${i}-${k}`])) })));
  const done = Promise.all(
    writes.map(async (sequence) => {
      for (const write of sequence) {
        const base = await client.getShadow(THING, "config").catch((e: unknown) => {
          if ((e as { status?: number }).status === 404) return { state: {}, version: 0, timestamp: 0 };
          throw e;
        });
        write.baseVersion = base.version;
        write.result = await client.setDesired(THING, "config", write.changes, base);
      }
    }),
  );
  await s.waitFor(done);
  return { writes: writes.flat(), accepted, desiredAt, final: (service.get(THING, "config").accepted ? (service.get(THING, "config") as { document: { state: { desired?: JsonObject } } }).document.state.desired : undefined) ?? {} };
}

function checkProperties(outcome: Awaited<ReturnType<typeof run>>): void {
  const { writes, accepted, desiredAt, final } = outcome;
  const applied = writes.filter((w) => w.result?.outcome === "applied");
  const versions = applied.map((w) => (w.result as { version: number }).version);
  // Every accepted write has its own version, and the service accepted exactly these writes.
  expect(new Set(versions).size).toBe(versions.length);
  expect(accepted.map((a) => a.version).sort((a, b) => a - b)).toEqual([...versions].sort((a, b) => a - b));
  for (const w of applied) {
    const version = (w.result as { version: number }).version;
    expect(accepted.find((a) => a.version === version)?.state).toEqual({ desired: w.changes });
    expect(desiredAt.get(version)).toMatchObject(w.changes);
    // It overwrote only values its writer had seen: each of its keys was unchanged between the version
    // the writer read and the one it was applied on (a merge retry may add others' keys, never replace theirs).
    const before = version === 1 ? {} : desiredAt.get(version - 1)!;
    const read = w.baseVersion === 0 ? {} : desiredAt.get(w.baseVersion!)!;
    for (const key of Object.keys(w.changes)) expect(before[key]).toEqual(read[key]);
  }
  // No accepted write lost: every key ends with the value of the last accepted write of it.
  for (const key of KEYS) {
    const last = applied.filter((w) => key in w.changes).sort((a, b) => (b.result as { version: number }).version - (a.result as { version: number }).version)[0];
    expect(final[key]).toEqual(last?.changes[key]);
  }
  // A write reported as not applied is never in any version of the shadow.
  const seen = new Set([...desiredAt.values()].flatMap((d) => Object.values(d)));
  for (const w of writes.filter((x) => x.result?.outcome !== "applied")) {
    expect(w.result?.outcome).toMatch(/^(conflict|gave-up)$/);
    for (const value of Object.values(w.changes)) expect(seen.has(value)).toBe(false);
    if (w.result?.outcome === "conflict") {
      expect(w.result.conflictingKeys.length).toBeGreaterThan(0);
      expect(w.result.conflictingKeys.every((k) => k in w.changes)).toBe(true);
    }
  }
}

describe("ShadowApiClient.setDesired with concurrent writers (fast-check, shadow emulator)", () => {
  const runs = Math.min(FC_RUNS, 300);

  it("loses no accepted write, gives each its own version and never applies a conflicting one", async () => {
    await fc.assert(
      fc.asyncProperty(writersArb, fc.scheduler(), fc.integer({ min: 1, max: 6 }), async (writers, s, maxAttempts) => {
        checkProperties(await run(writers, s, maxAttempts));
      }),
      fcParams(runs),
    );
  });

  it("applies every write when the writers' keys are disjoint and retries are enough", async () => {
    // Writer w only ever touches KEYS[w]: nothing conflicts, so with enough sends everything lands.
    const disjoint = fc.integer({ min: 2, max: 4 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, w) => fc.array(fc.constant([KEYS[w]]), { minLength: 1, maxLength: 2 }))));
    await fc.assert(
      fc.asyncProperty(disjoint, fc.scheduler(), async (writers, s) => {
        const outcome = await run(writers, s, 100);
        checkProperties(outcome);
        expect(outcome.writes.map((w) => w.result?.outcome)).toEqual(outcome.writes.map(() => "applied"));
      }),
      fcParams(Math.min(runs, 100)),
    );
  });
});

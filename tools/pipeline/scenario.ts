/**
 * A small thermostat fleet going through a realistic day, on the classic
 * shadow (unless turned off) and one named shadow: boot, a desired setpoint from the cloud,
 * convergence (one device stays offline), a stale-version write, a burst
 * within one second, and two invalid requests. Deterministic: it drives the
 * pipeline's simulated clock.
 */
import { assertName } from "../../lib/aws-names";
import type { JsonObject } from "../shadow-emulator";
import type { LocalPipeline } from "./pipeline";

export interface FleetScenarioOptions {
  /** Fleet size. @default 20 */
  readonly things?: number;
  /** The named shadow each device also keeps. @default "config" */
  readonly namedShadow?: string;
  /** Updates one device sends within one second. @default 10 */
  readonly burstSize?: number;
  /** Thing names are `<prefix><nn>`. @default "Thermostat-" */
  readonly thingNamePrefix?: string;
  /** Also drive each device's classic shadow (off for a product line that routes only named shadows). @default true */
  readonly classic?: boolean;
}

export interface ScenarioRejection {
  readonly thingName: string;
  readonly shadowName?: string;
  readonly code: number;
  readonly message: string;
}

export interface ScenarioStep {
  readonly name: string;
  readonly description: string;
  readonly accepted: number;
  readonly rejected: readonly ScenarioRejection[];
}

export interface FleetScenarioResult {
  readonly things: readonly string[];
  readonly namedShadow: string;
  readonly classic: boolean;
  readonly steps: readonly ScenarioStep[];
  /** The device left offline, whose shadows keep a drift. */
  readonly offlineThing?: string;
  /** The device that sent the burst, and the shadow timestamp all its burst updates share. */
  readonly burst: { readonly thingName: string; readonly updates: number; readonly timestamps: readonly number[] };
  /** Expectations the shadow service did not meet (e.g. a stale write accepted); empty when all went as planned. */
  readonly surprises: readonly string[];
}

const MINUTE = 60_000;

export async function runFleetScenario(pipeline: LocalPipeline, options: FleetScenarioOptions = {}): Promise<FleetScenarioResult> {
  const count = options.things ?? 20;
  if (!Number.isInteger(count) || count < 1 || count > 9999) throw new Error(`FleetScenarioOptions.things must be an integer from 1 to 9999, got ${count}`);
  const burstSize = options.burstSize ?? 10;
  if (!Number.isInteger(burstSize) || burstSize < 2 || burstSize > 100) throw new Error(`FleetScenarioOptions.burstSize must be an integer from 2 to 100, got ${burstSize}`);
  const named = assertName("namedShadow", options.namedShadow ?? "config", "FleetScenarioOptions.namedShadow");
  const prefix = options.thingNamePrefix ?? "Thermostat-";
  const width = Math.max(2, String(count).length);
  const things = Array.from({ length: count }, (_, i) => assertName("iotThing", `${prefix}${String(i + 1).padStart(width, "0")}`, "thing name"));

  const { shadows, clock } = pipeline;
  const steps: ScenarioStep[] = [];
  const surprises: string[] = [];
  const classic = options.classic ?? true;
  const update = (thing: string, shadow: string | undefined, request: JsonObject) => shadows.update(thing, shadow, request);
  // The shadow the single-device steps (stale write, burst, invalid requests) use.
  const main = classic ? undefined : named;
  const both = (thing: string, classicRequest: JsonObject, namedRequest: JsonObject) => {
    if (classic) update(thing, undefined, classicRequest);
    update(thing, named, namedRequest);
  };

  async function step(name: string, description: string, body: () => void): Promise<void> {
    const accepted = pipeline.acceptedUpdates.length;
    const rejected = pipeline.rejectedUpdates.length;
    body();
    await pipeline.settle();
    steps.push({
      name,
      description,
      accepted: pipeline.acceptedUpdates.length - accepted,
      rejected: pipeline.rejectedUpdates.slice(rejected).map(({ thingName, shadowName, code, message }) => ({ thingName, shadowName, code, message })),
    });
  }

  const where = classic ? "classic and named shadow" : `named shadow ${named}`;
  await step("boot", `every device reports its initial state (${where})`, () => {
    things.forEach((thing, i) => {
      both(
        thing,
        { state: { reported: { temperature: 19 + (i % 5) * 0.5, setpoint: 20, mode: "heat", firmware: "1.4.2" } }, clientToken: `boot-${thing}` },
        { state: { reported: { unit: "C", reportIntervalSeconds: 60, setpoint: 20 } }, clientToken: `boot-${named}-${thing}` },
      );
      clock.advance(50);
    });
  });

  clock.advance(MINUTE);
  await step("desired", `the cloud sets new desired values (${where}; update/delta to each device)`, () => {
    for (const thing of things) {
      both(thing, { state: { desired: { setpoint: 22 } }, clientToken: `cloud-setpoint-${thing}` }, { state: { desired: { reportIntervalSeconds: 30 } }, clientToken: `cloud-interval-${thing}` });
      clock.advance(20);
    }
  });

  const offlineThing = things.length > 1 ? things[things.length - 1] : undefined;
  clock.advance(MINUTE / 2);
  await step("converge", `devices apply the desired state and report it${offlineThing ? ` (${offlineThing} stays offline)` : ""}`, () => {
    for (const thing of things.filter((t) => t !== offlineThing)) {
      both(thing, { state: { reported: { setpoint: 22, temperature: 21.5 } } }, { state: { reported: { reportIntervalSeconds: 30 } } });
      clock.advance(30);
    }
  });

  const writer = things[0];
  clock.advance(MINUTE / 6);
  await step("stale-write", `the cloud writes ${writer} with a version read before the device's report: 409, then retries`, () => {
    const read = shadows.get(writer, main);
    const seen = read.accepted ? read.document.version : 0;
    update(writer, main, { state: { reported: { temperature: 21.7 } } });
    const stale = update(writer, main, { state: { desired: { setpoint: 23 } }, version: seen, clientToken: `stale-write-${writer}` });
    if (stale.accepted || stale.code !== 409) surprises.push(`stale write to ${writer} was not rejected with 409: ${JSON.stringify(stale)}`);
    const fresh = shadows.get(writer, main);
    const retry = update(writer, main, { state: { desired: { setpoint: 23 } }, version: fresh.accepted ? fresh.document.version : 0, clientToken: `retry-${writer}` });
    if (!retry.accepted) surprises.push(`retry with the current version was rejected: ${retry.code} ${retry.message}`);
    update(writer, main, { state: { reported: { setpoint: 23 } } });
  });

  // Not the offline device: it is online and chatty.
  const burster = things.length > 2 ? things[1] : things[0];
  const burstFirst = pipeline.acceptedUpdates.length;
  clock.advance(MINUTE / 6);
  clock.advance(1000 - (clock.now() % 1000)); // start of a second
  await step("burst", `${burster} sends ${burstSize} temperature reports within one second`, () => {
    const gap = Math.floor(999 / burstSize);
    for (let i = 0; i < burstSize; i++) {
      update(burster, main, { state: { reported: { temperature: 21 + i / 10 } }, clientToken: `burst-${i}` });
      clock.advance(gap);
    }
  });
  const timestamps = [...new Set(pipeline.acceptedUpdates.slice(burstFirst).map((u) => u.timestamp))];
  if (timestamps.length !== 1) surprises.push(`burst updates carry ${timestamps.length} distinct timestamps; expected one second`);

  clock.advance(MINUTE / 6);
  await step("invalid", `${writer} sends an oversized report (413) and a too deeply nested one (400)`, () => {
    const tooLarge = update(writer, main, { state: { reported: { log: "x".repeat(9000) } }, clientToken: `oversize-${writer}` });
    if (tooLarge.accepted || tooLarge.code !== 413) surprises.push(`an oversized report was not rejected with 413`);
    const tooDeep = update(writer, named, { state: { reported: { a: { b: { c: { d: { e: { f: { g: 1 } } } } } } } }, clientToken: `deep-${writer}` });
    if (tooDeep.accepted || tooDeep.code !== 400) surprises.push(`a 7-level report was not rejected with 400`);
  });

  return { things, namedShadow: named, classic, steps, offlineThing, burst: { thingName: burster, updates: burstSize, timestamps }, surprises };
}

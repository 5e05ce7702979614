/**
 * Buffered ingestion in the local pipeline: the prod environment as synthesized (documents rules with an
 * sqs action, the ingest queue with its redrive policy, the event source mapping) runs end to end. The
 * rule engine's sqs action feeds the in-process queue, the mapping drains it into the built bundle, and a
 * message the processor rejects is dead-lettered after the synthesized maxReceiveCount.
 */
import { environments } from "../environments";
import { LocalPipeline, SynthesizedEnvironment, runFleetScenario, synthesizeEnvironment, verifyHistory } from "../tools/pipeline";

let env: SynthesizedEnvironment;
let pipeline: LocalPipeline;

beforeAll(async () => {
  env = synthesizeEnvironment({ environments, env: "prod" });
  pipeline = await LocalPipeline.start({ platform: env.platform, data: env.data, startTimeMs: Date.UTC(2026, 0, 1) });
}, 60_000);

afterAll(async () => {
  await pipeline?.stop();
});

describe("local pipeline, buffered ingestion (prod)", () => {
  it("stores every accepted update exactly once through the queue, routed to the history processor", async () => {
    await runFleetScenario(pipeline, { things: 4, namedShadow: "config", thingNamePrefix: "Thermostat-" });
    await pipeline.settle();
    const check = await verifyHistory(pipeline);
    expect(check).toMatchObject({ ok: true, missing: [], doubled: [] });
    expect(pipeline.acceptedUpdates.every((u) => u.routedTo.includes("iot-prod-shadow-history"))).toBe(true);
    // The rule sent every accepted update to the queue; IoT invoked no function for the history.
    expect(pipeline.queueMessages.filter((m) => m.queueUrl.includes("ingest-queue"))).toHaveLength(pipeline.acceptedUpdates.length);
    const consumer = [...pipeline.lines[0].queueConsumers.values()][0];
    expect(consumer.mapping.stats.invocations).toBeLessThan(pipeline.acceptedUpdates.length);
  });

  it("dead-letters a message the processor rejects after maxReceiveCount (5) receives, and nothing else", async () => {
    const before = pipeline.deadLetters.length;
    await pipeline.publish("$aws/things/Thermostat-01/shadow/update/documents", { previous: null, current: { state: {}, version: "x" }, timestamp: 1_767_225_600 });
    await pipeline.settle();
    const added = pipeline.deadLetters.slice(before);
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({ functionName: "iot-prod-shadow-history", destination: "sqs iot-prod-shadow-ingest-dlq", attempts: 5, event: { thingName: "Thermostat-01" } });
  });
});

/**
 * The `npm run demo` scenario, in-process and with a smaller fleet: dev
 * synthesized, its topic rules evaluated, the BUILT processor bundle invoked
 * like Lambda does, history written to a local DynamoDB created from the
 * synthesized table. The history must hold every accepted update exactly once.
 */
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { environments } from "../environments";
import { CLASSIC_SHADOW } from "../modules/history-store/schema";
import { DemoRun, acceptedKey, formatDemoReport, runDemo, verifyHistory } from "../tools/pipeline";

const THINGS = 5;
const BURST = 8;
const START = Date.UTC(2025, 0, 15, 8, 0, 0);

let run: DemoRun;

const key = (k: { thingName: string; shadowName: string; version: number }) => `${k.thingName}|${k.shadowName}|${k.version}`;

/** Everything in the table, read independently of the HistoryReader the verification uses. */
async function scanTable(): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await run.pipeline.dynamo.client.send(new ScanCommand({ TableName: run.pipeline.table.tableName, ExclusiveStartKey: startKey }));
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

beforeAll(async () => {
  run = await runDemo({ environments, env: "dev", things: THINGS, burstSize: BURST, startTimeMs: START });
});

afterAll(async () => {
  await run?.stop();
});

describe("npm run demo scenario (5 thermostats, classic + named config shadow)", () => {
  it("runs against the synthesized dev stacks: their rules, their table, the built bundle", () => {
    expect(run.synth.platform.name).toBe("iot-dev-platform");
    expect(run.pipeline.table.tableName).toBe("iot-dev-shadow-history");
    expect(run.pipeline.table.createInput.KeySchema).toEqual([
      { AttributeName: "thingName", KeyType: "HASH" },
      { AttributeName: "shadowVersion", KeyType: "RANGE" },
    ]);
    const [fn] = [...run.pipeline.functions.values()].map((f) => f.fn);
    expect(fn).toMatchObject({ functionName: "iot-dev-shadow-history", exportName: "handler", maximumRetryAttempts: 2, failureDestinationLabel: "sqs iot-dev-shadow-history-dlq" });
    expect(fn.bundleFile).toMatch(/dist\/functions\/shadow-history\/index\.js$/);
    expect(run.scenario.surprises).toEqual([]);
    expect(run.ok).toBe(true);
  });

  it("stores every accepted update exactly once, and nothing else", async () => {
    const accepted = run.pipeline.acceptedUpdates;
    // boot 2/thing, desired 2/thing, converge 2/thing except the offline one, stale-write 3, burst.
    expect(accepted).toHaveLength(2 * THINGS + 2 * THINGS + 2 * (THINGS - 1) + 3 + BURST);
    const expected = accepted.map((u) => key(acceptedKey(u))).sort();
    expect(new Set(expected).size).toBe(expected.length);

    const items = await scanTable();
    expect(items.map((i) => key(i as never)).sort()).toEqual(expected);
    const byKey = new Map(items.map((i) => [key(i as never), i]));
    for (const u of accepted) expect(byKey.get(key(acceptedKey(u)))).toMatchObject({ updatedAt: u.timestamp, version: u.version });

    expect(run.verification).toMatchObject({ ok: true, expected: accepted.length, stored: accepted.length, missing: [], doubled: [], unexpected: [], untracked: 0 });
  });

  it("rejects the stale-version write (409) and the invalid requests, and stores none of them", async () => {
    expect(run.pipeline.rejectedUpdates.map((r) => [r.thingName, r.shadowName, r.code, r.message])).toEqual([
      ["Thermostat-01", undefined, 409, "Version conflict"],
      ["Thermostat-01", undefined, 413, "The payload exceeds the maximum size allowed"],
      ["Thermostat-01", "config", 400, "JSON contains too many levels of nesting; maximum is 6"],
    ]);
    const tokens = new Set((await scanTable()).map((i) => i.clientToken));
    for (const r of run.pipeline.rejectedUpdates) {
      expect(r.clientToken).toBeDefined();
      expect(tokens.has(r.clientToken)).toBe(false);
    }
    expect(tokens.has("retry-Thermostat-01")).toBe(true);
  });

  it("counts ShadowUpdatesAccepted once per accepted update, and the processor stores each once", () => {
    const accepted = run.pipeline.acceptedUpdates.length;
    expect(run.pipeline.metrics.total("ShadowUpdatesAccepted", "rule")).toBe(accepted);
    expect(run.pipeline.metrics.total("ShadowUpdateStored", "processor")).toBe(accepted);
    expect(run.pipeline.metrics.total("ShadowUpdateRejected", "rule")).toBe(3);
    // Each device got a delta for setpoint and interval; the stale-write retry adds one.
    expect(run.pipeline.metrics.total("ShadowDeltaPublished", "rule")).toBe(2 * THINGS + 1);
    expect(run.pipeline.metrics.data.filter((d) => d.source === "rule").every((d) => d.namespace === "IotShadow/thermostat/dev")).toBe(true);
    expect(run.pipeline.invocations).toHaveLength(accepted);
    expect(run.pipeline.invocations.every((i) => i.outcome === "succeeded" && i.attempts === 1)).toBe(true);
    expect(run.pipeline.deadLetters).toEqual([]);
    expect(run.pipeline.errorActions).toEqual([]);
    // The bundle's own output was collected, not printed: one INFO line per stored update.
    expect(run.pipeline.logs.filter((l) => l.level === "ERROR")).toEqual([]);
    expect(run.pipeline.logs.filter((l) => l.message === "Shadow update stored")).toHaveLength(accepted);
    expect(run.pipeline.logs[0]).toMatchObject({ service: "shadow-history", function_name: "iot-dev-shadow-history" });
  });

  it("keeps every update of a burst within one second, and shows the offline device's drift", async () => {
    const { burst } = run.scenario;
    expect(burst.timestamps).toHaveLength(1);
    const records = await run.pipeline.reader.between(burst.thingName, new Date(burst.timestamps[0] * 1000), new Date(burst.timestamps[0] * 1000), CLASSIC_SHADOW);
    expect(records).toHaveLength(BURST);
    expect(new Set(records.map((r) => r.version)).size).toBe(BURST);

    expect(run.drifted.map((d) => [d.thingName, d.shadowName, d.drift])).toEqual([
      ["Thermostat-05", CLASSIC_SHADOW, { setpoint: 22 }],
      ["Thermostat-05", "config", { reportIntervalSeconds: 30 }],
    ]);
    const configHistory = await run.pipeline.reader.versions("Thermostat-01", "config");
    expect(configHistory.map((r) => r.version)).toEqual([1, 2, 3]);
  });

  it("prints a summary that says what happened and that the history is complete", async () => {
    const text = formatDemoReport(run, { thingName: "Thermostat-01", records: await run.pipeline.reader.versions("Thermostat-01") });
    expect(text).toContain("processor    iot-dev-shadow-history -> dist/functions/shadow-history/index.js (async, 2 retries, then sqs iot-dev-shadow-history-dlq)");
    expect(text).toMatch(/stale-write\s+accepted\s+3\s+rejected\s+1 .*\[409 Version conflict\]/);
    expect(text).toContain(`lambda           ${run.pipeline.acceptedUpdates.length} async invocation(s), 0 retries, 0 dead-lettered`);
    expect(text).toContain('Thermostat-05 config v2: {"reportIntervalSeconds":30}');
    expect(text).toContain("OK: every accepted update is in the history exactly once");
  });

  // The tests below add traffic; they run after the scenario assertions above.
  it("an MQTT redelivery of an update/documents message stores nothing new", async () => {
    const before = (await scanTable()).length;
    const original = run.pipeline.acceptedUpdates[0];
    await run.pipeline.publish(original.topic, original.documents);
    await run.pipeline.settle();
    expect(await scanTable()).toHaveLength(before);
    expect(run.pipeline.metrics.total("DuplicateSkipped", "processor")).toBe(1);
    expect(run.pipeline.invocations.at(-1)).toMatchObject({ outcome: "succeeded", result: { outcome: "duplicate", version: original.version } });
  });

  it("a function error is retried twice and then dead-lettered; nothing is stored", async () => {
    const before = (await scanTable()).length;
    // A documents message without `current`: the processor's parser refuses it on every attempt.
    await run.pipeline.publish("$aws/things/Thermostat-02/shadow/update/documents", { previous: null, timestamp: 1_736_930_000 });
    await run.pipeline.settle();
    expect(run.pipeline.deadLetters).toEqual([
      expect.objectContaining({ functionName: "iot-dev-shadow-history", attempts: 3, error: expect.objectContaining({ name: "InvalidShadowEventError" }) }),
    ]);
    expect(run.pipeline.deadLetters[0].destination).toMatch(/^\$\{aws_sqs_queue\.processor_dead_letter_queue_\w+\.arn\}$/);
    expect(run.pipeline.metrics.total("InvalidEvent", "processor")).toBe(3);
    expect(run.pipeline.errorActions).toEqual([]);
    expect(await scanTable()).toHaveLength(before);
  });

  it("an invoke failure takes the rule's error action, and verification reports the update missing", async () => {
    run.pipeline.invokeFault = (_fn, event) => (event.thingName === "Thermostat-03" ? Object.assign(new Error("Rate exceeded"), { name: "TooManyRequestsException" }) : undefined);
    try {
      const result = run.pipeline.shadows.update("Thermostat-03", undefined, { state: { reported: { temperature: 18 } } });
      expect(result.accepted).toBe(true);
      await run.pipeline.settle();
    } finally {
      run.pipeline.invokeFault = undefined;
    }
    expect(run.pipeline.errorActions).toEqual([
      expect.objectContaining({ rule: "iot_dev_shadow_documents_classic", failedAction: "lambda", error: { name: "TooManyRequestsException", message: "Rate exceeded" }, errorAction: expect.objectContaining({ kind: "sqs" }) }),
    ]);
    const verification = await verifyHistory(run.pipeline);
    expect(verification.ok).toBe(false);
    expect(verification.missing).toEqual([
      expect.objectContaining({ thingName: "Thermostat-03", shadowName: CLASSIC_SHADOW, reason: "the rule could not invoke the function (TooManyRequestsException: Rate exceeded)" }),
    ]);
  });
});

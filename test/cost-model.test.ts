/**
 * `npm run cost` (tools/cost): the arithmetic on hand-checked small cases, the bench figure it reads,
 * and a line for every environment of the app in both ingestion modes.
 */
import { environments } from "../environments";
import { stormSection } from "../bench/report";
import type { StormBench } from "../bench/storm";
import { measuredHandler, dynamodbItemBytes, variantInput } from "../tools/cost/inputs";
import { breakEvenDevices, perMillionUpdates, PathInputs, total } from "../tools/cost/model";
import { PRICES } from "../tools/cost/prices";
import { buildCostReport, formatCostReport } from "../tools/cost/report";

const base: PathInputs = { path: "direct", memoryMb: 1024, architecture: "arm64", directInvocationMs: 10, batchSize: 10, batchInvocationMs: 20, extraProcessorsMemoryMb: [], rulesPerUpdate: 1, itemBytes: 1000 };
const line = (lines: { component: string; usd: number }[], component: string) => lines.find((l) => l.component === component)?.usd;

describe("cost per million updates (hand-checked)", () => {
  it("direct, 1 GB for 10 ms, a 1,000-byte item", () => {
    const lines = perMillionUpdates(base, PRICES);
    expect(line(lines, "IoT rules triggered and actions")).toBeCloseTo(0.15 + 2 * 0.15, 10); // one rule, metric + lambda actions
    expect(line(lines, "CloudWatch PutMetricData (rule metric action)")).toBeCloseTo(10, 10);
    expect(line(lines, "Lambda requests")).toBeCloseTo(0.2, 10);
    expect(line(lines, "Lambda GB-seconds")).toBeCloseTo(10_000 * 0.0000133334, 10); // 1e6 x 0.01 s x 1 GB
    expect(line(lines, "SQS requests")).toBe(0);
    expect(line(lines, "DynamoDB writes (on-demand)")).toBeCloseTo(0.7068, 10);
    expect(line(lines, "CloudWatch Logs ingestion")).toBeCloseTo(1.35 * 0.57, 10); // 1e6 x (300 + 700 + 350) bytes
  });

  it("buffered, batches of 10 lasting 20 ms: a tenth of the requests, SQS send + receive + delete", () => {
    const lines = perMillionUpdates({ ...base, path: "buffered" }, PRICES);
    expect(line(lines, "Lambda requests")).toBeCloseTo(0.02, 10);
    expect(line(lines, "Lambda GB-seconds")).toBeCloseTo(2_000 * 0.0000133334, 10); // 1e5 x 0.02 s x 1 GB
    expect(line(lines, "SQS requests")).toBeCloseTo(1.2 * 0.4, 10); // 1e6 sends + 1e5 receives + 1e5 deletes
    expect(line(lines, "CloudWatch Logs ingestion")).toBeCloseTo(0.45 * 0.57, 10); // 1e5 x 1,000 + 1e6 x 350 bytes
  });

  it("bills whole milliseconds and whole write units (1 KB)", () => {
    const up = perMillionUpdates({ ...base, directInvocationMs: 10.2, itemBytes: 1025 }, PRICES);
    expect(line(up, "Lambda GB-seconds")).toBeCloseTo(11_000 * 0.0000133334, 10);
    expect(line(up, "DynamoDB writes (on-demand)")).toBeCloseTo(2 * 0.7068, 10);
  });

  it("buffered is cheaper from the fleet where its saving per update covers its extra fixed cost, and never when it saves nothing", () => {
    // $2 more a month, $1 less per million updates, 8,640 updates per device: 2 / 0.00864 = 231.5 devices.
    expect(breakEvenDevices({ fixedUsd: 10, perMillionUsd: 12 }, { fixedUsd: 12, perMillionUsd: 11 }, 8640)).toBe(232);
    expect(breakEvenDevices({ fixedUsd: 10, perMillionUsd: 12 }, { fixedUsd: 12, perMillionUsd: 12 }, 8640)).toBeUndefined();
    expect(breakEvenDevices({ fixedUsd: 12, perMillionUsd: 12 }, { fixedUsd: 10, perMillionUsd: 11 }, 8640)).toBe(0);
  });

  it("sizes an item as DynamoDB does: names plus values", () => {
    expect(dynamodbItemBytes({ thingName: "T-1", version: 42 })).toBe("thingName".length + 3 + "version".length + 2);
  });
});

describe("inputs", () => {
  it("reads the handler time from the storm section the bench writes, else from the processor section", () => {
    const storm = { settings: { events: 1, things: 1, poison: 0, arrivalSeconds: 1, concurrency: 10, batchSize: 25, maximumBatchingWindowSeconds: 1, maxReceiveCount: 5, visibilityTimeoutSeconds: 181, timeoutSeconds: 30, maximumRetryAttempts: 2, maximumEventAgeSeconds: 3600 } } as unknown as StormBench;
    const path = { path: "direct", stored: 1, lost: 0, doubled: 0, deadLettered: { poison: 0, valid: 0, byReason: {} }, drainMs: 1, deadLetteredByMs: 0, eventsPerSecond: 1, latencyMs: { p50: 1, p99: 1, max: 1 }, invocations: 1, billedMs: 1, realMs: 1, errors: [], validEvents: 1, poisonEvents: 0 };
    const md = stormSection({ storm: { ...storm, buffered: { ...path, path: "buffered" }, direct: path, measuredMs: { direct: 3.25, batch: 30.5, batchSize: 25 }, dynamodbRoundTripMs: 5 } as StormBench });
    expect(measuredHandler(md)).toMatchObject({ directMs: 3.25, batchMs: 30.5, batchSize: 25 });
    expect(measuredHandler("## 3. Processor\n\n| 1 | 500 (450) | 480 (452) |").directMs).toBe(2);
    expect(measuredHandler(undefined).source).toContain("HANDLER_MS_FALLBACK");
  });

  it("switches an environment to buffered within its reserved concurrency", () => {
    const input = { ...environments.staging, processor: { ...environments.staging.processor, reservedConcurrency: 4 } };
    expect(variantInput(input, "buffered").rules).toMatchObject({ ingestion: "buffered", buffer: { maximumConcurrency: 4 } });
    expect(variantInput(environments.prod, "direct").rules).toMatchObject({ ingestion: "direct", buffer: undefined });
  });
});

describe("the report", () => {
  it("prices every environment in both modes, marks the configured one and adds the starting design", () => {
    const report = buildCostReport(environments, { directMs: 2, source: "test" });
    expect(report.environments.map((e) => e.label)).toEqual(Object.keys(environments));
    const prod = report.environments.find((e) => e.label === "prod")!;
    expect(prod.configured).toBe("buffered");
    // The buffered variant pays for the ingest key and two more alarms.
    expect(total(prod.buffered.fixed) - total(prod.direct.fixed)).toBeGreaterThan(1 + 2 * 0.1 - 1e-9);
    const text = formatCostReport(report);
    for (const label of Object.keys(environments)) expect(text).toMatch(new RegExp(`^\\| ${label} \\| `, "m"));
    expect(text).toContain("Starting design (one Python invocation per update");
  }, 60_000);
});

/**
 * What the model needs from this repository: per environment, the synthesized inventory (KMS keys,
 * alarms, dashboards) of its direct and its buffered variant, processor memory and batch size from
 * the config, the handler time the bench measured, and the size of a history item as the real
 * transform builds it.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { EnvironmentConfig, EnvironmentConfigInput } from "../../lib/config-schema";
import { PROCESSOR_METRICS, RULE_METRICS } from "../../modules/observability/metrics";
import { toDocumentItem, toHistoryItem } from "../../functions/shadow-history/transform";
import { parseShadowDocumentsEvent } from "../../functions/shadow-history/event";
import { synthesizeEnvironment } from "../pipeline/synth";
import { ESM_IDLE_RECEIVES_PER_MONTH, HANDLER_MS_FALLBACK, SQS_KMS_REQUESTS_PER_MONTH } from "./assumptions";
import type { FixedInventory, IngestionPath } from "./model";

export interface MeasuredHandler {
  /** Handler time of one direct event, ms (before DynamoDB's network round trip). */
  readonly directMs: number;
  /** Handler time of one SQS batch of `batchSize` records, ms; undefined: not measured. */
  readonly batchMs?: number;
  readonly batchSize?: number;
  readonly source: string;
}

/**
 * The bench's figure: the storm section's measured handler times when BENCHMARKS.md has one, else the
 * processor section's handler rate at concurrency 1 (ms per event = 1000 / events per second), else
 * HANDLER_MS_FALLBACK.
 */
export function measuredHandler(benchmarksMd: string | undefined): MeasuredHandler {
  const storm = benchmarksMd && /Measured handler time \(cost model input\): direct ([\d.]+) ms per event, ([\d.]+) ms per batch of (\d+)/.exec(benchmarksMd);
  if (storm) return { directMs: Number(storm[1]), batchMs: Number(storm[2]), batchSize: Number(storm[3]), source: "BENCHMARKS.md, storm section" };
  const row = benchmarksMd && /^\| 1 \| ([\d,]+) \(/m.exec(benchmarksMd.slice(benchmarksMd.indexOf("## 3. Processor")));
  if (row) return { directMs: 1000 / Number(row[1].replace(/,/g, "")), source: "BENCHMARKS.md, processor section (handler events/s at concurrency 1)" };
  return { directMs: HANDLER_MS_FALLBACK, source: "documented constant HANDLER_MS_FALLBACK (no BENCHMARKS.md figure)" };
}

export function readBenchmarks(root: string): string | undefined {
  const file = join(root, "BENCHMARKS.md");
  return existsSync(file) ? readFileSync(file, "utf8") : undefined;
}

/** DynamoDB's item size: attribute names plus values (strings as UTF-8, numbers about 1 byte per 2 digits + 1, 3 bytes per map or list). */
export function dynamodbItemBytes(value: unknown): number {
  const size = (v: unknown): number => {
    if (v === null || typeof v === "boolean") return 1;
    if (typeof v === "string") return Buffer.byteLength(v, "utf8");
    if (typeof v === "number") return Math.ceil(String(Math.abs(v)).replace(/[.-]/g, "").length / 2) + 1;
    if (v instanceof Map) return 3 + [...v].reduce((s, [k, x]) => s + Buffer.byteLength(String(k), "utf8") + size(x) + 1, 0);
    if (Array.isArray(v)) return 3 + v.reduce((s: number, x) => s + size(x) + 1, 0);
    if (typeof v === "object") return 3 + Object.entries(v as object).reduce((s, [k, x]) => s + Buffer.byteLength(k, "utf8") + size(x) + 1, 0);
    return 0;
  };
  const item = value as Record<string, unknown>;
  return Object.entries(item).reduce((s, [k, v]) => s + Buffer.byteLength(k, "utf8") + size(v), 0);
}

/** A thermostat's classic-shadow report, stored as the processor stores it: the item the model prices. */
export function sampleHistoryItemBytes(): number {
  const event = parseShadowDocumentsEvent({
    thingName: "Thermostat-P0001",
    previous: { state: { reported: { temperature: 21.4, setpoint: 21, mode: "heat", humidity: 41, firmware: "2.0.0" } }, version: 41 },
    current: { state: { desired: { setpoint: 21 }, reported: { temperature: 21.5, setpoint: 21, mode: "heat", humidity: 41, firmware: "2.0.0" } }, version: 42 },
    timestamp: 1_767_225_600,
    clientToken: "thermostat-p0001-42",
  });
  return dynamodbItemBytes(toDocumentItem(toHistoryItem(event, { receivedAtMs: 1_767_225_600_123 })));
}

export interface EnvironmentVariant {
  readonly path: IngestionPath;
  readonly config: EnvironmentConfig;
  readonly inventory: FixedInventory;
}

type Json = { resource?: Record<string, Record<string, unknown>> };
const count = (stacks: readonly Json[], type: string) => stacks.reduce((n, s) => n + Object.keys(s.resource?.[type] ?? {}).length, 0);

/** The environment as configured, switched to `path` (a buffered variant gets the default buffer, capped at the reserved concurrency). */
export function variantInput(input: EnvironmentConfigInput, path: IngestionPath): EnvironmentConfigInput {
  const rules = { ...(input.rules ?? {}) };
  if (path === "direct") return { ...input, rules: { ...rules, ingestion: "direct", buffer: undefined } };
  const reserved = input.processor?.reservedConcurrency;
  const buffer = rules.buffer ?? (reserved !== undefined && reserved < 10 ? { maximumConcurrency: Math.max(2, reserved) } : undefined);
  return { ...input, rules: { ...rules, ingestion: "buffered", buffer } };
}

/** Synthesizes the environment in one ingestion mode and counts what it pays for every month. */
export function synthesizeVariant(label: string, input: EnvironmentConfigInput, path: IngestionPath): EnvironmentVariant {
  const env = synthesizeEnvironment({ environments: { [label]: variantInput(input, path) }, env: label });
  const stacks = [env.data.tfJson, env.platform.tfJson] as Json[];
  const drift = env.config.rules.driftMetrics;
  const ruleMetrics = drift ? Object.keys(RULE_METRICS).length : 1;
  // Every processor metric name with the one service dimension; BatchItemFailures only where batches run.
  const processorMetrics = Object.keys(PROCESSOR_METRICS).length - (path === "buffered" ? 0 : 1);
  return {
    path,
    config: env.config,
    inventory: {
      kmsKeys: count(stacks, "aws_kms_key"),
      alarms: count(stacks, "aws_cloudwatch_metric_alarm"),
      dashboards: count(stacks, "aws_cloudwatch_dashboard"),
      customMetrics: ruleMetrics + processorMetrics,
      idleSqsRequests: path === "buffered" ? ESM_IDLE_RECEIVES_PER_MONTH : 0,
      idleKmsRequests: path === "buffered" ? SQS_KMS_REQUESTS_PER_MONTH : 0,
    },
  };
}

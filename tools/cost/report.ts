/**
 * `npm run cost` as a library: every environment's direct and buffered variant priced, the
 * break-even fleet size, and the starting design (Python, one invocation per update) for comparison.
 */
import type { EnvironmentConfigInput } from "../../lib/config-schema";
import { batchInvocationMs, directInvocationMs } from "./duration";
import { PYTHON_BASELINE, UPDATES_PER_DEVICE_MONTH } from "./assumptions";
import { MeasuredHandler, sampleHistoryItemBytes, synthesizeVariant } from "./inputs";
import { breakEvenDevices, CostLine, fixedMonthly, IngestionPath, PathInputs, perMillionUpdates, storagePerMillionMonth, total } from "./model";
import { PRICE_REGION, PRICES, PRICES_AS_OF } from "./prices";

export interface PathCost {
  readonly path: IngestionPath;
  readonly fixed: readonly CostLine[];
  readonly perMillion: readonly CostLine[];
  readonly inputs: PathInputs;
}

export interface EnvironmentCost {
  readonly label: string;
  readonly configured: IngestionPath;
  readonly direct: PathCost;
  readonly buffered: PathCost;
  /** Devices from which buffered is cheaper a month; undefined: never. */
  readonly breakEvenDevices?: number;
}

export interface CostReport {
  readonly environments: readonly EnvironmentCost[];
  readonly python: { readonly perMillion: readonly CostLine[]; readonly inputs: PathInputs };
  readonly storagePerMillionMonthUsd: number;
  readonly itemBytes: number;
  readonly measured: MeasuredHandler;
}

function pathCost(label: string, input: EnvironmentConfigInput, path: IngestionPath, measured: MeasuredHandler, itemBytes: number): PathCost {
  const v = synthesizeVariant(label, input, path);
  const batchSize = v.config.rules.buffer?.batchSize ?? 1;
  // The batch's handler time: measured for that batch size if the bench had it, else per-event time x records.
  const batchHandlerMs = measured.batchMs !== undefined && measured.batchSize === batchSize ? measured.batchMs : measured.directMs * batchSize;
  const inputs: PathInputs = {
    path,
    memoryMb: v.config.processor.memoryMb,
    architecture: "arm64",
    directInvocationMs: directInvocationMs(measured.directMs),
    batchSize,
    batchInvocationMs: batchInvocationMs(batchHandlerMs, batchSize),
    extraProcessorsMemoryMb: v.config.extraProcessors.map((p) => p.memoryMb),
    rulesPerUpdate: 1,
    itemBytes,
  };
  return { path, fixed: fixedMonthly(v.inventory, PRICES), perMillion: perMillionUpdates(inputs, PRICES), inputs };
}

export function buildCostReport(environments: Readonly<Record<string, EnvironmentConfigInput>>, measured: MeasuredHandler): CostReport {
  const itemBytes = sampleHistoryItemBytes();
  const envs = Object.entries(environments).map(([label, input]): EnvironmentCost => {
    const direct = pathCost(label, input, "direct", measured, itemBytes);
    const buffered = pathCost(label, input, "buffered", measured, itemBytes);
    return {
      label,
      configured: input.rules?.ingestion ?? "direct",
      direct,
      buffered,
      breakEvenDevices: breakEvenDevices(
        { fixedUsd: total(direct.fixed), perMillionUsd: total(direct.perMillion) },
        { fixedUsd: total(buffered.fixed), perMillionUsd: total(buffered.perMillion) },
        UPDATES_PER_DEVICE_MONTH,
      ),
    };
  });
  const b = PYTHON_BASELINE;
  const pythonInputs: PathInputs = {
    path: "direct",
    memoryMb: b.memoryMb,
    architecture: b.architecture,
    directInvocationMs: (1 - b.coldShare) * b.warmMs + b.coldShare * b.coldMs,
    batchSize: 1,
    batchInvocationMs: 0,
    extraProcessorsMemoryMb: [],
    rulesPerUpdate: 1,
    itemBytes,
  };
  return { environments: envs, python: { perMillion: perMillionUpdates(pythonInputs, PRICES), inputs: pythonInputs }, storagePerMillionMonthUsd: storagePerMillionMonth(itemBytes, PRICES), itemBytes, measured };
}

const usd = (n: number) => (n >= 100 ? `$${n.toFixed(0)}` : n >= 1 ? `$${n.toFixed(2)}` : `$${n.toFixed(3)}`);
const int = (n: number) => Math.round(n).toLocaleString("en-US");

export function formatCostReport(r: CostReport): string {
  const rows = r.environments.map((e) => {
    const mark = (p: IngestionPath) => (e.configured === p ? " (configured)" : "");
    return `| ${e.label} | ${usd(total(e.direct.fixed))}${mark("direct")} | ${usd(total(e.direct.perMillion))} | ${usd(total(e.buffered.fixed))}${mark("buffered")} | ${usd(total(e.buffered.perMillion))} (batch ${e.buffered.inputs.batchSize}) | ${e.breakEvenDevices === undefined ? "never" : int(e.breakEvenDevices)} |`;
  });
  const prod = r.environments.find((e) => e.label === "prod") ?? r.environments[0];
  const parts = (lines: readonly CostLine[]) => lines.filter((l) => l.usd > 0).map((l) => `${l.component} ${usd(l.usd)}`).join(", ");
  const pythonTotal = total(r.python.perMillion);
  return [
    `Prices: ${PRICE_REGION}, on-demand list prices as of ${PRICES_AS_OF} (tools/cost/prices.ts names each page). Fleet: ${int(UPDATES_PER_DEVICE_MONTH)} updates per device and month (one every 5 minutes).`,
    `Processor duration: handler ${r.measured.directMs.toFixed(2)} ms per event (${r.measured.source}) + a 5 ms DynamoDB round trip per sequential put (tools/cost/duration.ts); memory from each environment's config; arm64.`,
    `History item: ${r.itemBytes} bytes (${Math.ceil(r.itemBytes / 1024)} WRU per write); storage adds ${usd(r.storagePerMillionMonthUsd)} per million stored updates for every month they are kept (table + PITR), on either path.`,
    "",
    "| environment | direct: fixed / month | direct: per million updates | buffered: fixed / month | buffered: per million updates | buffered cheaper from (devices) |",
    "| --- | --- | --- | --- | --- | --- |",
    ...rows,
    "",
    `${prod.label}, per million updates. Direct: ${parts(prod.direct.perMillion)}. Buffered: ${parts(prod.buffered.perMillion)}.`,
    `${prod.label}, fixed per month. Direct: ${parts(prod.direct.fixed)}. Buffered: ${parts(prod.buffered.fixed)}.`,
    `Starting design (one Python invocation per update, no batching; assumed ${PYTHON_BASELINE.warmMs} ms warm, ${PYTHON_BASELINE.coldMs} ms cold for ${PYTHON_BASELINE.coldShare * 100}% of invocations, ${PYTHON_BASELINE.memoryMb} MB x86_64): ${usd(pythonTotal)} per million updates (${parts(r.python.perMillion)}); ${prod.label} direct is ${(total(prod.direct.perMillion) / pythonTotal).toFixed(3)}x that, buffered ${(total(prod.buffered.perMillion) / pythonTotal).toFixed(3)}x.`,
  ].join("\n");
}

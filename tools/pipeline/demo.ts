/**
 * `npm run demo` as a library: synthesize one environment, start the local
 * pipeline, run the fleet scenario, verify the history, summarize.
 */
import { relative } from "node:path";
import { formatHistoryTable } from "../history-reader";
import type { HistoryRecord } from "../history-reader";
import type { JsonObject } from "../shadow-emulator";
import { LocalPipeline } from "./pipeline";
import { FleetScenarioResult, runFleetScenario } from "./scenario";
import { SynthesizedEnvironment, synthesizeEnvironment } from "./synth";
import { HistoryVerification, verifyHistory } from "./verify";

export interface DemoOptions {
  /** Raw environment configs keyed by label (environments/index.ts). */
  readonly environments: Readonly<Record<string, unknown>>;
  /** @default "dev" */
  readonly env?: string;
  /** Fleet size. @default 20 */
  readonly things?: number;
  /** The named shadow each device keeps. @default "config" when the environment routes it, else its first configured named shadow */
  readonly namedShadow?: string;
  /** @default 10 */
  readonly burstSize?: number;
  /** Simulated start time, epoch ms. @default Date.now() */
  readonly startTimeMs?: number;
  /** @default "<repo>/dist/functions" */
  readonly functionsDistDir?: string;
}

export interface DriftedShadow {
  readonly thingName: string;
  readonly shadowName: string;
  readonly version: number;
  readonly drift: JsonObject;
}

export interface DemoRun {
  readonly synth: SynthesizedEnvironment;
  /** Still running: query it, publish more, then `stop()`. */
  readonly pipeline: LocalPipeline;
  readonly scenario: FleetScenarioResult;
  readonly verification: HistoryVerification;
  /** Latest version of each shadow whose desired state still differs from reported. */
  readonly drifted: readonly DriftedShadow[];
  /** True when every accepted update is stored exactly once and the scenario went as planned. */
  readonly ok: boolean;
  stop(): Promise<void>;
}

export async function runDemo(options: DemoOptions): Promise<DemoRun> {
  const synth = synthesizeEnvironment({ environments: options.environments, env: options.env ?? "dev", functionsDistDir: options.functionsDistDir });
  const pipeline = await LocalPipeline.start({ platform: synth.platform, data: synth.data, functionsDistDir: options.functionsDistDir, startTimeMs: options.startTimeMs });
  try {
    const { shadows, devices } = synth.config;
    const routable = shadows.named === "all" ? ["config"] : shadows.named;
    const scenario = await runFleetScenario(pipeline, {
      things: options.things,
      namedShadow: options.namedShadow ?? (routable.includes("config") || routable.length === 0 ? "config" : routable[0]),
      burstSize: options.burstSize,
      // Simulate the product line's own devices (names in its thing-name space) and only the shadows it routes.
      thingNamePrefix: `${devices.thingType.name}-`.startsWith(synth.config.thingNamePrefix) ? `${devices.thingType.name}-` : synth.config.thingNamePrefix,
      classic: shadows.classic,
    });
    const verification = await verifyHistory(pipeline);
    const drifted = latestDrift(verification.items);
    const ok = verification.ok && scenario.surprises.length === 0;
    return { synth, pipeline, scenario, verification, drifted, ok, stop: () => pipeline.stop() };
  } catch (error) {
    await pipeline.stop();
    throw error;
  }
}

function latestDrift(items: ReadonlyMap<string, readonly HistoryRecord[]>): DriftedShadow[] {
  const latest = new Map<string, HistoryRecord>();
  for (const record of [...items.values()].flat()) {
    const key = `${record.thingName}/${record.shadowName}`;
    if ((latest.get(key)?.version ?? -1) < record.version) latest.set(key, record);
  }
  return [...latest.values()]
    .filter((r) => r.hasDrift)
    .map((r) => ({ thingName: r.thingName, shadowName: r.shadowName, version: r.version, drift: r.drift }))
    .sort((a, b) => `${a.thingName}/${a.shadowName}`.localeCompare(`${b.thingName}/${b.shadowName}`));
}

const section = (title: string) => `\n${title}\n${"-".repeat(title.length)}`;
const kv = (totals: Record<string, number>) => Object.entries(totals).map(([k, v]) => `${k} ${v}`).join(", ") || "none";

/** The demo's printed summary; `sample` is one thing's history read back with the HistoryReader. */
export function formatDemoReport(run: DemoRun, sample?: { thingName: string; records: readonly HistoryRecord[] }): string {
  const { synth, pipeline, scenario, verification: v } = run;
  const lines: string[] = [];
  const fns = [...pipeline.functions.values()].map((f) => f.fn);
  lines.push(`Local shadow pipeline: environment ${synth.env} (stacks ${synth.platform.name}, ${synth.data.name})`);
  lines.push(`  topic rules  ${pipeline.engine.rules.map((r) => r.name).join(", ")}`);
  for (const fn of fns) {
    lines.push(`  processor    ${fn.functionName} -> ${relative(process.cwd(), fn.bundleFile)} (async, ${fn.maximumRetryAttempts} retries, then ${fn.failureDestinationLabel ?? "discarded"})`);
  }
  const keys = pipeline.table.createInput.KeySchema?.map((k) => `${k.AttributeName} (${k.KeyType})`).join(", ");
  lines.push(`  table        ${pipeline.table.tableName} on ${pipeline.dynamo.endpoint}, key ${keys}, indexes ${pipeline.table.createInput.GlobalSecondaryIndexes?.map((g) => g.IndexName).join(", ") ?? "none"}`);

  lines.push(section(`Scenario: ${scenario.things.length} thing(s), ${scenario.classic ? "classic + " : ""}named "${scenario.namedShadow}"`));
  for (const s of scenario.steps) {
    const rejected = s.rejected.map((r) => `${r.code} ${r.message}`).join("; ");
    lines.push(`  ${s.name.padEnd(12)} accepted ${String(s.accepted).padStart(4)}  rejected ${String(s.rejected.length).padStart(2)}  ${s.description}${rejected ? ` [${rejected}]` : ""}`);
  }
  lines.push(`  burst: ${scenario.burst.updates} updates of ${scenario.burst.thingName} share shadow timestamp(s) ${scenario.burst.timestamps.join(", ")}`);

  lines.push(section("What happened"));
  lines.push(`  shadow updates   ${pipeline.acceptedUpdates.length} accepted, ${pipeline.rejectedUpdates.length} rejected`);
  lines.push(`  rule metrics     ${kv(pipeline.metrics.totals("rule"))}`);
  lines.push(`  processor        ${kv(pipeline.metrics.totals("processor"))}`);
  lines.push(`  lambda           ${pipeline.invocations.length} async invocation(s), ${pipeline.retries} retr${pipeline.retries === 1 ? "y" : "ies"}, ${pipeline.deadLetters.length} dead-lettered`);
  for (const d of pipeline.deadLetters) lines.push(`    dead letter -> ${fns.find((f) => f.functionName === d.functionName)?.failureDestinationLabel ?? d.destination}: ${d.error.name}: ${d.error.message}`);
  if (pipeline.otherOutput.length > 0) lines.push(`  other output     ${pipeline.otherOutput.length} line(s) from the bundles, e.g. ${JSON.stringify(pipeline.otherOutput[0].slice(0, 80))}`);
  lines.push(`  error actions    ${pipeline.errorActions.length}${pipeline.errorActions.map((e) => `\n    ${e.rule}: ${e.error.name}: ${e.error.message}`).join("")}`);

  lines.push(section("History items per thing"));
  for (const [thing, records] of v.items) {
    const perShadow = new Map<string, number>();
    for (const r of records) perShadow.set(r.shadowName, (perShadow.get(r.shadowName) ?? 0) + 1);
    lines.push(`  ${thing.padEnd(16)} ${String(records.length).padStart(3)}  (${[...perShadow].map(([s, n]) => `${s} ${n}`).join(", ")})`);
  }
  lines.push(section("Drift detected (latest version, desired != reported)"));
  if (run.drifted.length === 0) lines.push("  none");
  for (const d of run.drifted) lines.push(`  ${d.thingName} ${d.shadowName} v${d.version}: ${JSON.stringify(d.drift)}`);

  if (sample) {
    lines.push(section(`History of ${sample.thingName} (read back with HistoryReader.versions)`));
    lines.push(formatHistoryTable(sample.records).replace(/^/gm, "  "));
  }

  lines.push(section("Result"));
  lines.push(`  accepted ${v.expected}, stored ${v.stored}; missing ${v.missing.length}, doubled ${v.doubled.length}, unexpected ${v.unexpected.length + v.untracked}, rejected-but-stored ${v.rejectedStored.length}, timestamp mismatches ${v.mismatched.length}`);
  for (const m of v.missing.slice(0, 10)) lines.push(`  MISSING ${m.thingName} ${m.shadowName} v${m.version}: ${m.reason}`);
  for (const s of scenario.surprises) lines.push(`  SURPRISE ${s}`);
  lines.push(run.ok ? "  OK: every accepted update is in the history exactly once; rejected updates are not." : "  FAILED: the history does not match the accepted updates (see above).");
  return lines.join("\n");
}

/** Renders one run's results as BENCHMARKS.md and as the table `npm run bench` prints. */
import { e2eScaleSection } from "./e2e-scale";
import { engineSection } from "./engine";
import { shardsSection } from "./shards";
import { int, kib, mb, medMin, mib, ms, pct, ratioText, table, x } from "./format";
import type { ProfileShare } from "./profile";
import type { BenchResults } from "./results";
import { Ratio, Summary, median, ratio } from "./stats";
import type { SynthVariant } from "./synth";
import { devicePoints, evaluateTargets, handlerExtra, largeFleetParagraph, perDevice, readmeSummary } from "./targets";

const shares = (p: readonly ProfileShare[]) => table(["where the CPU time goes", "share"], p.map((s) => [s.category, pct(s.share)]));

function targetsSection(r: BenchResults): string {
  const rows = evaluateTargets(r).map((t) => [t.target, t.measured, t.met ? "**met**" : `**${t.verdict}**`, t.dominates]);
  return `## Targets\n\nRatios are median to median (min to min in brackets).\n\n${table(["target", "measured", "status", "what dominates"], rows)}`;
}

function synthSection(r: BenchResults): string {
  const { deep, root, deepNoSourceMaps, floor } = r.synth.envs;
  const row = (label: string, v: SynthVariant) => {
    const t: Ratio = ratio(v.wallMs, root.wallMs);
    const m: Ratio = ratio(v.rssMb, root.rssMb);
    return [label, medMin(v.wallMs, ms), ratioText(t), medMin(v.rssMb, mb), ratioText(m)];
  };
  const phases = (label: string, v: SynthVariant) => [label, ms(v.phases.boot), ms(v.phases.barrel), ms(v.phases.load), ms(v.phases.build), ms(v.phases.synth)];
  const base = r.synth.cli.find((c) => c.command === "node dist/app/main.js") ?? r.synth.cli[0];
  const cliRows = r.synth.cli.map((c) => [`\`${c.command}\``, c.label, medMin(c.wallMs, ms), ratioText(ratio(c.wallMs, base.wallMs))]);
  return [
    "## 1. Synth",
    `All environments (${deep.stacks} stacks), each synth in a fresh process; wall time from spawn to exit (node start included; the child is precompiled JavaScript, as the shipped app is), peak RSS of the child. ${r.synth.runs} runs per variant, interleaved.`,
    table(
      ["variant", "wall median (min)", "time vs root", "peak RSS median (min)", "RSS vs root"],
      [
        row("**project app (deep imports)**", deep),
        row("baseline: same app after loading the package-root barrel (`root`)", root),
        row("what-if: project app with Node source maps off", deepNoSourceMaps),
        row("floor: node start-up, nothing loaded", floor),
      ],
    ),
    "Where the time goes inside the child (medians):",
    table(["variant", "boot (node)", "root barrel", "load modules", "build constructs", "synth"], [phases("deep", deep), phases("root", root), phases("deep, source maps off", deepNoSourceMaps)]),
    "CPU profile of one untimed deep synth of all environments:",
    shares(r.synth.profiles.envs),
    "cdktf captures a full stack trace for every token it creates (every attribute reference); with Node's source-map support on (as under tsx) each capture maps every frame. The shipped app is precompiled JavaScript (scripts/build-app.mjs) run without source maps, so that lever is already taken; the 'source maps off' variant shows its effect here.",
    `### cdktf synth CLI vs plain app\n\nSame app, output to a temp dir; ${r.synth.runs} runs each, interleaved; ratio against \`node dist/app/main.js\` (what cdktf.json's app runs after \`npm run build\`; the CLI rows include the CLI's own start-up and the functions/app build its app command runs).`,
    table(["command", "path", "wall median (min)", "vs plain app"], cliRows),
  ].join("\n\n");
}

function scalingSection(r: BenchResults): string {
  const pts = devicePoints(r);
  const first = pts[0];
  const rows = r.synth.scaling.points.map((p) => {
    const prev = typeof p.devices === "number" ? pts[pts.indexOf(p) - 1] : undefined;
    const marginal = prev ? `${perDevice(prev, p).ms.toFixed(2)} ms` : "";
    const growth = prev ? x(p.wallMs.median / prev.wallMs.median) : "";
    return [
      p.devices === "fleet" ? "fleet provisioning (no per-device resources)" : int(p.devices),
      String(r.synth.scaling.runs[String(p.devices)]),
      medMin(p.wallMs, ms),
      x(p.wallMs.median / first.wallMs.median),
      growth,
      marginal,
      medMin(p.rssMb, mb),
      int(p.platformResources),
      mib(p.platformBytes),
    ];
  });
  const largest = pts[pts.length - 1];
  const noMaps = r.synth.scaling.largestNoSourceMaps;
  return [
    "## 2. Scaling with fleet size",
    "`dev` with N generated devices (bench/fleet.ts: inline CSR, 3 attributes, one group, 2 named shadows), one synth per process. The platform stack's cdk.tf.json size and resource count stand in for Terraform state size; plan time against the local AWS is in the last section.",
    table(["devices", "runs", "wall median (min)", "vs 10 devices", "vs previous row", "per added device", "peak RSS median (min)", "platform resources", "platform cdk.tf.json"], rows),
    `At ${int(largest.devices as number)} devices with source maps off: ${medMin(noMaps.wallMs, ms)} (${x(noMaps.wallMs.median / largest.wallMs.median)} of the default), ${medMin(noMaps.rssMb, mb)}.`,
    `CPU profile of one untimed ${int(r.synth.profiles.largestDevices)}-device synth:`,
    shares(r.synth.profiles.largest),
    largeFleetParagraph(r),
  ].join("\n\n");
}

function processorSection(r: BenchResults): string {
  const p = r.processor;
  const tpRows = p.throughput.map((t) => [
    String(t.concurrency),
    medMin(t.handler.eventsPerSec, int),
    medMin(t.raw.eventsPerSec, int),
    ratioText(t.ratio),
    `${t.handler.cpuUsPerEvent.median.toFixed(0)} / ${t.raw.cpuUsPerEvent.median.toFixed(0)}`,
  ]);
  const extra = handlerExtra(r).map((e) => [e.category, e.usPerEvent.toFixed(0)]);
  const init = (label: string, s: { importMs: Summary; firstCallMs: Summary; totalMs: Summary; rssMb: Summary }) => [label, medMin(s.importMs, ms), medMin(s.firstCallMs, ms), medMin(s.totalMs, ms), medMin(s.rssMb, mb)];
  const b = p.bundle;
  return [
    "## 3. Processor",
    `The built bundle (dist/functions/shadow-history/index.js, what Lambda runs) against dynalite on 127.0.0.1 in its own process, versus raw lib-dynamodb \`PutCommand\` calls with the same items (built with functions/shadow-history/transform.ts \`toHistoryItem\` + \`toDocumentItem\`, as the handler builds them), the same condition expression, the same client settings and concurrency, against the same server in the same run. ${p.runs} runs of ${int(p.eventsPerRun)} events per path and concurrency, after one warm-up batch each; the two paths alternate. The handler's stdout (one EMF metrics document per event, ${int(p.stdoutBytesPerEvent)} bytes, which is CloudWatch Logs ingestion volume) goes to a file.`,
    table(["concurrency", "handler events/s median (min)", "raw PutCommand/s median (min)", "handler / raw", "client CPU µs/event handler / raw"], tpRows),
    `Work only the handler does, client CPU per event (one untimed --cpu-prof run per path, ${int(p.profiles.events)} events at concurrency ${p.profiles.concurrency}; categories the raw path also has, such as the SDK and HTTP, are not compared because their difference between two profiled processes is noise):`,
    table(["category", "µs per event"], extra),
    "Where each path's profiled CPU time goes:",
    table(
      ["category", "handler", "raw"],
      [...new Set([...p.profiles.handler, ...p.profiles.raw].map((s) => s.category))].map((c) => [
        c,
        pct(p.profiles.handler.find((s) => s.category === c)?.share ?? 0),
        pct(p.profiles.raw.find((s) => s.category === c)?.share ?? 0),
      ]),
    ),
    `### Module init\n\nA fresh plain \`node\` process per run (as a Lambda cold start): \`require\` of the bundle plus its first handler call, versus \`require\` of \`@aws-sdk/client-dynamodb\` and \`@aws-sdk/lib-dynamodb\` (the SDK packages the handler uses) plus one \`PutCommand\` of the same item. ${p.runs} runs each, interleaved. Ratio (total): ${ratioText(p.init.ratio)}.`,
    table(["process", "import", "first call", "total", "peak RSS"], [init("bundle", p.init.bundle), init("SDK only (baseline)", p.init.sdk)]),
    `### Bundle size\n\nThe deployed zip (made from dist/functions/shadow-history/ as synth packages it): ${kib(b.zipBytes)}, holding ${b.zipEntries.map((e) => `${e.name} (${kib(e.bytes)})`).join(", ")}. ` +
      `${b.sourceMapBytes === undefined ? "The build wrote no source map." : `The source map (${kib(b.sourceMapBytes)}) is a build artifact beside it, dist/functions/shadow-history.js.map, not deployed.`} ` +
      `index.js: ${kib(b.bytes)} minified, ${kib(b.gzipBytes)} gzipped (level 9); budget ${kib(b.budgetBytes)}. With @aws-sdk/* bundled instead of taken from the nodejs22.x runtime it would be ${kib(b.withSdkBytes)} (${kib(b.withSdkGzipBytes)} gzipped). From the esbuild metafile:`,
    table(["package", "bytes in bundle", "share"], b.byPackage.map((e) => [e.name, kib(e.bytes), pct(e.bytes / b.bytes)])),
  ].join("\n\n");
}

function ciSection(r: BenchResults): string {
  if ("skipped" in r.ci) return `## 4. CI\n\nSkipped: ${r.ci.skipped}.`;
  const c = r.ci;
  const steps = (run: NonNullable<typeof c.fallback>) => table(["step", "wall", "share"], [...run.steps.map((s) => [s.name, ms(s.ms), pct(s.ms / run.totalMs)]), ["**total**", `**${ms(run.totalMs)}**`, "100%"]]);
  const parts = [
    "## 4. CI",
    `\`bash .ci/run\` on a clean clone of commit ${c.commit} (HEAD; uncommitted changes are not in the clone), measured once, not 5×. Steps are split by a preload that records every node process (bench/ci-timer.cjs).`,
    c.ciRun.ok ? steps(c.ciRun) : `**.ci/run failed** after ${ms(c.ciRun.totalMs)}:\n\n\`\`\`\n${c.ciRun.failure ?? ""}\n\`\`\``,
  ];
  if (c.fallback) parts.push(`The same steps with \`npm install\` instead of \`npm ci\` (${c.fallback.ok ? "passed" : "failed"}):`, steps(c.fallback));
  if (c.jest) {
    parts.push(
      `Slowest test files, from a second \`jest --json\` run (${int(c.jest.files)} files, ${int(c.jest.tests)} tests, ${ms(c.jest.wallMs)} wall with 2 workers):`,
      table(["test file", "tests", "time"], c.jest.slowestFiles.map((f) => [f.name, String(f.tests ?? ""), ms(f.ms)])),
      "Slowest single tests:",
      table(["test", "time"], c.jest.slowestTests.map((t) => [t.name.replace(/\|/g, "\\|"), ms(t.ms)])),
    );
  }
  return parts.join("\n\n");
}

function burstSection(r: BenchResults): string {
  if (!r.burst) return "## Burst\n\nbench/burst.ts was not present; nothing measured.";
  const b = r.burst;
  const med = median;
  return [
    "## Burst (bench/burst.ts)",
    `${b.settings}; ${b.runs} runs; dynalite in the same process as the handler, so figures include the server's work. Correct (every distinct update stored once, nothing else): ${b.correct ? "yes, in every run" : "**no**"}.`,
    table(
      ["figure", "median", "best"],
      [
        ["events/s", int(med(b.eventsPerSecond)), int(Math.max(...b.eventsPerSecond))],
        ["latency p50", ms(med(b.p50Ms)), ms(Math.min(...b.p50Ms))],
        ["latency p99", ms(med(b.p99Ms)), ms(Math.min(...b.p99Ms))],
      ],
    ),
    `Against the raw PutCommand rate at concurrency 16 in section 3: ${x(med(b.eventsPerSecond) / (r.processor.throughput.find((t) => t.concurrency === 16)?.raw.eventsPerSec.median ?? Number.NaN))} (different server placement, so only indicative).`,
  ].join("\n\n");
}

/** The storm section; its "Measured handler time (cost model input)" line is what `npm run cost` reads. */
export function stormSection(r: Pick<BenchResults, "storm">): string {
  if (!r.storm) return "## Reconnect storm\n\nNot measured in this run.";
  if ("skipped" in r.storm) return `## Reconnect storm\n\nSkipped: ${r.storm.skipped}.`;
  const s = r.storm;
  const row = (p: typeof s.buffered) => [
    p.path,
    int(p.stored),
    String(p.lost),
    String(p.doubled),
    `${p.deadLettered.poison} poison, ${p.deadLettered.valid} valid`,
    ms(p.drainMs),
    int(p.eventsPerSecond),
    ms(p.latencyMs.p99),
    int(p.invocations),
    p.throttles === undefined ? "-" : int(p.throttles),
  ];
  const set = s.settings;
  return [
    "## Reconnect storm (bench/storm.ts)",
    `${int(set.events)} updates of ${int(set.things)} things arriving within ${set.arrivalSeconds} s, plus ${set.poison} poison events, at a concurrency cap of ${set.concurrency}; prod's settings (batch ${set.batchSize}, window ${set.maximumBatchingWindowSeconds} s, maxReceiveCount ${set.maxReceiveCount}, visibility ${set.visibilityTimeoutSeconds} s; direct: ${set.maximumRetryAttempts} retries, maximum event age ${set.maximumEventAgeSeconds} s). The built bundle writes to dynalite, one invocation at a time; AWS time is simulated (tools/pipeline/event-loop.ts): an invocation lasts its measured duration plus ${s.dynamodbRoundTripMs} ms per sequential DynamoDB put, and visibility timeouts, retry delays and throttle backoff take no real time. One run, both paths in one process.`,
    table(["path", "stored", "lost", "doubled", "dead-letter queue", "drain time", "events/s", "p99 arrival to stored", "invocations", "throttles"], [row(s.buffered), row(s.direct)]),
    `Buffered / direct: events/s ${x(s.buffered.eventsPerSecond / s.direct.eventsPerSecond)}, p99 latency ${x(s.buffered.latencyMs.p99 / s.direct.latencyMs.p99)}, invocations ${x(s.buffered.invocations / s.direct.invocations)}, billed Lambda time ${x(s.buffered.billedMs / s.direct.billedMs)}. Poison reached the buffered dead-letter queue after ${ms(s.buffered.deadLetteredByMs)} (${set.maxReceiveCount} receives).`,
    `Measured handler time (cost model input): direct ${s.measuredMs.direct.toFixed(2)} ms per event, ${s.measuredMs.batch.toFixed(2)} ms per batch of ${s.measuredMs.batchSize}.`,
  ].join("\n\n");
}

export function renderMarkdown(r: BenchResults): string {
  const m = r.meta;
  const loads = Object.entries(m.load)
    .map(([k, v]) => `${k} ${v.toFixed(2)}`)
    .join(", ");
  return `${[
    "# Benchmarks",
    `Generated by \`${m.command}\` (bench/run.ts); do not edit by hand, rerun the command. Every figure below is what that command printed on this machine.`,
    "## Summary for README",
    readmeSummary(r),
    largeFleetParagraph(r),
    "## Machine and run",
    table(
      ["", ""],
      [
        ["command", `\`${m.command}\``],
        ["date", m.date],
        ["commit", `${m.commit}${m.dirty ? " + uncommitted changes" : ""}`],
        ["node", m.node],
        ["cores", `${m.cores} × ${m.cpuModel}`],
        ["memory", `${m.memoryGiB.toFixed(1)} GiB`],
        ["1-min load average at each section's start", loads],
        ["repetitions", `${m.runs} per figure unless a table says otherwise; median and min`],
        ["bench duration", ms(m.durationMs)],
      ],
    ),
    "These machines are noisy (other work shows in the load average above), so every machine-dependent figure is also given as a ratio against a baseline measured in the same run; absolute times are for orientation only.",
    targetsSection(r),
    synthSection(r),
    scalingSection(r),
    shardsSection(r.shards),
    processorSection(r),
    ciSection(r),
    burstSection(r),
    stormSection(r),
    ...(r.engine ? [engineSection(r.engine)] : []),
    e2eScaleSection(r.e2eScale),
  ].join("\n\n")}\n`;
}

/** The table printed at the end of `npm run bench`. */
export function renderConsole(r: BenchResults): string {
  const rows = evaluateTargets(r).map((t) => [t.target, t.measured, t.met ? "met" : t.verdict]);
  const widths = [0, 1, 2].map((i) => Math.max(...[["target", "measured", "status"], ...rows].map((row) => row[i].length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ");
  const extra = [
    `synth, all environments: deep ${medMin(r.synth.envs.deep.wallMs, ms)}, ${mb(r.synth.envs.deep.rssMb.median)}; root ${medMin(r.synth.envs.root.wallMs, ms)}, ${mb(r.synth.envs.root.rssMb.median)}`,
    ...r.synth.cli.map((c) => `${c.command}: ${medMin(c.wallMs, ms)}`),
    ...devicePoints(r).map((p) => `${int(p.devices as number)} devices: ${medMin(p.wallMs, ms)}, ${mb(p.rssMb.median)}, ${int(p.platformResources)} resources, ${mib(p.platformBytes)}`),
    `processor init: bundle ${medMin(r.processor.init.bundle.totalMs, ms)} vs SDK ${medMin(r.processor.init.sdk.totalMs, ms)}; bundle ${kib(r.processor.bundle.bytes)} (${kib(r.processor.bundle.gzipBytes)} gz)`,
    "skipped" in r.ci ? "CI: skipped" : `CI: ${ms((r.ci.fallback ?? r.ci.ciRun).totalMs)}${r.ci.ciRun.ok ? "" : " (.ci/run failed; fallback timed)"}`,
  ];
  return [line(["target", "measured", "status"]), line(widths.map((w) => "-".repeat(w))), ...rows.map(line), "", ...extra].join("\n");
}

/**
 * The real-engine toolchain: cold build figures recorded by `npm run tools:terraform`
 * when it last built each piece (tools/engine manifest), and a warm run, validate and
 * checkov timed here, each once.
 */
import { BuildMeasurement } from "../tools/engine/go-build";
import { Manifest, engineEnv, readManifest } from "../tools/engine/manifest";
import { toolPaths } from "../tools/engine/paths";
import { ms, table } from "./format";
import { run } from "./proc";

export interface EngineResults {
  readonly manifest: Manifest;
  readonly warmMs: number;
  readonly validateMs: number;
  readonly validateSummary: string;
  readonly checkovMs: number;
  readonly checkovSummary: string;
}

export type EngineBench = EngineResults | { readonly skipped: string };

const lastLine = (text: string, prefix: string) => text.split("\n").filter((l) => l.startsWith(prefix)).pop() ?? "(no summary line)";

export function benchEngine(log: (line: string) => void): EngineBench {
  const paths = toolPaths();
  if (!readManifest(paths)) return { skipped: "no toolchain: run `npm run tools:terraform` first" };
  log("engine: warm `npm run tools:terraform` (everything present)");
  const warm = run(process.execPath, ["--import", "tsx", "scripts/tools-terraform.ts"]);
  const manifest = readManifest(paths)!;
  const env = engineEnv(manifest, paths);
  log("engine: validate:terraform over every synthesized stack");
  const validate = run(process.execPath, ["--import", "tsx", "scripts/validate-terraform.ts"], { env, check: false });
  log("engine: check:checkov");
  const checkov = run(process.execPath, ["--import", "tsx", "scripts/check-checkov.ts"], { env, check: false });
  return {
    manifest,
    warmMs: warm.wallMs,
    validateMs: validate.wallMs,
    validateSummary: lastLine(validate.stdout, "validate:"),
    checkovMs: checkov.wallMs,
    checkovSummary: lastLine(checkov.stdout, "checkov:"),
  };
}

const buildRow = (name: string, b: BuildMeasurement | undefined): string[] =>
  b
    ? [name, ms(b.seconds * 1000), b.peakRssKiB ? `${Math.round(b.peakRssKiB / 1024)} MiB` : "—", String(b.packages), b.at.slice(0, 16).replace("T", " "), b.note ?? ""]
    : [name, "not built here", "—", "—", "—", ""];

export function engineSection(r: EngineBench): string {
  if ("skipped" in r) return `## 5. Real-engine toolchain\n\nSkipped: ${r.skipped}.`;
  const b = r.manifest.builds;
  // The Go builds run one after the other; the PyPI install runs beside them (it waits on the network, they on the CPU).
  const goSeconds = (b.opentofu?.seconds ?? 0) + (b.provider?.seconds ?? 0);
  const cold = Math.max(goSeconds, b.python?.seconds ?? 0);
  const dominant = [
    ["the AWS provider compile", b.provider?.seconds ?? 0],
    ["the OpenTofu compile", b.opentofu?.seconds ?? 0],
    ["the PyPI install of checkov and moto", b.python?.seconds ?? 0],
  ].sort((x, y) => (y[1] as number) - (x[1] as number))[0][0];
  return [
    "## 5. Real-engine toolchain",
    `Engine: ${r.manifest.engine.binaryName} ${r.manifest.engine.version} (${r.manifest.engine.kind}); provider hashicorp/aws ${r.manifest.provider.version} (the stacks pin ${r.manifest.provider.pinned}${r.manifest.provider.substitution ? "; see tools/engine/README.md for why the mirror holds another build" : ""}).`,
    "Cold builds, as recorded by `npm run tools:terraform` the last time it built each piece (wall time includes resolving and downloading modules; peak memory is the largest single process, GNU time's maximum RSS, usually the linker):",
    table(["piece", "cold wall", "peak memory", "packages", "built at (UTC)", "conditions"], [buildRow("OpenTofu", b.opentofu), buildRow("AWS provider", b.provider), buildRow("checkov + moto (PyPI)", b.python)]),
    `A cold cache therefore adds about ${ms(cold * 1000)} to CI before validation starts, dominated by ${dominant}: the two Go builds run one after the other on 2 cores, and the PyPI install runs beside them.`,
    table(
      ["run (once each, this bench)", "wall", "result"],
      [
        ["warm `npm run tools:terraform`", ms(r.warmMs), "everything present"],
        ["`validate:terraform` (init + validate per stack)", ms(r.validateMs), r.validateSummary],
        ["`check:checkov`", ms(r.checkovMs), r.checkovSummary],
      ],
    ),
  ].join("\n\n");
}

/**
 * Real checkov over the synthesized JSON, with waivers per (check id, resource
 * address). checkov cannot skip one resource inside a JSON file, so it runs with no
 * skips and the waivers are applied to its JSON report here.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CheckovWaiver } from "./checkov-waivers";

export interface CheckovFailure {
  readonly checkId: string;
  readonly checkName: string;
  readonly stack: string;
  /** `<type>.<name>` as in a plan. */
  readonly address: string;
}

export interface CheckovResult {
  readonly passed: number;
  readonly failures: readonly CheckovFailure[];
  readonly waived: readonly { readonly failure: CheckovFailure; readonly waiver: CheckovWaiver }[];
  readonly unwaived: readonly CheckovFailure[];
  readonly unusedWaivers: readonly CheckovWaiver[];
  readonly parsingErrors: readonly string[];
  readonly version: string;
}

interface RawCheck {
  check_id: string;
  check_name: string;
  file_abs_path: string;
  file_path: string;
  resource: string;
}

interface RawReport {
  check_type: string;
  summary: { passed: number; failed: number; parsing_errors: number; checkov_version: string };
  results: { failed_checks: RawCheck[]; parsing_errors?: string[] };
}

/**
 * checkov's terraform_json parser reports `resource.<name>` without the type; the
 * type is the one block of the stack that holds that name (cdktf names are unique per stack).
 */
export function resourceAddress(raw: string, tfJson: { resource?: Record<string, Record<string, unknown>> }): string {
  const name = raw.replace(/^resource\./, "");
  if (name.includes(".")) return name;
  const types = Object.keys(tfJson.resource ?? {}).filter((t) => name in (tfJson.resource?.[t] ?? {}));
  return types.length === 1 ? `${types[0]}.${name}` : raw;
}

export function stackOf(filePath: string): string {
  const parts = filePath.split("/").filter(Boolean);
  return parts[parts.length - 2] ?? filePath;
}

export function matches(waiver: CheckovWaiver, failure: CheckovFailure): boolean {
  if (waiver.check !== failure.checkId) return false;
  if (waiver.stacks && !waiver.stacks.some((s) => new RegExp(`^${s.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`).test(failure.stack))) {
    return false;
  }
  return waiver.addresses.includes(failure.address);
}

export function applyWaivers(reports: readonly RawReport[], tfJsonOf: (absPath: string) => object, waivers: readonly CheckovWaiver[]): CheckovResult {
  const failures: CheckovFailure[] = reports.flatMap((r) =>
    r.results.failed_checks.map((c) => ({
      checkId: c.check_id,
      checkName: c.check_name,
      stack: stackOf(c.file_path),
      address: resourceAddress(c.resource, tfJsonOf(c.file_abs_path) as never),
    })),
  );
  const waived: { failure: CheckovFailure; waiver: CheckovWaiver }[] = [];
  const unwaived: CheckovFailure[] = [];
  const used = new Set<CheckovWaiver>();
  for (const failure of failures) {
    const waiver = waivers.find((w) => matches(w, failure));
    if (waiver) {
      used.add(waiver);
      waived.push({ failure, waiver });
    } else unwaived.push(failure);
  }
  return {
    passed: reports.reduce((n, r) => n + r.summary.passed, 0),
    failures,
    waived,
    unwaived,
    unusedWaivers: waivers.filter((w) => !used.has(w)),
    parsingErrors: reports.flatMap((r) => r.results.parsing_errors ?? []),
    version: reports[0]?.summary.checkov_version ?? "unknown",
  };
}

/** Runs checkov from the tool virtualenv; `--skip-download` keeps it off the network. */
export function runCheckov(stacksDir: string, venvBin: string, waivers: readonly CheckovWaiver[]): CheckovResult {
  const checkov = join(venvBin, "checkov");
  if (!existsSync(checkov)) throw new Error(`${checkov} not found: run \`npm run tools:terraform\` first`);
  if (!existsSync(stacksDir)) throw new Error(`${stacksDir} does not exist: run \`npm run synth\` first`);
  const out = spawnSync(checkov, ["-d", stacksDir, "--framework", "terraform_json", "-o", "json", "--skip-download"], {
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, BC_SKIP_MAPPING: "TRUE", LOG_LEVEL: "WARNING" },
  });
  // checkov exits 1 when a check fails; anything without a JSON report is a crash.
  let parsed: RawReport | RawReport[];
  try {
    parsed = JSON.parse(out.stdout);
  } catch {
    throw new Error(`checkov printed no JSON report (exit ${out.status}):\n${(out.stderr || out.stdout).slice(-3000)}`);
  }
  const reports = (Array.isArray(parsed) ? parsed : [parsed]).filter((r) => r.results);
  const cache = new Map<string, object>();
  const tfJsonOf = (p: string) => {
    if (!cache.has(p)) cache.set(p, JSON.parse(readFileSync(p, "utf8")));
    return cache.get(p)!;
  };
  return applyWaivers(reports, tfJsonOf, waivers);
}

export function checkovSummaryLine(r: CheckovResult): string {
  return `checkov: ${r.passed} passed, ${r.unwaived.length} failed, ${r.waived.length} waived`;
}

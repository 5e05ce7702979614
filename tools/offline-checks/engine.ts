/** Runs every rule over one stack's Terraform JSON and applies the waivers. */
import { RULES, RuleId } from "./catalog";
import { isObject } from "./json";
import { StackModel } from "./model";
import { ALL_RULES } from "./rules";
import type { CheckOptions, Finding, PassResult, StackEvaluation, Waiver } from "./types";
import { WAIVERS, validateWaivers } from "./waivers";

function waiverFor(waivers: readonly Waiver[], stack: string, ruleId: RuleId, address: string): Waiver | undefined {
  return waivers.find((w) => w.ruleId === ruleId && w.address === address && (w.stack === stack || w.stack === "*"));
}

/** Findings and passes of one stack; `tfJson` is the parsed cdk.tf.json. */
export function evaluateStack(stackName: string, tfJson: object, opts: CheckOptions = {}): StackEvaluation {
  if (!isObject(tfJson)) throw new Error(`stack ${stackName}: expected the parsed cdk.tf.json object`);
  const waivers = validateWaivers(opts.waivers ?? WAIVERS);
  const model = new StackModel(stackName, tfJson, opts.environment);
  const findings: Finding[] = [];
  const passes: PassResult[] = [];
  const used = new Set<Waiver>();

  for (const rule of ALL_RULES) {
    const meta = RULES[rule.id];
    const failed = new Set<string>();
    const passed = new Set<string>();
    const messages = new Set<string>();
    for (const outcome of rule.run(model)) {
      if (!outcome.problem) {
        passed.add(outcome.address);
        continue;
      }
      const message = `${outcome.problem}. Fix: ${meta.fix}`;
      if (messages.has(`${outcome.address}\n${message}`)) continue;
      messages.add(`${outcome.address}\n${message}`);
      failed.add(outcome.address);
      const waiver = waiverFor(waivers, stackName, rule.id, outcome.address);
      if (waiver) used.add(waiver);
      findings.push({
        ruleId: rule.id,
        stack: stackName,
        address: outcome.address,
        message,
        severity: meta.severity,
        status: waiver ? "waived" : meta.severity === "info" ? "info" : "FAIL",
        ...(waiver ? { waived: waiver.reason } : {}),
        ...(outcome.constructPath ? { constructPath: outcome.constructPath } : {}),
      });
    }
    for (const address of [...passed].sort()) {
      if (!failed.has(address)) passes.push({ ruleId: rule.id, stack: stackName, address, status: "pass" });
    }
  }
  // Rules already run in catalog order; sort by address within a rule so JSON key order does not matter.
  const ordered = findings.map((f, i) => ({ f, i })).sort((a, b) => (a.f.ruleId === b.f.ruleId ? a.f.address.localeCompare(b.f.address) || a.i - b.i : a.i - b.i));
  return { stack: stackName, environment: model.environment, findings: ordered.map((o) => o.f), passes, usedWaivers: [...used] };
}

/** Every finding of one stack (waived ones included, marked with their reason). */
export function checkStack(stackName: string, tfJson: object, opts: CheckOptions = {}): Finding[] {
  return [...evaluateStack(stackName, tfJson, opts).findings];
}

/** The findings that fail the check: not waived and not info-level. */
export function blockingFindings(findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => f.status === "FAIL");
}

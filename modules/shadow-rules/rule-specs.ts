/** Which rules exist for a configuration, and what each one does. */
import { RULE_METRICS, RuleMetricName } from "./metrics";
import { documentsSql, driftSql, NamedShadowSelection, ShadowShape } from "./sql";
import type { ShadowRulePurpose } from "./index";

export interface RuleSpec {
  readonly purpose: ShadowRulePurpose;
  readonly nameSuffix: string;
  readonly sql: string;
  readonly metric: RuleMetricName;
  readonly invokesProcessors: boolean;
  readonly description: string;
}

export function statementId(ruleName: string): string {
  const sid = `AllowIotRule-${ruleName}`;
  if (sid.length > 100) {
    throw new Error(`ShadowRules ruleNamePrefix: Lambda permission statement id "${sid}" exceeds 100 characters; use a shorter ruleNamePrefix`);
  }
  return sid;
}

export function ruleSpecs(classic: boolean, named: NamedShadowSelection, driftMetrics: boolean): RuleSpec[] {
  const shapes: ShadowShape[] = [];
  if (classic) shapes.push("classic");
  if (named === "all" || named.length > 0) shapes.push("named");
  const label = (shape: ShadowShape) => (shape === "classic" ? "Classic" : "Named");
  const specs: RuleSpec[] = [];
  for (const shape of shapes) {
    const what = shape === "classic" ? "classic shadow" : named === "all" ? "all named shadows" : `${named.length} configured named shadow(s)`;
    specs.push({
      purpose: `documents${label(shape)}`,
      nameSuffix: `shadow_documents_${shape}`,
      sql: documentsSql(shape, named),
      metric: RULE_METRICS.updatesAccepted,
      invokesProcessors: true,
      description: `Shadow history: ${what} update/documents to the processors, a metric and the error action`,
    });
    if (!driftMetrics) continue;
    specs.push(
      {
        purpose: `delta${label(shape)}`,
        nameSuffix: `shadow_delta_${shape}`,
        sql: driftSql(shape, "delta", named),
        metric: RULE_METRICS.deltaPublished,
        invokesProcessors: false,
        description: `Shadow drift: counts ${what} update/delta messages`,
      },
      {
        purpose: `rejected${label(shape)}`,
        nameSuffix: `shadow_rejected_${shape}`,
        sql: driftSql(shape, "rejected", named),
        metric: RULE_METRICS.updateRejected,
        invokesProcessors: false,
        description: `Shadow drift: counts ${what} update/rejected messages`,
      },
    );
  }
  return specs;
}

/** Which rules exist for a configuration, and what each one does. */
import { assertName } from "../../lib/aws-names";
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

/** The Lambda permission's statement id for a rule; a long ruleNamePrefix can push it past AWS's limit. */
export function statementId(ruleName: string): string {
  return assertName("lambdaStatementId", `AllowIotRule-${ruleName}`, "ShadowRules ruleNamePrefix (shorten it)");
}

export function ruleSpecs(classic: boolean, named: NamedShadowSelection, driftMetrics: boolean, thingNamePrefix: string): RuleSpec[] {
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
      sql: documentsSql(shape, named, thingNamePrefix),
      metric: RULE_METRICS.updatesAccepted,
      invokesProcessors: true,
      description: `Shadow history: ${what} update/documents to the processors, a metric and the error action`,
    });
    if (!driftMetrics) continue;
    specs.push(
      {
        purpose: `delta${label(shape)}`,
        nameSuffix: `shadow_delta_${shape}`,
        sql: driftSql(shape, "delta", named, thingNamePrefix),
        metric: RULE_METRICS.deltaPublished,
        invokesProcessors: false,
        description: `Shadow drift: counts ${what} update/delta messages`,
      },
      {
        purpose: `rejected${label(shape)}`,
        nameSuffix: `shadow_rejected_${shape}`,
        sql: driftSql(shape, "rejected", named, thingNamePrefix),
        metric: RULE_METRICS.updateRejected,
        invokesProcessors: false,
        description: `Shadow drift: counts ${what} update/rejected messages`,
      },
    );
  }
  return specs;
}

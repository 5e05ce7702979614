/**
 * Routes a published message through topic rules the way AWS IoT does:
 * every enabled rule whose FROM/WHERE matches runs all its actions; only a
 * delivery failure of an action reaches the rule's error action.
 */
import { UnsupportedSqlError } from "./errors";
import { EvaluationContext, compileRuleSql, evaluateRuleOnJson, renderSubstitutionTemplate, toJsonValue } from "./evaluate";
import { TopicRuleAction, TopicRuleDef } from "./load";
import { JsonObject } from "../shadow-emulator/json";

/** The only SQL version the evaluator implements (the one the platform uses). */
export const SUPPORTED_SQL_VERSION = "2016-03-23";

export interface ActionContext {
  readonly rule: TopicRuleDef;
  readonly action: TopicRuleAction;
  readonly topic: string;
  /** The rule's SELECT output. */
  readonly event: JsonObject;
}

export interface RuleActionFailure {
  readonly rule: TopicRuleDef;
  readonly action: TopicRuleAction;
  readonly topic: string;
  readonly event: JsonObject;
  readonly error: unknown;
  /** Where AWS IoT would send the failed message; undefined when the rule has no error action. */
  readonly errorAction?: TopicRuleAction;
}

export interface RuleTargets {
  /**
   * Delivers the event to a function (asynchronous invoke, as IoT does). Reject
   * ONLY for an invoke failure (missing function, throttling, permission): a
   * function error belongs to the Lambda's own async retries and on-failure
   * destination, never to the rule's error action.
   */
  invokeLambda(functionArn: string, event: JsonObject, context: ActionContext): Promise<void>;
  putMetric(namespace: string, name: string, value: number, unit: string, context: ActionContext): void | Promise<void>;
  /** Required only when an enabled rule has an `sqs` action. */
  sendToQueue?(queueUrl: string, messageBody: string, context: ActionContext): void | Promise<void>;
  /** Required only when an enabled rule has a `cloudwatch_logs` action. */
  putLogEvent?(logGroupName: string, message: string, context: ActionContext): void | Promise<void>;
  /** A failed action, headed for the rule's error action. */
  onError(rule: TopicRuleDef, failure: RuleActionFailure): void;
}

export interface ActionOutcome {
  readonly action: TopicRuleAction;
  readonly ok: boolean;
  readonly error?: unknown;
}

export interface RuleDispatch {
  readonly rule: string;
  readonly event: JsonObject;
  readonly outcomes: readonly ActionOutcome[];
}

export interface PublishReport {
  readonly topic: string;
  /** Rules that matched, in rule-name order. */
  readonly dispatched: readonly RuleDispatch[];
}

export class RuleEngine {
  /** The enabled rules, in name order; disabled rules are never evaluated. */
  readonly rules: readonly TopicRuleDef[];

  constructor(
    rules: readonly TopicRuleDef[],
    private readonly targets: RuleTargets,
  ) {
    const names = new Set<string>();
    for (const rule of rules) {
      if (names.has(rule.name)) throw new Error(`RuleEngine: two rules are named "${rule.name}"; rule names are unique per account and region`);
      names.add(rule.name);
    }
    this.rules = rules.filter((r) => r.enabled).sort((a, b) => a.name.localeCompare(b.name));
    // Fail before any message flows: unsupported SQL, versions or actions stop the run here.
    for (const rule of this.rules) {
      if (rule.sqlVersion !== SUPPORTED_SQL_VERSION) {
        throw new UnsupportedSqlError(`sql_version ${rule.sqlVersion ?? "(unset)"} (only ${SUPPORTED_SQL_VERSION} is implemented)`, rule.sql, 0, rule.name);
      }
      compileRuleSql(rule);
      for (const action of rule.actions) this.assertRoutable(rule, action);
    }
  }

  /** Evaluates every enabled rule against one message and runs the matching rules' actions. */
  async publish(topic: string, payload: object | string): Promise<PublishReport> {
    const json = toJsonValue(payload);
    const dispatched: RuleDispatch[] = [];
    for (const rule of this.rules) {
      const result = evaluateRuleOnJson(rule, topic, json);
      if (!result.matched) continue;
      const ctx: EvaluationContext = { topic, payload: json };
      // Actions of one rule run concurrently in AWS; settle them all before reporting.
      const outcomes = await Promise.all(rule.actions.map((action) => this.run(rule, action, topic, result.event, ctx)));
      dispatched.push({ rule: rule.name, event: result.event, outcomes });
    }
    return { topic, dispatched };
  }

  private async run(rule: TopicRuleDef, action: TopicRuleAction, topic: string, event: JsonObject, ctx: EvaluationContext): Promise<ActionOutcome> {
    const context: ActionContext = { rule, action, topic, event };
    try {
      await this.deliver(action, event, ctx, context);
      return { action, ok: true };
    } catch (error) {
      // Our own limits are not delivery failures: they must stop the run.
      if (error instanceof UnsupportedSqlError) throw error;
      this.targets.onError(rule, { rule, action, topic, event, error, errorAction: rule.errorAction });
      return { action, ok: false, error };
    }
  }

  private async deliver(action: TopicRuleAction, event: JsonObject, ctx: EvaluationContext, context: ActionContext): Promise<void> {
    const name = context.rule.name;
    switch (action.kind) {
      case "lambda":
        return this.targets.invokeLambda(action.functionArn, structuredClone(event), context);
      case "cloudwatch_metric": {
        const render = (template: string) => renderSubstitutionTemplate(template, ctx, name);
        const rawValue = render(action.metricValue);
        const value = Number(rawValue);
        if (rawValue.trim() === "" || !Number.isFinite(value)) throw new Error(`Topic rule "${name}": metric value "${rawValue}" is not a number`);
        return this.targets.putMetric(render(action.metricNamespace), render(action.metricName), value, render(action.metricUnit), context);
      }
      case "sqs": {
        const body = JSON.stringify(event);
        return this.targets.sendToQueue!(action.queueUrl, action.useBase64 ? Buffer.from(body).toString("base64") : body, context);
      }
      case "cloudwatch_logs":
        return this.targets.putLogEvent!(action.logGroupName, JSON.stringify(event), context);
      case "other":
        throw new Error(`unreachable: ${action.type} was rejected in the constructor`);
    }
  }

  private assertRoutable(rule: TopicRuleDef, action: TopicRuleAction): void {
    if (action.kind === "other") {
      throw new Error(`Topic rule "${rule.name}": the local engine cannot route a "${action.type}" action; extend tools/iot-rules/engine.ts or test this rule another way`);
    }
    if (action.kind === "sqs" && !this.targets.sendToQueue) throw new Error(`Topic rule "${rule.name}" has an sqs action: pass targets.sendToQueue`);
    if (action.kind === "cloudwatch_logs" && !this.targets.putLogEvent) throw new Error(`Topic rule "${rule.name}" has a cloudwatch_logs action: pass targets.putLogEvent`);
    if (action.kind === "cloudwatch_metric") {
      // Parse templates now so an unsupported expression fails before any message flows.
      const probe: EvaluationContext = { topic: "probe", payload: {} };
      for (const template of [action.metricName, action.metricNamespace, action.metricValue, action.metricUnit]) {
        try {
          renderSubstitutionTemplate(template, probe, rule.name);
        } catch (error) {
          if (error instanceof UnsupportedSqlError) throw error;
        }
      }
    }
  }
}

/** Local IoT rules engine: topic filters, an IoT SQL subset, rule loading and routing. Nothing runs at import time. */
export { UnsupportedSqlError, InvalidTopicError } from "./errors";
export { matchesTopicFilter, assertTopicFilter, assertTopicName } from "./topic-filter";
export { parseIotSql, parseIotExpression } from "./sql-parser";
export type { Column, Expr, ParsedIotSql } from "./sql-ast";
export { evaluateRule, evaluateRuleOnJson, evaluateExpr, compileRuleSql, renderSubstitutionTemplate, toJsonValue, UNDEFINED } from "./evaluate";
export type { EvaluationContext, RuleEvaluation, RuleSql, SqlValue } from "./evaluate";
export { loadTopicRules, readSynthesizedStacks, unescapeTerraform, hasTerraformInterpolation } from "./load";
export type { RuleActionKind, SynthesizedStack, TopicRuleAction, TopicRuleDef } from "./load";
export { resolveLambdaFunction } from "./lambda-ref";
export type { LambdaFunctionInfo, LambdaResolution } from "./lambda-ref";
export { RuleEngine, SUPPORTED_SQL_VERSION } from "./engine";
export type { ActionContext, ActionOutcome, PublishReport, RuleActionFailure, RuleDispatch, RuleTargets } from "./engine";

/** Offline validation and security policy pack: the public API. */
export { RULES, RULE_IDS, isRuleId, ruleTableMarkdown } from "./catalog";
export type { RuleId, RuleMeta } from "./catalog";
export { blockingFindings, checkStack, evaluateStack } from "./engine";
export { formatReport } from "./report";
export type { ReportOptions } from "./report";
export { checkSynthDir } from "./synth-dir";
export type { SynthDirResult } from "./synth-dir";
export { ENVIRONMENTS } from "./types";
export type { CheckOptions, Environment, Finding, PassResult, ReportRow, Severity, StackEvaluation, Waiver } from "./types";
export { WAIVERS, validateWaivers } from "./waivers";

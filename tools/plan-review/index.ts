/**
 * Plan review for pull requests: plan JSON -> comment Markdown (scripts/plan-summary.ts)
 * and synthesized-JSON diffs between revisions (scripts/synth-diff.ts).
 */
export { PLAN_REVIEW_STATEFUL_TYPES, statefulReason } from "./stateful";
export { SUPPORTED_FORMAT, driftAddress, parsePlanJson } from "./plan-json";
export type { PlanDriftChange, PlanJson, PlanResourceChange } from "./plan-json";
export { ACTION_REASONS, COUNTED_KINDS, actionReasonText, analyzePlan, classifyActions, naturalCompare } from "./plan-analysis";
export type { ChangeKind, ChangeRow, CountedKind, DeferredRead, DriftRow, PlanAnalysis } from "./plan-analysis";
export { TextEncodingError, decodeText } from "./text-encoding";
export type { DecodeOptions, DecodedText, TextEncodingName } from "./text-encoding";
export { planSummaryMarker, summarizePlan, summarizePlanFailure } from "./plan-summary";
export type { PlanFailureOptions, PlanSummaryOptions } from "./plan-summary";
export { GITHUB_COMMENT_LIMIT } from "./markdown";
export { diffSynth } from "./synth-diff";
export type { StackDiff, SynthDiff, SynthDiffWarning, SynthStacks, TfJson } from "./synth-diff";
export { SYNTH_DIFF_MARKER, renderSynthDiff } from "./synth-diff-markdown";
export type { SynthDiffMarkdownOptions } from "./synth-diff-markdown";
export { readSynthDir } from "./synth-dir";
export { synthRevision, synthWorkingTree } from "./git-synth";
export type { SynthRevisionOptions } from "./git-synth";

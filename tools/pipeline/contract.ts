/**
 * The event contract between the topic rules (infrastructure) and the
 * processor (code): the event a rule's SQL builds from a real
 * `update/documents` message must pass the processor's parser with the right
 * thing and shadow name. Pure: no I/O.
 */
import { InvalidShadowEventError, parseShadowDocumentsEvent } from "../../functions/shadow-history/event";
import { TopicRuleDef, evaluateRule } from "../iot-rules";
import { JsonObject, ShadowService, UpdateDocumentsMessage, shadowTopic } from "../shadow-emulator";

export interface DocumentsSample {
  readonly topic: string;
  readonly thingName: string;
  /** Undefined for the classic shadow. */
  readonly shadowName?: string;
  readonly payload: UpdateDocumentsMessage;
}

/**
 * Real `update/documents` messages from the shadow service emulator, for each
 * shadow: a first update (`previous` null) and a second one (with `previous`).
 */
export function documentsSamples(thingName: string, shadowNames: readonly (string | undefined)[], nowMs = Date.UTC(2025, 0, 1)): DocumentsSample[] {
  const service = new ShadowService({ now: () => nowMs });
  const samples: DocumentsSample[] = [];
  service.subscribe((topic, payload) => {
    if (!topic.endsWith("/update/documents")) return;
    const shadowName = topic.includes("/shadow/name/") ? topic.split("/")[5] : undefined;
    samples.push({ topic, thingName, shadowName, payload: payload as UpdateDocumentsMessage });
  });
  for (const shadow of shadowNames) {
    service.update(thingName, shadow, { state: { reported: { temperature: 21.5, setpoint: 20 } }, clientToken: "contract-1" });
    service.update(thingName, shadow, { state: { desired: { setpoint: 22 } } });
  }
  return samples;
}

export interface ContractResult {
  readonly rule: string;
  readonly topic: string;
  /** The rule's SELECT output: what the Lambda receives. */
  readonly event: JsonObject;
  /** Empty when the processor accepts the event with the expected names. */
  readonly problems: readonly string[];
}

/**
 * Evaluates every enabled rule that delivers to a processor on the sample: a lambda action, or an sqs
 * action (buffered ingestion: the body is the event as JSON, which the processor parses). One result per matching rule.
 */
export function checkLambdaContract(rules: readonly TopicRuleDef[], sample: DocumentsSample): ContractResult[] {
  const results: ContractResult[] = [];
  for (const rule of rules) {
    if (!rule.enabled || !rule.actions.some((a) => a.kind === "lambda" || (a.kind === "sqs" && !a.useBase64))) continue;
    const evaluation = evaluateRule(rule, sample.topic, sample.payload);
    if (!evaluation.matched) continue;
    results.push({ rule: rule.name, topic: sample.topic, event: evaluation.event, problems: contractProblems(evaluation.event, sample) });
  }
  return results;
}

function contractProblems(event: JsonObject, sample: DocumentsSample): string[] {
  let parsed;
  try {
    parsed = parseShadowDocumentsEvent(event);
  } catch (error) {
    if (error instanceof InvalidShadowEventError) return [`the processor rejects the event: ${error.message}`];
    throw error;
  }
  const problems: string[] = [];
  if (parsed.thingName !== sample.thingName) problems.push(`thingName is ${JSON.stringify(parsed.thingName)}, expected ${JSON.stringify(sample.thingName)}`);
  if (parsed.shadowName !== sample.shadowName) {
    problems.push(`shadowName is ${JSON.stringify(parsed.shadowName)}, expected ${sample.shadowName === undefined ? "none (classic shadow)" : JSON.stringify(sample.shadowName)}`);
  }
  if (parsed.current.version !== sample.payload.current.version) problems.push(`current.version is ${parsed.current.version}, expected ${sample.payload.current.version}`);
  if ((parsed.previous?.version ?? null) !== (sample.payload.previous?.version ?? null)) problems.push("previous does not match the documents message");
  return problems;
}

/** The topic a sample for this thing and shadow is published on. */
export function documentsTopic(thingName: string, shadowName?: string): string {
  return shadowTopic(thingName, shadowName, "update", "documents");
}

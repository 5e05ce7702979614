/**
 * The local end-to-end pipeline: shadow service emulator -> topic rules of the
 * synthesized platform stack -> the built processor bundle (async invoke,
 * retries, failure destination) -> a local DynamoDB with the table the data
 * stack synthesizes. Metrics go to an in-memory sink, failed deliveries to the
 * rule's error path. Offline: no AWS credentials, no network beyond 127.0.0.1.
 */
import { join } from "node:path";
import { HistoryReader } from "../history-reader";
import {
  ActionContext,
  PublishReport,
  RuleActionFailure,
  RuleEngine,
  SynthesizedStack,
  TopicRuleAction,
  TopicRuleDef,
  loadTopicRules,
} from "../iot-rules";
import { JsonObject, ShadowService, UpdateDocumentsMessage, RejectedMessage, parseShadowTopic } from "../shadow-emulator";
import { SimulatedClock } from "./clock";
import { applyEnv } from "./env";
import { resolveFunctionEnvironment } from "./function-env";
import { AsyncLambda, DeadLetter, InvocationRecord, loadBundleHandler } from "./lambda-runtime";
import { LocalDynamo, startLocalDynamo } from "./local-dynamo";
import { MetricsSink } from "./metrics";
import { CapturedLog, OutputCapture } from "./output-capture";
import { ProcessorFunction, describeProcessor, iotInvokePermitted } from "./processor";
import { SynthesizedTable, synthesizedTable } from "./table-schema";

const REPO_ROOT = join(__dirname, "..", "..");

export interface LocalPipelineOptions {
  /** The synthesized platform stack (topic rules, processor function). */
  readonly platform: SynthesizedStack;
  /** The synthesized data stack (history table, cross-stack outputs). */
  readonly data: SynthesizedStack;
  /** Built function bundles. @default "<repo>/dist/functions" */
  readonly functionsDistDir?: string;
  /** Start of the simulated clock the shadow service stamps messages with, epoch ms. @default Date.now() */
  readonly startTimeMs?: number;
  /** While an invocation is in flight, take the bundles' output off stdout/stderr: JSON logs into `logs`, EMF into `metrics`, the rest into `otherOutput`. @default true */
  readonly captureOutput?: boolean;
}

/** Fault injection: return an Error to make IoT's invoke of a function fail (as throttling would). */
export type InvokeFault = (functionName: string, event: JsonObject) => Error | undefined;

/** An update the shadow service accepted (seen on `update/documents`). */
export interface AcceptedUpdate {
  readonly thingName: string;
  /** Undefined for the classic shadow. */
  readonly shadowName?: string;
  readonly version: number;
  /** Shadow timestamp, epoch seconds. */
  readonly timestamp: number;
  readonly clientToken?: string;
  /** The `update/documents` topic and message, e.g. to publish it again as a redelivery. */
  readonly topic: string;
  readonly documents: UpdateDocumentsMessage;
  /** Functions the topic rules delivered the documents message to (filled once routing finished). */
  readonly routedTo: readonly string[];
}

/** An update the shadow service rejected (seen on `update/rejected`). */
export interface RejectedUpdate {
  readonly thingName: string;
  readonly shadowName?: string;
  readonly code: number;
  readonly message: string;
  readonly clientToken?: string;
}

/** A rule action that failed to deliver: what AWS IoT sends to the rule's error action. */
export interface ErrorActionRecord {
  readonly rule: string;
  readonly topic: string;
  readonly failedAction: TopicRuleAction["kind"];
  readonly event: JsonObject;
  readonly error: { readonly name: string; readonly message: string };
  /** The rule's error action; undefined when it has none (then the failure is only logged by AWS). */
  readonly errorAction?: TopicRuleAction;
}

export class LocalPipeline {
  readonly shadows: ShadowService;
  readonly clock: SimulatedClock;
  readonly engine: RuleEngine;
  /** Every topic rule of the platform stack (the engine runs the enabled ones). */
  readonly rules: readonly TopicRuleDef[];
  readonly table: SynthesizedTable;
  readonly dynamo: LocalDynamo;
  readonly reader: HistoryReader;
  readonly metrics: MetricsSink;
  /** Functions the rules invoke, by logical ID. */
  readonly functions: ReadonlyMap<string, AsyncLambda>;
  readonly acceptedUpdates: AcceptedUpdate[] = [];
  readonly rejectedUpdates: RejectedUpdate[] = [];
  readonly errorActions: ErrorActionRecord[] = [];
  /** Messages of `sqs` rule actions. */
  readonly queueMessages: { readonly queueUrl: string; readonly body: string }[] = [];
  /** Messages of `cloudwatch_logs` rule actions. */
  readonly logEvents: { readonly logGroupName: string; readonly message: string }[] = [];
  /** Set to make IoT's invokes fail (the message then takes the rule's error path); undefined = no faults. */
  invokeFault: InvokeFault | undefined;

  private readonly byArn: ReadonlyMap<string, AsyncLambda>;
  private readonly pending = new Set<Promise<void>>();
  private fatal: unknown;
  private stopped = false;

  private constructor(
    private readonly options: LocalPipelineOptions,
    setup: { rules: TopicRuleDef[]; table: SynthesizedTable; dynamo: LocalDynamo; functions: Map<string, AsyncLambda>; byArn: Map<string, AsyncLambda> },
    private readonly capture: OutputCapture,
    metrics: MetricsSink,
    private readonly restoreEnv: () => void,
  ) {
    this.rules = setup.rules;
    this.table = setup.table;
    this.dynamo = setup.dynamo;
    this.functions = setup.functions;
    this.byArn = setup.byArn;
    this.metrics = metrics;
    this.clock = new SimulatedClock(options.startTimeMs ?? Date.now());
    this.reader = new HistoryReader({ tableName: setup.table.tableName, client: setup.dynamo.client });
    this.engine = new RuleEngine(setup.rules, {
      invokeLambda: (arn, event, ctx) => this.invoke(this.byArn.get(arn), event, ctx),
      putMetric: (namespace, name, value, unit, ctx) => metrics.add({ source: "rule", namespace, name, value, unit, rule: ctx.rule.name }),
      sendToQueue: (queueUrl, body) => void this.queueMessages.push({ queueUrl, body }),
      putLogEvent: (logGroupName, message) => void this.logEvents.push({ logGroupName, message }),
      onError: (rule, failure) => this.errorActions.push(errorRecord(rule, failure)),
    });
    this.shadows = new ShadowService({ now: () => this.clock.now() });
    this.shadows.subscribe((topic, payload) => this.onShadowMessage(topic, payload));
  }

  /** Starts the local DynamoDB, creates the synthesized table, loads the bundles the rules invoke. */
  static async start(options: LocalPipelineOptions): Promise<LocalPipeline> {
    const rules = loadTopicRules(options.platform.tfJson);
    const table = synthesizedTable(options.data.tfJson);
    const provider = firstProvider(options.platform.tfJson);
    const functionsDistDir = options.functionsDistDir ?? join(REPO_ROOT, "dist", "functions");

    // Resolve everything that can fail before starting a server.
    const described = new Map<string, { fn: ProcessorFunction; arns: string[] }>();
    for (const rule of rules.filter((r) => r.enabled)) {
      for (const action of rule.actions) {
        if (action.kind !== "lambda") continue;
        const fn = describeProcessor(options.platform.tfJson, action.functionArn, { functionsDistDir });
        const entry = described.get(fn.logicalId) ?? { fn, arns: [] };
        entry.arns.push(action.functionArn);
        described.set(fn.logicalId, entry);
      }
    }
    const environments = [...described.values()].map(({ fn }) => resolveFunctionEnvironment(fn, { platform: options.platform, data: options.data, tables: [table] }));

    const dynamo = await startLocalDynamo({ region: provider.region });
    const metrics = new MetricsSink();
    const capture = new OutputCapture(metrics);
    let restoreEnv: (() => void) | undefined;
    try {
      await dynamo.createTable(table.createInput);
      const functions = new Map<string, AsyncLambda>();
      const byArn = new Map<string, AsyncLambda>();
      const withSdk = environments.map((env) => ({ ...env, ...dynamo.sdkEnvironment() }));
      [...described.values()].forEach(({ fn, arns }, i) => {
        const lambda = new AsyncLambda(fn, loadBundleHandler(fn, withSdk[i]), provider);
        functions.set(fn.logicalId, lambda);
        for (const arn of arns) byArn.set(arn, lambda);
      });
      restoreEnv = applyEnv(sharedEnvironment(withSdk));
      return new LocalPipeline(options, { rules, table, dynamo, functions, byArn }, capture, metrics, restoreEnv);
    } catch (error) {
      restoreEnv?.();
      await dynamo.stop();
      throw error;
    }
  }

  /** Every async invocation so far, across functions. */
  get invocations(): InvocationRecord[] {
    return [...this.functions.values()].flatMap((f) => f.invocations);
  }

  get deadLetters(): DeadLetter[] {
    return [...this.functions.values()].flatMap((f) => f.deadLetters);
  }

  get retries(): number {
    return [...this.functions.values()].reduce((n, f) => n + f.retries, 0);
  }

  /** The processors' structured log lines (when output is captured). */
  get logs(): readonly CapturedLog[] {
    return this.capture.logs;
  }

  /** Other lines the processors printed (e.g. library warnings). */
  get otherOutput(): readonly string[] {
    return this.capture.otherOutput;
  }

  /**
   * Publishes a message straight into the rules engine, as a device or AWS IoT
   * would on that topic (e.g. an MQTT redelivery of an `update/documents` message).
   */
  publish(topic: string, payload: object | string): Promise<PublishReport> {
    this.assertRunning();
    const report = this.engine.publish(topic, payload);
    this.track(report);
    return report;
  }

  /** Waits until every routed message and every invocation (with retries) has finished; rethrows an evaluator failure. */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
    if (this.fatal !== undefined) throw this.fatal;
  }

  /** Stops capturing, restores the environment and stops the local server. Call `settle()` first. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.allSettled([...this.pending]);
    this.restoreEnv();
    await this.dynamo.stop();
  }

  private onShadowMessage(topic: string, payload: object): void {
    if (this.stopped) return;
    const parsed = parseShadowTopic(topic);
    let routedTo: string[] | undefined;
    if (parsed?.operation === "update" && parsed.response === "documents") {
      const doc = payload as UpdateDocumentsMessage;
      routedTo = [];
      const { thingName, shadowName } = parsed;
      this.acceptedUpdates.push({ thingName, shadowName, version: doc.current.version, timestamp: doc.timestamp, clientToken: doc.clientToken, topic, documents: doc, routedTo });
    } else if (parsed?.operation === "update" && parsed.response === "rejected") {
      const r = payload as RejectedMessage;
      this.rejectedUpdates.push({ thingName: parsed.thingName, shadowName: parsed.shadowName, code: r.code, message: r.message, clientToken: r.clientToken });
    }
    const routed = this.engine.publish(topic, payload);
    this.track(routed);
    if (routedTo) {
      const target = routedTo;
      this.track(
        routed.then((report) => {
          for (const d of report.dispatched) {
            for (const o of d.outcomes) if (o.ok && o.action.kind === "lambda") target.push(this.functionNameOf(o.action.functionArn));
          }
        }),
      );
    }
  }

  /** IoT's side of an async invoke: it fails only if IoT cannot hand the event over; the function runs detached. */
  private async invoke(lambda: AsyncLambda | undefined, event: JsonObject, ctx: ActionContext): Promise<void> {
    if (!lambda) throw new Error(`unreachable: function ${ctx.action.kind === "lambda" ? ctx.action.functionArn : "?"} was not resolved at start`);
    if (!iotInvokePermitted(this.options.platform.tfJson, ctx.rule, lambda.fn)) {
      const e = new Error(`no aws_lambda_permission lets iot.amazonaws.com invoke ${lambda.fn.functionName} for rule ${ctx.rule.name}`);
      e.name = "AccessDeniedException";
      throw e;
    }
    const fault = this.invokeFault?.(lambda.fn.functionName, event);
    if (fault) throw fault;
    if (!(this.options.captureOutput ?? true)) return this.track(lambda.invoke(event));
    this.capture.hold();
    this.track(lambda.invoke(event).finally(() => this.capture.release()));
  }

  private functionNameOf(functionArn: string): string {
    return this.byArn.get(functionArn)?.fn.functionName ?? functionArn;
  }

  private track(promise: Promise<unknown>): void {
    const tracked: Promise<void> = promise
      .then(
        () => undefined,
        (error: unknown) => {
          this.fatal ??= error;
        },
      )
      .finally(() => {
        this.pending.delete(tracked);
      });
    this.pending.add(tracked);
  }

  private assertRunning(): void {
    if (this.stopped) throw new Error("LocalPipeline is stopped");
  }
}

function errorRecord(rule: TopicRuleDef, failure: RuleActionFailure): ErrorActionRecord {
  const e = failure.error instanceof Error ? failure.error : new Error(String(failure.error));
  return { rule: rule.name, topic: failure.topic, failedAction: failure.action.kind, event: failure.event, error: { name: e.name, message: e.message }, errorAction: failure.errorAction };
}

/**
 * All bundles share process.env while they run: keep the variables they agree
 * on. One that two functions set differently (e.g. POWERTOOLS_SERVICE_NAME) is
 * seen by each bundle only while it loads, and is unset afterwards, so a
 * handler reading it late fails loudly instead of reading the other's value.
 */
function sharedEnvironment(environments: readonly Record<string, string>[]): Record<string, string | undefined> {
  const shared: Record<string, string | undefined> = {};
  for (const env of environments) {
    for (const [name, value] of Object.entries(env)) shared[name] = name in shared && shared[name] !== value ? undefined : value;
  }
  return shared;
}

/** Region and account of the stack's AWS provider (for the Lambda context and clients). */
function firstProvider(tfJson: object): { region: string; accountId: string } {
  const aws = (tfJson as { provider?: { aws?: Record<string, unknown>[] } }).provider?.aws?.[0] ?? {};
  const region = typeof aws.region === "string" && !aws.region.includes("${") ? aws.region : "eu-west-1";
  const ids = aws.allowed_account_ids;
  const accountId = Array.isArray(ids) && typeof ids[0] === "string" ? ids[0] : "000000000000";
  return { region, accountId };
}

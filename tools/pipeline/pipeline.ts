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
import { QueueConsumer, QueueConsumerDef, describeQueueConsumers } from "./queue-consumers";
import { SynthesizedTable, synthesizedTable } from "./table-schema";

const REPO_ROOT = join(__dirname, "..", "..");

/** One environment's (one product line's) synthesized stacks. */
export interface PipelineStacks {
  /** The synthesized platform stack (topic rules, processor function). */
  readonly platform: SynthesizedStack;
  /** The synthesized data stack (history table, cross-stack outputs). */
  readonly data: SynthesizedStack;
}

export interface LocalPipelineOptions extends PipelineStacks {
  /**
   * Other environments (product lines) deployed to the same account and region, run together with
   * `platform`/`data`, as AWS would: one Device Shadow service and registry publishes every thing's
   * messages to the topic rules of all of them, one DynamoDB server holds each one's table, one
   * CloudWatch (metrics told apart by namespace). Each keeps its own rules, table and functions. @default []
   */
  readonly sameAccount?: readonly PipelineStacks[];
  /** Built function bundles. @default "<repo>/dist/functions" */
  readonly functionsDistDir?: string;
  /** Start of the simulated clock the shadow service stamps messages with, epoch ms. @default Date.now() */
  readonly startTimeMs?: number;
  /** While an invocation is in flight, take the bundles' output off stdout/stderr: JSON logs into `logs`, EMF into `metrics`, the rest into `otherOutput`. @default true */
  readonly captureOutput?: boolean;
  /**
   * A DynamoDB whose tables already exist, e.g. the local AWS where Terraform created them
   * (tools/e2e): no table is created and the pipeline does not stop it.
   * @default a fresh dynalite on 127.0.0.1 with each line's synthesized table
   */
  readonly existingDynamo?: LocalDynamo;
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

/** One environment of the account in the pipeline: its rules, table and functions. */
export interface PipelineLine {
  /** The platform stack's name, e.g. "iot-dev-platform". */
  readonly stack: string;
  readonly engine: RuleEngine;
  /** Every topic rule of the platform stack (the engine runs the enabled ones). */
  readonly rules: readonly TopicRuleDef[];
  readonly table: SynthesizedTable;
  readonly reader: HistoryReader;
  /** Functions its rules invoke, by logical ID. */
  readonly functions: ReadonlyMap<string, AsyncLambda>;
  /** Buffered ingestion: queues the rules send to that a function drains (event source mapping), by queue URL reference. */
  readonly queueConsumers: ReadonlyMap<string, QueueConsumer>;
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
  /** Every environment of the account: `platform`/`data` first, then `sameAccount` in order. */
  readonly lines: readonly PipelineLine[];
  /** The first line's rules engine (`lines[0].engine`). */
  readonly engine: RuleEngine;
  /** Every topic rule of the first line's platform stack (the engine runs the enabled ones). */
  readonly rules: readonly TopicRuleDef[];
  /** The first line's history table. */
  readonly table: SynthesizedTable;
  readonly dynamo: LocalDynamo;
  /** Reads the first line's history table. */
  readonly reader: HistoryReader;
  /** The account's CloudWatch: every line's rule and processor metrics (tell lines apart by namespace). */
  readonly metrics: MetricsSink;
  /** Functions the first line's rules invoke, by logical ID. */
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

  private readonly pending = new Set<Promise<void>>();
  private fatal: unknown;
  private stopped = false;

  private constructor(
    private readonly options: LocalPipelineOptions,
    setup: { lines: readonly LineSetup[]; dynamo: LocalDynamo },
    private readonly capture: OutputCapture,
    metrics: MetricsSink,
    private readonly restoreEnv: () => void,
  ) {
    this.dynamo = setup.dynamo;
    this.metrics = metrics;
    this.clock = new SimulatedClock(options.startTimeMs ?? Date.now());
    this.lines = setup.lines.map((line) => ({
      stack: line.stacks.platform.name,
      rules: line.rules,
      table: line.table,
      reader: new HistoryReader({ tableName: line.table.tableName, client: setup.dynamo.client }),
      functions: line.functions,
      queueConsumers: line.consumers,
      engine: new RuleEngine(line.rules, {
        invokeLambda: (arn, event, ctx) => this.invoke(line, line.byArn.get(arn), event, ctx),
        putMetric: (namespace, name, value, unit, ctx) => metrics.add({ source: "rule", namespace, name, value, unit, rule: ctx.rule.name }),
        sendToQueue: (queueUrl, body) => {
          this.queueMessages.push({ queueUrl, body });
          line.consumers.get(queueUrl)?.queue.send(body);
        },
        putLogEvent: (logGroupName, message) => void this.logEvents.push({ logGroupName, message }),
        onError: (rule, failure) => this.errorActions.push(errorRecord(rule, failure)),
      }),
    }));
    const [first] = this.lines;
    this.engine = first.engine;
    this.rules = first.rules;
    this.table = first.table;
    this.reader = first.reader;
    this.functions = first.functions;
    this.functionNames = new Map(setup.lines.flatMap((l) => [...l.byArn].map(([arn, f]) => [`${l.stacks.platform.name}\u0000${arn}`, f.fn.functionName] as const)));
    this.shadows = new ShadowService({ now: () => this.clock.now() });
    this.shadows.subscribe((topic, payload) => this.onShadowMessage(topic, payload));
  }

  /** Starts the local DynamoDB, creates each line's synthesized table, loads the bundles the rules invoke. */
  static async start(options: LocalPipelineOptions): Promise<LocalPipeline> {
    const stacks: PipelineStacks[] = [{ platform: options.platform, data: options.data }, ...(options.sameAccount ?? [])];
    const provider = firstProvider(options.platform.tfJson);
    const functionsDistDir = options.functionsDistDir ?? join(REPO_ROOT, "dist", "functions");

    // Resolve everything that can fail before starting a server.
    const prepared = stacks.map((line) => prepareLine(line, functionsDistDir));
    for (const line of prepared.slice(1)) {
      const other = firstProvider(line.stacks.platform.tfJson);
      if (other.accountId !== provider.accountId || other.region !== provider.region) {
        throw new Error(`${line.stacks.platform.name} deploys to ${other.accountId}/${other.region}, not ${provider.accountId}/${provider.region}: sameAccount runs environments of one account and region`);
      }
    }
    const tableNames = prepared.map((l) => l.table.tableName);
    const twice = tableNames.find((n, i) => tableNames.indexOf(n) !== i);
    if (twice) throw new Error(`two environments of the account synthesize the table "${twice}"; AWS would refuse the second one`);

    const dynamo = options.existingDynamo ?? (await startLocalDynamo({ region: provider.region }));
    const metrics = new MetricsSink();
    const capture = new OutputCapture(metrics);
    let restoreEnv: (() => void) | undefined;
    try {
      if (!options.existingDynamo) for (const line of prepared) await dynamo.createTable(line.table.createInput);
      const allEnvironments: Record<string, string>[] = [];
      const lines: LineSetup[] = prepared.map((line) => {
        const functions = new Map<string, AsyncLambda>();
        const byArn = new Map<string, AsyncLambda>();
        for (const { fn, arns, environment } of line.described.values()) {
          const env = { ...environment, ...dynamo.sdkEnvironment() };
          allEnvironments.push(env);
          const lambda = new AsyncLambda(fn, loadBundleHandler(fn, env), { ...provider, environment: env });
          functions.set(fn.logicalId, lambda);
          for (const arn of arns) byArn.set(arn, lambda);
        }
        const consumers = new Map(line.queueConsumers.map((def) => [def.queueUrlRef, new QueueConsumer(def, byArn.get(def.functionArn) as AsyncLambda, provider)] as const));
        return { ...line, functions, byArn, consumers };
      });
      restoreEnv = applyEnv(sharedEnvironment(allEnvironments));
      return new LocalPipeline(options, { lines, dynamo }, capture, metrics, restoreEnv);
    } catch (error) {
      restoreEnv?.();
      if (!options.existingDynamo) await dynamo.stop();
      throw error;
    }
  }

  /** Every async invocation so far, across every line's functions. */
  get invocations(): InvocationRecord[] {
    return this.allFunctions().flatMap((f) => f.invocations);
  }

  get deadLetters(): DeadLetter[] {
    return this.allFunctions().flatMap((f) => f.deadLetters);
  }

  get retries(): number {
    return this.allFunctions().reduce((n, f) => n + f.retries, 0);
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
    const report = this.publishToAll(topic, payload);
    this.track(report);
    return report;
  }

  /** Waits until every routed message and every invocation (with retries) has finished; rethrows an evaluator failure. */
  async settle(): Promise<void> {
    for (;;) {
      while (this.pending.size > 0) await Promise.all([...this.pending]);
      const busy = this.lines.flatMap((l) => [...l.queueConsumers.values()]).filter((c) => c.busy);
      if (busy.length === 0) break;
      // Buffered ingestion: drain each queue (batches, redeliveries, dead-lettering) on its own simulated time.
      const capture = this.options.captureOutput ?? true;
      if (capture) this.capture.hold();
      try {
        for (const consumer of busy) await consumer.drain();
      } finally {
        if (capture) this.capture.release();
      }
    }
    if (this.fatal !== undefined) throw this.fatal;
  }

  /** Stops capturing, restores the environment and stops the local server. Call `settle()` first. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.allSettled([...this.pending]);
    this.restoreEnv();
    if (!this.options.existingDynamo) await this.dynamo.stop();
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
    // The account's one shadow service publishes to the rules of every line.
    for (const line of this.lines) {
      const routed = line.engine.publish(topic, payload);
      this.track(routed);
      if (!routedTo) continue;
      const target = routedTo;
      this.track(
        routed.then((report) => {
          for (const d of report.dispatched) {
            for (const o of d.outcomes) {
              if (o.ok && o.action.kind === "lambda") target.push(this.functionNameOf(line, o.action.functionArn));
              const consumer = o.ok && o.action.kind === "sqs" ? line.queueConsumers.get(o.action.queueUrl) : undefined;
              if (consumer) target.push(consumer.lambda.fn.functionName);
            }
          }
        }),
      );
    }
  }

  /** One message into every line's rules; the reports merged, in line order. */
  private async publishToAll(topic: string, payload: object | string): Promise<PublishReport> {
    const reports = await Promise.all(this.lines.map((line) => line.engine.publish(topic, payload)));
    return { topic, dispatched: reports.flatMap((r) => r.dispatched) };
  }

  private allFunctions(): AsyncLambda[] {
    return this.lines.flatMap((l) => [...l.functions.values()]);
  }

  /** IoT's side of an async invoke: it fails only if IoT cannot hand the event over; the function runs detached. */
  private async invoke(line: LineSetup, lambda: AsyncLambda | undefined, event: JsonObject, ctx: ActionContext): Promise<void> {
    if (!lambda) throw new Error(`unreachable: function ${ctx.action.kind === "lambda" ? ctx.action.functionArn : "?"} was not resolved at start`);
    if (!iotInvokePermitted(line.stacks.platform.tfJson, ctx.rule, lambda.fn)) {
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

  private readonly functionNames: ReadonlyMap<string, string>;

  /** A rule's `function_arn` is a reference within its own stack: resolve it per line. */
  private functionNameOf(line: PipelineLine, functionArn: string): string {
    return this.functionNames.get(`${line.stack}\u0000${functionArn}`) ?? functionArn;
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

interface PreparedLine {
  readonly stacks: PipelineStacks;
  readonly rules: TopicRuleDef[];
  readonly table: SynthesizedTable;
  /** Functions the enabled rules invoke (or that drain a queue they send to), by logical ID, with the ARNs naming them and their resolved environment. */
  readonly described: ReadonlyMap<string, { fn: ProcessorFunction; arns: string[]; environment: Record<string, string> }>;
  readonly queueConsumers: readonly QueueConsumerDef[];
}

interface LineSetup extends PreparedLine {
  readonly functions: Map<string, AsyncLambda>;
  readonly byArn: Map<string, AsyncLambda>;
  readonly consumers: Map<string, QueueConsumer>;
}

/** Rules, table and functions of one environment, resolved before any server starts (what can fail, fails here). */
function prepareLine(stacks: PipelineStacks, functionsDistDir: string): PreparedLine {
  const rules = loadTopicRules(stacks.platform.tfJson);
  const table = synthesizedTable(stacks.data.tfJson);
  const described = new Map<string, { fn: ProcessorFunction; arns: string[]; environment: Record<string, string> }>();
  const addFunction = (functionArn: string) => {
    const fn = describeProcessor(stacks.platform.tfJson, functionArn, { functionsDistDir });
    const entry = described.get(fn.logicalId) ?? { fn, arns: [], environment: resolveFunctionEnvironment(fn, { platform: stacks.platform, data: stacks.data, tables: [table] }) };
    entry.arns.push(functionArn);
    described.set(fn.logicalId, entry);
  };
  const consumers = describeQueueConsumers(stacks.platform.tfJson);
  const queueConsumers: QueueConsumerDef[] = [];
  for (const rule of rules.filter((r) => r.enabled)) {
    for (const action of rule.actions) {
      if (action.kind === "lambda") addFunction(action.functionArn);
      const consumer = action.kind === "sqs" ? consumers.find((c) => c.queueUrlRef === action.queueUrl) : undefined;
      if (consumer && !queueConsumers.includes(consumer)) {
        addFunction(consumer.functionArn);
        queueConsumers.push(consumer);
      }
    }
  }
  return { stacks, rules, table, described, queueConsumers };
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

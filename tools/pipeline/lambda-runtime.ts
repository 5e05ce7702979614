/**
 * Runs a built bundle the way Lambda runs an asynchronous invocation: the
 * handler is loaded once per process (module state such as SDK clients lives
 * across invocations, as in a warm container); a thrown error is retried up to
 * the configured attempts, then the event goes to the failure destination.
 * Retries happen immediately (AWS waits about 1 and 2 minutes).
 */
import { randomUUID } from "node:crypto";
import type { Context } from "aws-lambda";
import { applyEnv } from "./env";
import type { ProcessorFunction } from "./processor";

export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

export interface InvocationRecord {
  readonly functionName: string;
  readonly event: unknown;
  /** 1 + retries. */
  readonly attempts: number;
  readonly outcome: "succeeded" | "dead-lettered" | "discarded";
  readonly result?: unknown;
  /** One entry per failed attempt. */
  readonly errors: readonly { readonly name: string; readonly message: string }[];
}

export interface DeadLetter {
  readonly functionName: string;
  /** The failure destination as synthesized (usually a queue ARN reference). */
  readonly destination: string;
  readonly event: unknown;
  readonly attempts: number;
  readonly error: { readonly name: string; readonly message: string };
}

interface LoadedBundle {
  readonly env: string;
  readonly handler: LambdaHandler;
}

// One load per bundle file and process, like one warm execution environment.
const loadedBundles = new Map<string, LoadedBundle>();

/**
 * Requires the bundle with `env` set, as the Lambda runtime would before the
 * module loads (module-level code such as Powertools reads it then), and
 * restores the environment afterwards: the caller sets what the handler reads
 * at invocation time. A second load with a different environment throws,
 * because the first load's module state would silently win.
 */
export function loadBundleHandler(fn: ProcessorFunction, env: Readonly<Record<string, string>>): LambdaHandler {
  const key = JSON.stringify(Object.entries(env).sort(([a], [b]) => a.localeCompare(b)));
  const previous = loadedBundles.get(fn.bundleFile);
  if (previous) {
    if (previous.env !== key) throw new Error(`${fn.bundleFile} is already loaded in this process with another environment; run one pipeline configuration per process`);
    return previous.handler;
  }
  const restoreEnv = applyEnv(env);
  try {
    const module = require(fn.bundleFile) as Record<string, unknown>;
    const handler = module[fn.exportName];
    if (typeof handler !== "function") throw new Error(`${fn.bundleFile} does not export a function "${fn.exportName}"`);
    loadedBundles.set(fn.bundleFile, { env: key, handler: handler as LambdaHandler });
    return handler as LambdaHandler;
  } finally {
    restoreEnv();
  }
}

export interface AsyncLambdaOptions {
  readonly region: string;
  readonly accountId: string;
}

export class AsyncLambda {
  readonly invocations: InvocationRecord[] = [];
  readonly deadLetters: DeadLetter[] = [];

  constructor(
    readonly fn: ProcessorFunction,
    private readonly handler: LambdaHandler,
    private readonly options: AsyncLambdaOptions,
  ) {}

  /** Failed attempts that were retried. */
  get retries(): number {
    return this.invocations.reduce((n, i) => n + Math.min(i.errors.length, this.fn.maximumRetryAttempts), 0);
  }

  /** One asynchronous event: never rejects (failures end in the destination, as in AWS). */
  async invoke(event: unknown): Promise<InvocationRecord> {
    const errors: { name: string; message: string }[] = [];
    for (let attempt = 0; attempt <= this.fn.maximumRetryAttempts; attempt++) {
      try {
        // Each attempt gets its own copy: a handler mutating its event must not change the retry.
        const result = await this.handler(structuredClone(event), this.context());
        return this.record({ functionName: this.fn.functionName, event, attempts: attempt + 1, outcome: "succeeded", result, errors });
      } catch (error) {
        const e = error instanceof Error ? error : new Error(String(error));
        errors.push({ name: e.name, message: e.message });
      }
    }
    const attempts = errors.length;
    const destination = this.fn.failureDestination;
    if (destination !== undefined) this.deadLetters.push({ functionName: this.fn.functionName, destination, event, attempts, error: errors[attempts - 1] });
    return this.record({ functionName: this.fn.functionName, event, attempts, outcome: destination ? "dead-lettered" : "discarded", errors });
  }

  private record(r: InvocationRecord): InvocationRecord {
    this.invocations.push(r);
    return r;
  }

  private context(): Context {
    const deadline = Date.now() + (this.fn.timeoutSeconds ?? 3) * 1000;
    const name = this.fn.functionName;
    return {
      callbackWaitsForEmptyEventLoop: true,
      functionName: name,
      functionVersion: "$LATEST",
      invokedFunctionArn: `arn:aws:lambda:${this.options.region}:${this.options.accountId}:function:${name}`,
      memoryLimitInMB: String(this.fn.memoryMb ?? 128),
      awsRequestId: randomUUID(),
      logGroupName: `/aws/lambda/${name}`,
      logStreamName: "local-pipeline",
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
  }
}

/**
 * Runs a built bundle the way Lambda runs an asynchronous invocation: the
 * handler is loaded once per process (module state such as SDK clients lives
 * across invocations, as in a warm container); a thrown error is retried up to
 * the configured attempts, then the event goes to the failure destination.
 * Retries happen immediately (AWS waits about 1 and 2 minutes).
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
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

// One load per (bundle file, environment) and process, like one warm execution environment per function.
const loadedBundles = new Map<string, Map<string, LambdaHandler>>();

/**
 * Requires the bundle with `env` set, as the Lambda runtime would before the
 * module loads (module-level code such as Powertools reads it then), and
 * restores the environment afterwards: the caller sets what the handler reads
 * at invocation time. The same file with the same environment returns the
 * loaded handler; with another environment (the same bundle deployed as two
 * functions, e.g. by two product lines) it evaluates a second, separate
 * instance with its own module state, as a second execution environment would.
 */
export function loadBundleHandler(fn: ProcessorFunction, env: Readonly<Record<string, string>>): LambdaHandler {
  const key = JSON.stringify(Object.entries(env).sort(([a], [b]) => a.localeCompare(b)));
  const instances = loadedBundles.get(fn.bundleFile) ?? new Map<string, LambdaHandler>();
  loadedBundles.set(fn.bundleFile, instances);
  const loaded = instances.get(key);
  if (loaded) return loaded;
  const restoreEnv = applyEnv(env);
  try {
    const module = instances.size === 0 ? (require(fn.bundleFile) as Record<string, unknown>) : freshInstance(fn.bundleFile);
    const handler = module[fn.exportName];
    if (typeof handler !== "function") throw new Error(`${fn.bundleFile} does not export a function "${fn.exportName}"`);
    instances.set(key, handler as LambdaHandler);
    return handler as LambdaHandler;
  } finally {
    restoreEnv();
  }
}

/**
 * Evaluates a CommonJS bundle again, bypassing the module cache: its own
 * module state, the same `require` for its externals (the AWS SDK) and the
 * same globals as the first instance (so output capture and `process.env`
 * work alike under jest and tsx).
 */
function freshInstance(file: string): Record<string, unknown> {
  const module = { exports: {} as Record<string, unknown> };
  const body = new Function("exports", "require", "module", "__filename", "__dirname", readFileSync(file, "utf8")) as (...args: unknown[]) => void;
  body(module.exports, require, module, file, dirname(file));
  return module.exports;
}

export interface AsyncLambdaOptions {
  readonly region: string;
  readonly accountId: string;
  /**
   * The function's own environment, set while each attempt runs its synchronous part
   * (where a handler reads its configuration), then restored: functions sharing the
   * process can differ in a variable (e.g. TABLE_NAME of two product lines). @default none
   */
  readonly environment?: Readonly<Record<string, string>>;
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
        const result = await this.attempt(event);
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

  /**
   * One attempt, as a synchronous invoke (what an event source mapping does): resolves to the handler's
   * result, rejects with its error. Each attempt gets its own copy of the event, so a handler mutating
   * its event cannot change a retry. The function's environment is in place for the synchronous part.
   */
  attempt(event: unknown): Promise<unknown> {
    const restore = applyEnv(this.options.environment ?? {});
    try {
      return Promise.resolve(this.handler(structuredClone(event), this.context()));
    } finally {
      restore();
    }
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

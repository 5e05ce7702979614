/**
 * From a rule's `function_arn` to the built bundle that Lambda would run, with
 * the invoke settings the synthesized stack declares (retries, failure
 * destination, environment) and the permission IoT needs to invoke it.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { packageDirectory } from "../../modules/shadow-processor/zip";
import { TopicRuleDef, hasTerraformInterpolation, resolveLambdaFunction } from "../iot-rules";

type Block = Record<string, unknown>;

export interface ProcessorFunction {
  readonly logicalId: string;
  readonly functionName: string;
  /** Directory of the built bundle, e.g. `<repo>/dist/functions/shadow-history`. */
  readonly bundleDir: string;
  /** The module file the handler lives in, e.g. `<bundleDir>/index.js`. */
  readonly bundleFile: string;
  /** The exported handler, e.g. `handler` (from `index.handler`). */
  readonly exportName: string;
  /** Environment as synthesized; values may still be Terraform references. */
  readonly environment: Readonly<Record<string, string>>;
  /** Async retries after a function error (`aws_lambda_function_event_invoke_config`; AWS default 2). */
  readonly maximumRetryAttempts: number;
  /** Where an event goes after the last failed attempt (on-failure destination, else DLQ), as synthesized; undefined = discarded. */
  readonly failureDestination?: string;
  /** `failureDestination` for people: e.g. "sqs iot-dev-shadow-history-dlq" when it references a queue of the stack. */
  readonly failureDestinationLabel?: string;
  readonly timeoutSeconds?: number;
  readonly memoryMb?: number;
}

export interface DescribeProcessorOptions {
  /** Built function bundles, `<dir>/<bundle name>/index.js`. */
  readonly functionsDistDir: string;
  /**
   * Check that the bundle directory zips to the synthesized `source_code_hash`,
   * i.e. that the harness runs exactly the code the stack would deploy.
   * @default true
   */
  readonly verifyCodeHash?: boolean;
  /**
   * Fail when a source file the bundle was built from (per the esbuild metafile
   * `<dist>/<name>.meta.json`, paths relative to `repoRoot`) is newer than the bundle.
   * @default true (skipped when there is no metafile)
   */
  readonly checkFreshness?: boolean;
  /** @default the repository this file lives in */
  readonly repoRoot?: string;
}

const AWS_DEFAULT_RETRIES = 2;

/** Resolves a rule's `function_arn` to a function of the same stack and its built bundle; throws when that is impossible. */
export function describeProcessor(tfJson: object, functionArn: string, options: DescribeProcessorOptions): ProcessorFunction {
  const resolved = resolveLambdaFunction(tfJson, functionArn);
  if (resolved.kind !== "resource") {
    const what = resolved.kind === "arn" ? `function ${resolved.functionName}, which this stack does not define` : `reference ${resolved.reference}`;
    throw new Error(`function_arn ${functionArn} points at ${what}; the local pipeline can only run functions synthesized in the same stack`);
  }
  const fn = resolved.function;
  const where = `aws_lambda_function.${fn.logicalId}`;
  if (!fn.functionName) throw new Error(`${where}.function_name must be a literal`);
  if (!fn.filename) throw new Error(`${where} is not deployed from a local file (filename); the local pipeline cannot find its bundle`);
  if (!fn.handler || !/^[\w./-]+\.[A-Za-z_$][\w$]*$/.test(fn.handler)) throw new Error(`${where}.handler "${fn.handler}" is not <file>.<export>`);

  // The asset zip is named after the bundle directory it was packaged from.
  const bundleDir = join(options.functionsDistDir, basename(fn.filename).replace(/\.zip$/, ""));
  const dot = fn.handler.lastIndexOf(".");
  const bundleFile = join(bundleDir, `${fn.handler.slice(0, dot)}.js`);
  if (!existsSync(bundleFile)) throw new Error(`${where}: ${bundleFile} does not exist; run \`npm run build\``);

  const config = (tfJson as { resource?: Record<string, Record<string, Block>> }).resource ?? {};
  const self = config.aws_lambda_function?.[fn.logicalId] ?? {};
  if (options.checkFreshness ?? true) assertBundleFresh(bundleFile, options.repoRoot ?? join(__dirname, "..", ".."));
  if (options.verifyCodeHash ?? true) assertCodeHash(bundleDir, self.source_code_hash, where);

  const invokeConfig = findInvokeConfig(config.aws_lambda_function_event_invoke_config ?? {}, fn.logicalId, fn.functionName);
  const retries = invokeConfig?.maximum_retry_attempts;
  const onFailure = (first(first(invokeConfig?.destination_config)?.on_failure) as Block | undefined)?.destination;
  const dlq = (first(self.dead_letter_config) as Block | undefined)?.target_arn;
  const failureDestination = typeof onFailure === "string" ? onFailure : typeof dlq === "string" ? dlq : undefined;
  return {
    logicalId: fn.logicalId,
    functionName: fn.functionName,
    bundleDir,
    bundleFile,
    exportName: fn.handler.slice(dot + 1),
    environment: fn.environment,
    maximumRetryAttempts: typeof retries === "number" ? retries : AWS_DEFAULT_RETRIES,
    failureDestination,
    failureDestinationLabel: failureDestination === undefined ? undefined : destinationLabel(config, failureDestination),
    timeoutSeconds: typeof self.timeout === "number" ? self.timeout : undefined,
    memoryMb: typeof self.memory_size === "number" ? self.memory_size : undefined,
  };
}

/**
 * True when an `aws_lambda_permission` lets IoT invoke the function for this
 * rule (principal iot.amazonaws.com; `source_arn` this rule or absent). Without
 * one, AWS IoT's invoke fails and the message goes to the rule's error action.
 */
export function iotInvokePermitted(tfJson: object, rule: TopicRuleDef, fn: Pick<ProcessorFunction, "logicalId" | "functionName">): boolean {
  const permissions = ((tfJson as { resource?: Record<string, Record<string, Block>> }).resource ?? {}).aws_lambda_permission ?? {};
  return Object.values(permissions).some((p) => {
    if (p.principal !== "iot.amazonaws.com" || (p.action !== "lambda:InvokeFunction" && p.action !== "lambda:*")) return false;
    if (!refersToFunction(p.function_name, fn.logicalId, fn.functionName)) return false;
    const source = p.source_arn;
    return source === undefined || source === `\${aws_iot_topic_rule.${rule.logicalId}.arn}` || (typeof source === "string" && source.endsWith(`:rule/${rule.name}`));
  });
}

function refersToFunction(value: unknown, logicalId: string, functionName: string): boolean {
  if (typeof value !== "string") return false;
  if (value === functionName || value.endsWith(`:function:${functionName}`)) return true;
  return new RegExp(`^\\$\\{aws_lambda_function\\.${logicalId}\\.(function_name|arn)\\}$`).test(value);
}

function findInvokeConfig(configs: Record<string, Block>, logicalId: string, functionName: string): Block | undefined {
  // Only the unqualified config applies to invokes of the unqualified ARN, which is what the rule uses.
  const matches = Object.values(configs).filter((c) => refersToFunction(c.function_name, logicalId, functionName) && c.qualifier === undefined);
  if (matches.length > 1) throw new Error(`aws_lambda_function.${logicalId} has ${matches.length} event invoke configs; AWS allows one per qualifier`);
  return matches[0];
}

/** Source files (outside node_modules) newer than the bundle, per its esbuild metafile; [] without a metafile. */
export function staleBundleSources(bundleFile: string, repoRoot: string): string[] {
  const bundleDir = dirname(bundleFile);
  const metafile = join(dirname(bundleDir), `${basename(bundleDir)}.meta.json`);
  if (!existsSync(metafile)) return [];
  const builtAt = statSync(bundleFile).mtimeMs;
  const inputs = Object.keys((JSON.parse(readFileSync(metafile, "utf8")) as { inputs?: Record<string, unknown> }).inputs ?? {});
  return inputs.filter((p) => !p.includes("node_modules") && existsSync(resolve(repoRoot, p)) && statSync(resolve(repoRoot, p)).mtimeMs > builtAt);
}

function assertBundleFresh(bundleFile: string, repoRoot: string): void {
  const stale = staleBundleSources(bundleFile, repoRoot);
  if (stale.length > 0) throw new Error(`${bundleFile} is older than ${stale.join(", ")}: run \`npm run build\` so the pipeline runs the current code`);
}

function assertCodeHash(bundleDir: string, sourceCodeHash: unknown, where: string): void {
  if (typeof sourceCodeHash !== "string" || hasTerraformInterpolation(sourceCodeHash)) return;
  const scratch = mkdtempSync(join(tmpdir(), "iot-pipeline-zip-"));
  try {
    const { sha256Base64 } = packageDirectory(bundleDir, join(scratch, "bundle.zip"));
    if (sha256Base64 !== sourceCodeHash) {
      throw new Error(
        `${where}: ${bundleDir} zips to ${sha256Base64} but the stack was synthesized with ${sourceCodeHash}; ` +
          "synthesize again after `npm run build` so the harness runs the code the stack deploys",
      );
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function destinationLabel(resources: Record<string, Record<string, Block>>, destination: string): string {
  const ref = /^\$\{(aws_sqs_queue|aws_sns_topic|aws_lambda_function)\.([A-Za-z0-9_-]+)\.arn\}$/.exec(destination);
  const name = ref ? resources[ref[1]]?.[ref[2]]?.[ref[1] === "aws_lambda_function" ? "function_name" : "name"] : undefined;
  if (ref && typeof name === "string") return `${ref[1].replace(/^aws_/, "").replace(/_queue$|_topic$|_function$/, "")} ${name}`;
  return destination;
}

function first(value: unknown): Block | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return typeof v === "object" && v !== null ? (v as Block) : undefined;
}

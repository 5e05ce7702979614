/**
 * Resolves a function's synthesized environment for a local run: literals as
 * they are, references to the harness's table (same stack, or through the
 * cross-stack remote-state output cdktf generates) to the local table's name.
 * Anything else cannot be known offline and fails loudly.
 */
import type { SynthesizedStack } from "../iot-rules";
import type { ProcessorFunction } from "./processor";
import type { SynthesizedTable } from "./table-schema";

/** Set by the Lambda runtime before the process starts; meaningless in-process. */
const RUNTIME_ONLY = new Set(["NODE_OPTIONS"]);

export interface FunctionEnvironmentSources {
  /** Stack defining the function. */
  readonly platform: SynthesizedStack;
  /** Stack that produces cross-stack outputs (the data stack). */
  readonly data: SynthesizedStack;
  /** Tables the harness created locally. */
  readonly tables: readonly SynthesizedTable[];
}

export function resolveFunctionEnvironment(fn: ProcessorFunction, sources: FunctionEnvironmentSources): Record<string, string> {
  const resolved: Record<string, string> = {};
  for (const [name, value] of Object.entries(fn.environment)) {
    if (RUNTIME_ONLY.has(name)) continue;
    const result = resolveValue(value, sources);
    if (result === undefined) {
      throw new Error(`aws_lambda_function.${fn.logicalId} environment ${name} = ${value} cannot be resolved offline; the local pipeline resolves only the history table's name`);
    }
    resolved[name] = result;
  }
  return resolved;
}

const TABLE_ATTRIBUTE = /^\$\{aws_dynamodb_table\.([A-Za-z0-9_-]+)\.(name|id)\}$/;
const REMOTE_OUTPUT = /^\$\{data\.terraform_remote_state\.[A-Za-z0-9_-]+\.outputs\.([A-Za-z0-9_-]+)\}$/;

function resolveValue(value: string, sources: FunctionEnvironmentSources, depth = 0): string | undefined {
  if (!value.includes("${")) return value;
  const table = TABLE_ATTRIBUTE.exec(value);
  if (table) return sources.tables.find((t) => t.logicalId === table[1])?.tableName;
  const remote = REMOTE_OUTPUT.exec(value);
  if (remote && depth === 0) {
    const outputs = (sources.data.tfJson as { output?: Record<string, { value?: unknown }> }).output ?? {};
    const produced = outputs[remote[1]]?.value;
    return typeof produced === "string" ? resolveValue(produced, sources, depth + 1) : undefined;
  }
  return undefined;
}

/**
 * Maps a rule's `function_arn` to the Lambda function it names in the same
 * synthesized stack, so a harness can run the matching built bundle.
 */

export interface LambdaFunctionInfo {
  readonly logicalId: string;
  /** Literal function name, when the stack sets one. */
  readonly functionName?: string;
  readonly handler?: string;
  readonly runtime?: string;
  /** Local deployment package path, when the function is deployed from a file. */
  readonly filename?: string;
  /** Environment variables as synthesized (values may still be Terraform references). */
  readonly environment: Readonly<Record<string, string>>;
}

export type LambdaResolution =
  | { readonly kind: "resource"; readonly function: LambdaFunctionInfo }
  /** A literal ARN with no matching function in this stack. */
  | { readonly kind: "arn"; readonly functionName: string }
  /** A reference the loader cannot follow offline (another stack's output, a data source, ...). */
  | { readonly kind: "unresolved"; readonly reference: string };

const RESOURCE_REF = /^\$\{aws_lambda_(function|alias)\.([A-Za-z0-9_-]+)\.(arn|qualified_arn|invoke_arn|function_name)\}$/;
const FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:([A-Za-z0-9_-]+)(?::[A-Za-z0-9$_-]+)?$/;

export function resolveLambdaFunction(tfJson: object, functionArn: string): LambdaResolution {
  const resources = (tfJson as { resource?: Record<string, Record<string, Record<string, unknown>> | undefined> }).resource ?? {};
  const functions = resources.aws_lambda_function ?? {};
  const aliases = resources.aws_lambda_alias ?? {};

  const byLogicalId = (id: string): LambdaResolution | undefined => {
    const config = functions[id];
    return config ? { kind: "resource", function: describeFunction(id, config) } : undefined;
  };

  const ref = RESOURCE_REF.exec(functionArn);
  if (ref) {
    const [, type, id] = ref;
    if (type === "function") return byLogicalId(id) ?? { kind: "unresolved", reference: functionArn };
    // An alias points at its function through function_name (a reference or a literal name).
    const target = aliases[id]?.function_name;
    return typeof target === "string" ? resolveLambdaFunction(tfJson, target) : { kind: "unresolved", reference: functionArn };
  }

  const arn = FUNCTION_ARN.exec(functionArn);
  const literalName = arn ? arn[1] : /^[A-Za-z0-9_-]+$/.test(functionArn) ? functionArn : undefined;
  if (literalName !== undefined) {
    const match = Object.entries(functions).find(([, config]) => config.function_name === literalName);
    if (match) return byLogicalId(match[0]) as LambdaResolution;
    return { kind: "arn", functionName: literalName };
  }
  return { kind: "unresolved", reference: functionArn };
}

function describeFunction(logicalId: string, config: Record<string, unknown>): LambdaFunctionInfo {
  const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
  const envBlock = config.environment;
  const env = (Array.isArray(envBlock) ? envBlock[0] : envBlock) as { variables?: Record<string, unknown> } | undefined;
  const environment: Record<string, string> = {};
  for (const [k, v] of Object.entries(env?.variables ?? {})) if (typeof v === "string") environment[k] = v;
  return {
    logicalId,
    functionName: str(config.function_name),
    handler: str(config.handler),
    runtime: str(config.runtime),
    filename: str(config.filename),
    environment,
  };
}

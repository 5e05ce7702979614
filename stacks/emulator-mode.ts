/**
 * Emulator synth mode: `IOT_AWS_ENDPOINT=http://127.0.0.1:<port>` (the local AWS of
 * tools/local-aws) points every stack at a local endpoint.
 *
 * It changes provider and backend settings only: every AWS provider gets an `endpoints` entry per
 * service the stacks use, dummy credentials, the skip flags an emulator needs, path-style S3 and a
 * low `max_retries` (moto answers an unimplemented action with HTTP 500, which the SDK retries);
 * every S3 backend gets the same endpoint, keys and flags, and so does every S3 `terraform_remote_state`
 * (the reading side of a backend: a consumer stack reads its producer's state through it). It never
 * adds, removes or alters a resource, output or any other data source (test/emulator-mode.test.ts
 * compares them with a normal synth).
 * `allowed_account_ids` stays: start the local AWS with the stack's account id.
 */
import { App, DataTerraformRemoteStateS3, S3Backend, TerraformStack } from "cdktf";
import { AwsProvider, AwsProviderEndpoints } from "@cdktf/provider-aws/lib/provider";
import { ConfigError } from "../lib/config-schema";

/** The environment variable that turns the mode on. */
export const EMULATOR_ENDPOINT_VARIABLE = "IOT_AWS_ENDPOINT";

/** Dummy credentials: an emulator accepts any, and no real key can end up in the JSON. */
export const EMULATOR_CREDENTIALS = { accessKey: "local-aws-dummy-access-key", secretKey: "local-aws-dummy-secret-key" } as const;

/**
 * Three retries: the local server drops a kept-alive connection now and then under load ("use of
 * closed network connection"), which a retry absorbs; an unimplemented action (HTTP 500) still fails
 * within seconds instead of after the provider's default 25 retries.
 */
export const EMULATOR_MAX_RETRIES = 3;

/**
 * The provider's `endpoints` attribute per AWS service the stacks use, by resource/data type prefix
 * (longest prefix first). `null`: the type makes no API call (computed locally by the provider).
 * A type matching no prefix fails synth in emulator mode, so a new service cannot slip past.
 */
export const SERVICE_BY_TYPE_PREFIX: readonly (readonly [string, keyof AwsProviderEndpoints | null])[] = [
  ["aws_cloudwatch_log_", "logs"],
  ["aws_cloudwatch_", "cloudwatch"],
  ["aws_apigatewayv2_", "apigatewayv2"],
  ["aws_appautoscaling_", "appautoscaling"],
  ["aws_dynamodb_", "dynamodb"],
  ["aws_iam_policy_document", null],
  ["aws_iam_", "iam"],
  ["aws_iot_", "iot"],
  ["aws_kms_", "kms"],
  ["aws_lambda_", "lambda"],
  ["aws_s3_", "s3"],
  ["aws_sns_", "sns"],
  ["aws_sqs_", "sqs"],
  ["aws_caller_identity", "sts"],
  ["aws_partition", null],
  ["aws_region", null],
  ["terraform_remote_state", null],
];

/**
 * Every endpoint set in emulator mode: the services of SERVICE_BY_TYPE_PREFIX, plus sts (the
 * provider asks it for the account id and assumes roles with it) and s3control (from provider 6.23
 * `aws_s3_bucket` also calls S3 Control tagging APIs).
 */
export const EMULATOR_SERVICES: readonly (keyof AwsProviderEndpoints)[] = [
  ...new Set([...SERVICE_BY_TYPE_PREFIX.flatMap(([, s]) => (s ? [s] : [])), "sts" as const, "s3Control" as const]),
].sort();

/** The service a resource or data source type calls, `null` for none; throws for an unknown type. */
export function serviceOfType(type: string): keyof AwsProviderEndpoints | null {
  const match = [...SERVICE_BY_TYPE_PREFIX].sort((a, b) => b[0].length - a[0].length).find(([prefix]) => type.startsWith(prefix));
  if (!match) {
    throw new Error(
      `emulator mode (${EMULATOR_ENDPOINT_VARIABLE}): no endpoint is known for ${type}; add its service to SERVICE_BY_TYPE_PREFIX in stacks/emulator-mode.ts`,
    );
  }
  return match[1];
}

/**
 * Validates an IOT_AWS_ENDPOINT value: http(s)://127.0.0.1:<port> or http(s)://localhost:<port>,
 * nothing else (no other host, no path, no credentials), so emulator mode can never point a
 * stack's provider or state at another machine. Returns the normalized endpoint (no trailing slash).
 */
export function parseEmulatorEndpoint(value: string, variable = EMULATOR_ENDPOINT_VARIABLE): string {
  const expected = `expected http://127.0.0.1:<port> or http://localhost:<port> (https also allowed), e.g. the endpoint tools/local-aws prints`;
  const fail = (why: string): never => {
    throw new ConfigError(`${variable}=${JSON.stringify(value)} is invalid: ${why}; ${expected}`);
  };
  const m = /^(https?):\/\/([^/:@?#]+):(\d{1,5})\/?$/.exec(value.trim());
  if (!m) return fail(/^https?:\/\/[^/]+\/./.test(value) ? "a path is not allowed" : "not a URL of the form scheme://host:port");
  const [, scheme, host, portText] = m;
  if (host !== "127.0.0.1" && host !== "localhost") fail(`host ${host} is not 127.0.0.1 or localhost`);
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`port ${portText} is not 1..65535`);
  return `${scheme}://${host}:${port}`;
}

/** The endpoint of emulator mode from the environment, undefined when IOT_AWS_ENDPOINT is unset or empty. */
export function emulatorEndpointFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[EMULATOR_ENDPOINT_VARIABLE];
  return value === undefined || value === "" ? undefined : parseEmulatorEndpoint(value);
}

/** Provider settings of emulator mode (only these attributes change). */
function configureProvider(provider: AwsProvider, endpoint: string): void {
  provider.endpoints = [Object.fromEntries(EMULATOR_SERVICES.map((s) => [s, endpoint])) as AwsProviderEndpoints];
  provider.accessKey = EMULATOR_CREDENTIALS.accessKey;
  provider.secretKey = EMULATOR_CREDENTIALS.secretKey;
  provider.skipCredentialsValidation = true;
  provider.skipMetadataApiCheck = "true";
  provider.s3UsePathStyle = true;
  provider.maxRetries = EMULATOR_MAX_RETRIES;
}

/**
 * OpenTofu's S3 backend settings of emulator mode. Its `endpoints` object has s3, iam, sts and
 * dynamodb (no sso) and it has no `use_legacy_workflow`; setting either breaks `tofu init`.
 */
export function emulatorBackendSettings(endpoint: string): Record<string, unknown> {
  return {
    endpoints: { s3: endpoint, iam: endpoint, sts: endpoint },
    access_key: EMULATOR_CREDENTIALS.accessKey,
    secret_key: EMULATOR_CREDENTIALS.secretKey,
    use_path_style: true,
    skip_credentials_validation: true,
    skip_metadata_api_check: true,
    max_retries: EMULATOR_MAX_RETRIES,
  };
}

/**
 * Points every stack of the app at the local endpoint (call after every stack is built, before
 * synth). Throws for a resource or data source type whose service has no known endpoint.
 */
export function applyEmulatorMode(app: App, endpoint: string): void {
  const url = parseEmulatorEndpoint(endpoint);
  for (const construct of app.node.findAll()) {
    if (construct instanceof AwsProvider) configureProvider(construct, url);
    if (!(construct instanceof TerraformStack)) continue;
    const stack = construct;
    for (const backend of stack.node.children.filter((c): c is S3Backend => c instanceof S3Backend)) {
      for (const [key, value] of Object.entries(emulatorBackendSettings(url))) stack.addOverride(`terraform.backend.s3.${key}`, value);
      pointRemoteStateReadersAt(backend, url);
    }
    for (const type of terraformTypes(stack)) serviceOfType(type);
  }
}

/**
 * cdktf creates a consumer's `terraform_remote_state` during synth, from the producer's backend
 * (`getRemoteStateDataSource`), after this mode has run; so the backend's factory is wrapped to
 * give each data source it creates the same emulator settings as the backend itself.
 */
function pointRemoteStateReadersAt(backend: S3Backend, url: string): void {
  const create = backend.getRemoteStateDataSource.bind(backend);
  backend.getRemoteStateDataSource = (scope, name, fromStack) => {
    const remoteState = create(scope, name, fromStack);
    if (remoteState instanceof DataTerraformRemoteStateS3) {
      for (const [key, value] of Object.entries(emulatorBackendSettings(url))) remoteState.addOverride(`config.${key}`, value);
    }
    return remoteState;
  };
}

/** Resource and data source types declared directly in a stack (constructs with a terraformResourceType). */
function terraformTypes(stack: TerraformStack): Set<string> {
  const types = new Set<string>();
  for (const c of stack.node.findAll()) {
    const type = (c as { terraformResourceType?: unknown }).terraformResourceType;
    if (typeof type === "string" && !(c instanceof AwsProvider)) types.add(type);
  }
  return types;
}

/**
 * Emulator synth mode (IOT_AWS_ENDPOINT): only provider endpoints, credentials, skip flags,
 * max_retries and the S3 backend change; every resource, data source and output of every stack is
 * identical to a normal synth. Runs without the engine.
 */
import { App, Testing } from "cdktf";
import { environments } from "../environments";
import { buildApp } from "../stacks/app";
import {
  EMULATOR_CREDENTIALS,
  EMULATOR_ENDPOINT_VARIABLE,
  EMULATOR_MAX_RETRIES,
  EMULATOR_SERVICES,
  applyEmulatorMode,
  emulatorBackendSettings,
  emulatorEndpointFromEnv,
  parseEmulatorEndpoint,
  serviceOfType,
} from "../stacks/emulator-mode";
import { TfJson, synthAll } from "./helpers/synth-app";

const ENDPOINT = "http://127.0.0.1:45123";
/** The provider's HCL names of the endpoints attribute (cdktf camelCase -> snake/lower case). */
const HCL_SERVICES = EMULATOR_SERVICES.map((s) => s.toLowerCase()).sort();

const BLOCKS = ["resource", "data", "output", "variable", "locals", "moved", "import", "check"] as const;

/** A block with the emulator's settings taken out of every S3 remote state's config (checked on their own below). */
function withoutRemoteStateBackendSettings(block: TfJson | undefined): TfJson | undefined {
  if (!block?.terraform_remote_state) return block;
  const keys = Object.keys(emulatorBackendSettings(ENDPOINT));
  const remote = Object.fromEntries(
    Object.entries(block.terraform_remote_state as Record<string, TfJson>).map(([id, r]) => [
      id,
      r.backend === "s3" ? { ...r, config: Object.fromEntries(Object.entries(r.config as TfJson).filter(([k]) => !keys.includes(k))) } : r,
    ]),
  );
  return { ...block, terraform_remote_state: remote };
}

describe.each(["s3", "local"] as const)("emulator synth mode, %s state", (stateMode) => {
  const normal = synthAll({ stateMode }).stacks;
  const emulated = synthAll({ stateMode, awsEndpoint: ENDPOINT }).stacks;
  const names = Object.keys(normal);

  it("synthesizes the same stacks", () => {
    expect(Object.keys(emulated).sort()).toEqual(names.sort());
    expect(names.length).toBeGreaterThanOrEqual(19);
  });

  it.each(names)("%s: resources, data sources and outputs are identical to a normal synth", (name) => {
    for (const block of BLOCKS) expect([block, withoutRemoteStateBackendSettings(emulated[name][block])]).toEqual([block, normal[name][block]]);
    // Nothing else at the top level appears or disappears.
    expect(Object.keys(emulated[name]).sort()).toEqual(Object.keys(normal[name]).sort());
  });

  it.each(names)("%s: only the provider's endpoints, credentials, skip flags and max_retries change", (name) => {
    const before = normal[name].provider.aws as TfJson[];
    const after = emulated[name].provider.aws as TfJson[];
    expect(after).toHaveLength(before.length);
    after.forEach((provider, i) => {
      const { endpoints, access_key, secret_key, skip_credentials_validation, skip_metadata_api_check, s3_use_path_style, max_retries, ...rest } = provider;
      expect(rest).toEqual(before[i]);
      expect(endpoints).toEqual([Object.fromEntries(HCL_SERVICES.map((s) => [s, ENDPOINT]))]);
      expect({ access_key, secret_key }).toEqual({ access_key: EMULATOR_CREDENTIALS.accessKey, secret_key: EMULATOR_CREDENTIALS.secretKey });
      expect({ skip_credentials_validation, skip_metadata_api_check, s3_use_path_style, max_retries }).toEqual({
        skip_credentials_validation: true,
        skip_metadata_api_check: "true",
        s3_use_path_style: true,
        max_retries: EMULATOR_MAX_RETRIES,
      });
      // Kept on purpose: the account pin and the role variable behave as against AWS.
      expect(provider.allowed_account_ids).toEqual(before[i].allowed_account_ids);
      expect(provider.skip_requesting_account_id).toBeUndefined();
    });
    // The other terraform settings (required providers, versions) are untouched.
    const { backend: b1, ...terraformAfter } = emulated[name].terraform;
    const { backend: b0, ...terraformBefore } = normal[name].terraform;
    expect(terraformAfter).toEqual(terraformBefore);
    expect(Object.keys(b1)).toEqual(Object.keys(b0));
  });

  it.each(names)("%s: an S3 backend points at the endpoint with OpenTofu's attribute names; a local backend is unchanged", (name) => {
    const before = normal[name].terraform.backend;
    const after = emulated[name].terraform.backend;
    if (!before.s3) {
      expect(after).toEqual(before);
      return;
    }
    const { endpoints, access_key, secret_key, use_path_style, skip_credentials_validation, skip_metadata_api_check, max_retries, ...rest } = after.s3;
    expect(rest).toEqual(before.s3);
    expect(endpoints).toEqual({ s3: ENDPOINT, iam: ENDPOINT, sts: ENDPOINT });
    expect({ access_key, secret_key, use_path_style, skip_credentials_validation, skip_metadata_api_check, max_retries }).toEqual({
      access_key: EMULATOR_CREDENTIALS.accessKey,
      secret_key: EMULATOR_CREDENTIALS.secretKey,
      use_path_style: true,
      skip_credentials_validation: true,
      skip_metadata_api_check: true,
      max_retries: EMULATOR_MAX_RETRIES,
    });
    // OpenTofu's S3 backend has neither; either breaks `tofu init`.
    expect(after.s3).not.toHaveProperty("use_legacy_workflow");
    expect(endpoints).not.toHaveProperty("sso");
  });

  it.each(names)("%s: an S3 terraform_remote_state reads through the endpoint with the backend's settings; its address and key are unchanged", (name) => {
    const before = (normal[name].data?.terraform_remote_state ?? {}) as Record<string, TfJson>;
    const after = (emulated[name].data?.terraform_remote_state ?? {}) as Record<string, TfJson>;
    expect(Object.keys(after)).toEqual(Object.keys(before));
    for (const [id, remote] of Object.entries(after)) {
      if (before[id].backend !== "s3") {
        expect(remote).toEqual(before[id]);
        continue;
      }
      const { config, ...rest } = remote;
      const { config: configBefore, ...restBefore } = before[id];
      expect(rest).toEqual(restBefore);
      expect(config).toEqual({ ...configBefore, ...emulatorBackendSettings(ENDPOINT) });
    }
  });

  it("has an endpoint for the service of every resource and data source type the stacks use", () => {
    const types = new Set(names.flatMap((n) => ["resource", "data"].flatMap((b) => Object.keys(normal[n][b] ?? {}))));
    expect(types.size).toBeGreaterThan(20);
    for (const type of types) {
      const service = serviceOfType(type);
      if (service) expect([type, EMULATOR_SERVICES]).toEqual([type, expect.arrayContaining([service])]);
    }
  });
});

describe("emulator mode services", () => {
  it("covers what the brief of issue 16 names (and the shadow API of issue 18), under the provider's canonical attribute names", () => {
    expect([...EMULATOR_SERVICES].sort()).toEqual(
      ["apigatewayv2", "appautoscaling", "cloudwatch", "dynamodb", "iam", "iot", "kms", "lambda", "logs", "s3", "s3Control", "sns", "sqs", "sts"].sort(),
    );
  });

  it("fails for a type whose service has no endpoint, naming where to add it", () => {
    expect(() => serviceOfType("aws_ec2_instance")).toThrow(/aws_ec2_instance.*SERVICE_BY_TYPE_PREFIX in stacks\/emulator-mode\.ts/);
    expect(serviceOfType("aws_cloudwatch_log_group")).toBe("logs");
    expect(serviceOfType("aws_cloudwatch_metric_alarm")).toBe("cloudwatch");
    expect(serviceOfType("aws_iam_policy_document")).toBeNull();
  });
});

describe("IOT_AWS_ENDPOINT", () => {
  it.each([
    ["http://127.0.0.1:4566", "http://127.0.0.1:4566"],
    ["http://localhost:5000/", "http://localhost:5000"],
    ["https://127.0.0.1:443", "https://127.0.0.1:443"],
  ])("accepts %s", (value, normalized) => {
    expect(parseEmulatorEndpoint(value)).toBe(normalized);
    expect(emulatorEndpointFromEnv({ [EMULATOR_ENDPOINT_VARIABLE]: value })).toBe(normalized);
  });

  it("is off when unset or empty", () => {
    expect(emulatorEndpointFromEnv({})).toBeUndefined();
    expect(emulatorEndpointFromEnv({ IOT_AWS_ENDPOINT: "" })).toBeUndefined();
  });

  it.each([
    ["http://0.0.0.0:4566", /host 0\.0\.0\.0 is not 127\.0\.0\.1 or localhost/],
    ["http://10.0.0.5:4566", /host 10\.0\.0\.5/],
    ["https://s3.eu-west-1.amazonaws.com:443", /host s3\.eu-west-1\.amazonaws\.com/],
    ["http://127.0.0.1", /not a URL of the form scheme:\/\/host:port/],
    ["127.0.0.1:4566", /not a URL/],
    ["ftp://127.0.0.1:21", /not a URL/],
    ["http://127.0.0.1:4566/moto", /a path is not allowed/],
    ["http://user:pw@127.0.0.1:4566", /not a URL|host/],
    ["http://127.0.0.1:0", /port 0 is not 1\.\.65535/],
    ["http://127.0.0.1:70000", /port 70000/],
    ["http://localhost.example.com:4566", /host localhost\.example\.com/],
  ])("rejects %s with a message naming the variable", (value, why) => {
    const run = () => emulatorEndpointFromEnv({ IOT_AWS_ENDPOINT: value });
    expect(run).toThrow(/^IOT_AWS_ENDPOINT=".*" is invalid: /);
    expect(run).toThrow(why);
    expect(run).toThrow(/expected http:\/\/127\.0\.0\.1:<port> or http:\/\/localhost:<port>/);
  });

  it("a bad endpoint stops buildApp before any stack is built", () => {
    const app: App = Testing.app();
    expect(() => buildApp(app, { environments, awsEndpoint: "http://192.168.1.10:4566" })).toThrow(/IOT_AWS_ENDPOINT=.*host 192\.168\.1\.10/);
    expect(app.node.children).toHaveLength(0);
    expect(() => applyEmulatorMode(Testing.app(), "http://example.com:80")).toThrow(/IOT_AWS_ENDPOINT/);
  });
});

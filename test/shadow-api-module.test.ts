/**
 * Synth assertions on the ShadowApi construct: every route authorized (IAM, or JWT with scopes),
 * never an open one; throttled, access-logged stage; a least-privilege role with no wildcard
 * resource but X-Ray's; the function hardened like the processors.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Testing, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SHADOW_API_ROUTES, ShadowApi, ShadowApiProps, shadowResourceArns } from "../modules/shadow-api";

type Json = Record<string, any>;
const work = mkdtempSync(join(tmpdir(), "shadow-api-test-"));
const bundleDir = join(work, "shadow-api");
mkdirSync(bundleDir);
writeFileSync(join(bundleDir, "index.js"), "exports.handler = async () => ({});\n");
afterAll(() => rmSync(work, { recursive: true, force: true }));

const TABLE = {
  name: "iot-dev-shadow-history",
  arn: "arn:aws:dynamodb:eu-west-1:111111111111:table/iot-dev-shadow-history",
  kmsKeyArn: "arn:aws:kms:eu-west-1:111111111111:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
};
const BASE: ShadowApiProps = { name: "iot-dev-shadow-api", bundleDir, historyTable: TABLE, accountId: "111111111111", region: "eu-west-1", thingNamePrefix: "Thermostat-", shadows: { classic: true, named: ["config"] } };

function synth(overrides: Partial<ShadowApiProps> = {}): Json {
  const stack = new TerraformStack(Testing.app(), "test");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  new ShadowApi(stack, "api", { ...BASE, ...overrides });
  return JSON.parse(Testing.synth(stack));
}

const resources = (tf: Json, type: string): Json[] => Object.values(tf.resource?.[type] ?? {});
const one = (tf: Json, type: string): Json => {
  const all = resources(tf, type);
  expect(all).toHaveLength(1);
  return all[0];
};
const statements = (tf: Json): Json[] => Object.values(tf.data.aws_iam_policy_document as Json).flatMap((d: Json) => d.statement ?? []);

describe("ShadowApi", () => {
  const tf = synth();

  it("has exactly the three routes, each authorized with AWS_IAM and pointing at the function's integration", () => {
    const routes = resources(tf, "aws_apigatewayv2_route");
    expect(routes.map((r) => r.route_key).sort()).toEqual(Object.values(SHADOW_API_ROUTES).sort());
    for (const r of routes) {
      expect(r.authorization_type).toBe("AWS_IAM");
      expect(r.target).toMatch(/^integrations\/\$\{aws_apigatewayv2_integration\./);
    }
    expect(one(tf, "aws_apigatewayv2_integration")).toMatchObject({ integration_type: "AWS_PROXY", payload_format_version: "2.0" });
    expect(one(tf, "aws_apigatewayv2_api").protocol_type).toBe("HTTP");
  });

  it("with a JWT authorizer, authorizes every route with it and asks the write scopes on PATCH only", () => {
    const jwt = synth({ authorization: { kind: "jwt", issuer: "https://auth.example.com/", audience: ["shadow-app"], readScopes: ["shadows/read"], writeScopes: ["shadows/write"] } });
    expect(one(jwt, "aws_apigatewayv2_authorizer")).toMatchObject({ authorizer_type: "JWT", jwt_configuration: { issuer: "https://auth.example.com/", audience: ["shadow-app"] } });
    const routes = resources(jwt, "aws_apigatewayv2_route");
    expect(routes).toHaveLength(3);
    for (const r of routes) {
      expect(r.authorization_type).toBe("JWT");
      expect(r.authorizer_id).toMatch(/aws_apigatewayv2_authorizer\./);
      expect(r.authorization_scopes).toEqual(r.route_key.startsWith("PATCH") ? ["shadows/write"] : ["shadows/read"]);
    }
  });

  it("refuses to build an unauthenticated API, or a JWT authorizer that accepts no audience", () => {
    expect(() => synth({ authorization: { kind: "none" } as never })).toThrow(/ShadowApi authorization.kind: "none" is not allowed.*never created/);
    expect(() => synth({ authorization: { kind: "jwt", issuer: "https://auth.example.com/", audience: [] } })).toThrow(/authorization.audience/);
    expect(() => synth({ authorization: { kind: "jwt", issuer: "http://auth.example.com/", audience: ["a"] } })).toThrow(/authorization.issuer/);
  });

  it("throttles the stage from props and writes JSON access logs to a KMS-encrypted log group with retention", () => {
    const stage = one(tf, "aws_apigatewayv2_stage");
    expect(stage).toMatchObject({ name: "$default", auto_deploy: true, default_route_settings: { throttling_rate_limit: 50, throttling_burst_limit: 100 } });
    const groups = tf.resource.aws_cloudwatch_log_group as Json;
    const [accessName] = Object.entries(groups).find(([, g]) => g.name === "/aws/apigateway/iot-dev-shadow-api/access")!;
    expect(stage.access_log_settings.destination_arn).toBe(`\${aws_cloudwatch_log_group.${accessName}.arn}`);
    expect(Object.keys(JSON.parse(stage.access_log_settings.format))).toEqual(expect.arrayContaining(["requestId", "routeKey", "status", "iamPrincipal"]));
    for (const g of Object.values(groups)) expect(g).toMatchObject({ retention_in_days: 365, kms_key_id: expect.stringMatching(/aws_kms_key\./) });
    const throttled = synth({ throttling: { rateLimit: 5, burstLimit: 10 }, logRetentionDays: 30 });
    expect(one(throttled, "aws_apigatewayv2_stage").default_route_settings).toMatchObject({ throttling_rate_limit: 5, throttling_burst_limit: 10 });
    expect(() => synth({ throttling: { rateLimit: 0, burstLimit: 10 } })).toThrow(/throttling.rateLimit/);
  });

  it("grants the function exactly shadows of the environment's things and Query on the history table: no wildcard but X-Ray's", () => {
    const all = statements(tf);
    const wildcard = all.filter((s) => (s.resources ?? []).includes("*"));
    expect(wildcard.map((s) => s.actions)).toEqual([["xray:PutTraceSegments", "xray:PutTelemetryRecords"]]);
    for (const s of all) for (const a of s.actions ?? []) expect(a).not.toMatch(/\*/);
    const shadow = all.find((s) => s.sid === "ReadAndUpdateServedShadows")!;
    expect(shadow.actions).toEqual(["iot:GetThingShadow", "iot:UpdateThingShadow"]);
    const arn = (tail: string) => expect.stringMatching(new RegExp(`^arn:\\$\\{data\\.aws_partition\\.[^}]+\\.partition\\}:iot:eu-west-1:111111111111:${tail}$`));
    expect(shadow.resources).toEqual([arn("thing/Thermostat-\\*"), arn("thing/Thermostat-\\*/config")]);
    const query = all.find((s) => s.sid === "QueryHistory")!;
    expect(query).toMatchObject({ actions: ["dynamodb:Query"], resources: [TABLE.arn, `${TABLE.arn}/index/byThingTime`] });
    expect(all.find((s) => s.sid === "DecryptHistoryThroughDynamoDB")).toMatchObject({ actions: ["kms:Decrypt"], resources: [TABLE.kmsKeyArn] });
    expect(all.flatMap((s) => s.actions ?? []).filter((a: string) => a.startsWith("dynamodb:"))).toEqual(["dynamodb:Query"]);
  });

  it("names each served named shadow when the classic shadow is not served", () => {
    expect(shadowResourceArns({ partition: "aws", region: "eu-west-1", accountId: "111111111111", thingNamePrefix: "Hvac", shadows: { classic: false, named: ["maintenance", "schedule"] } })).toEqual([
      "arn:aws:iot:eu-west-1:111111111111:thing/Hvac*/maintenance",
      "arn:aws:iot:eu-west-1:111111111111:thing/Hvac*/schedule",
    ]);
  });

  it("lets only this API's routes invoke the function, which is traced and KMS-encrypted", () => {
    expect(one(tf, "aws_lambda_permission")).toMatchObject({ principal: "apigateway.amazonaws.com", source_account: "111111111111", source_arn: expect.stringMatching(/^\$\{aws_apigatewayv2_api\.[^}]+\.execution_arn\}\/\*\/\*\/things\/\*$/) });
    const fn = one(tf, "aws_lambda_function");
    expect(fn).toMatchObject({ runtime: "nodejs22.x", tracing_config: { mode: "Active" }, kms_key_arn: expect.stringMatching(/aws_kms_key\./), timeout: 10 });
    expect(fn.environment.variables).toMatchObject({ TABLE_NAME: TABLE.name, THING_NAME_PREFIX: "Thermostat-", SHADOWS: JSON.stringify({ classic: true, named: ["config"] }) });
    expect(fn.environment.variables.IOT_DATA_ENDPOINT).toMatch(/^https:\/\/\$\{data\.aws_iot_endpoint\./);
  });

  it("names the prop at fault", () => {
    expect(() => synth({ name: "x".repeat(60) })).toThrow(/ShadowApi name/);
    expect(() => synth({ thingNamePrefix: "Thermo stat" })).toThrow(/ShadowApi thingNamePrefix/);
    expect(() => synth({ timeoutSeconds: 30 })).toThrow(/ShadowApi timeoutSeconds/);
    expect(() => synth({ shadows: { classic: false, named: [] } })).toThrow(/ShadowApi shadows/);
    expect(() => synth({ shadows: { classic: true, named: ["$classic"] } })).toThrow(/shadows.named\[0\]/);
  });
});

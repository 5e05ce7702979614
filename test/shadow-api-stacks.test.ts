/**
 * The shadow API in the environments: on in dev (config api.enabled), off elsewhere; every route of
 * every synthesized stack authorized, its stage access-logged, its URL a stack output; config
 * mistakes named by field.
 */
import { environments } from "../environments";
import { EnvironmentConfigError, resolveEnvironment } from "../lib/config-schema";
import { resourcesOf, synthAll } from "./helpers/synth-app";

const { stacks } = synthAll();
const platforms = Object.entries(stacks).filter(([name]) => name.endsWith("-platform"));

describe("shadow API wiring", () => {
  it("is in iot-dev-platform only, with its URL as the output shadow_api_url", () => {
    const withApi = platforms.filter(([, tf]) => resourcesOf(tf, "aws_apigatewayv2_api").length > 0).map(([name]) => name);
    expect(withApi).toEqual(["iot-dev-platform"]);
    const dev = stacks["iot-dev-platform"];
    expect(dev.output.shadow_api_url.value).toMatch(/^\$\{aws_apigatewayv2_stage\.[^}]+\.invoke_url\}$/);
    for (const [name, tf] of platforms) if (name !== "iot-dev-platform") expect(tf.output?.shadow_api_url).toBeUndefined();
  });

  it("authorizes every route of every stack and access-logs every stage, throttled from config", () => {
    const routes = Object.values(stacks).flatMap((tf) => resourcesOf(tf, "aws_apigatewayv2_route"));
    expect(routes).toHaveLength(3);
    for (const [, r] of routes) expect(["AWS_IAM", "JWT"]).toContain(r.authorization_type);
    for (const [, stage] of Object.values(stacks).flatMap((tf) => resourcesOf(tf, "aws_apigatewayv2_stage"))) {
      expect(stage.access_log_settings.destination_arn).toMatch(/aws_cloudwatch_log_group\./);
      expect(stage.default_route_settings).toMatchObject({ throttling_rate_limit: 20, throttling_burst_limit: 40 });
    }
  });

  it("names the api field at fault in an environment file", () => {
    const bad = (api: unknown) => () => resolveEnvironment({ ...environments.dev, api }, "dev");
    expect(bad({ enabled: true, throttling: { rateLimit: 0, burstLimit: 10 } })).toThrow(/api\.throttling\.rateLimit: must be requests per second/);
    expect(bad({ enabled: true, jwt: { issuer: "https://auth.example.com/", audience: [] } })).toThrow(/api\.jwt\.audience: list at least one audience/);
    expect(bad({ enabled: true, open: true })).toThrow(EnvironmentConfigError);
  });
});

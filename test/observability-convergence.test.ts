/**
 * Document size and convergence latency on the dashboard, and the p99
 * convergence alarm: in the module's synth, and through the real app with the
 * thresholds the environment configs set (alarms.convergenceLatencyP99Seconds).
 */
import { TerraformStack, Testing } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { environments } from "../environments";
import { EnvironmentConfigError, resolveEnvironment } from "../lib/config-schema";
import { Observability, ObservabilityProps } from "../modules/observability";
import { TfJson, resourcesOf, synthAll } from "./helpers/synth-app";

const NAMESPACE = "IotShadow/thermostat/dev";
const BASE: ObservabilityProps = {
  namePrefix: "iot-dev",
  accountId: "111111111111",
  region: "eu-west-1",
  metricNamespace: NAMESPACE,
  processorFunctionName: "iot-dev-shadow-history",
  deadLetterQueueName: "iot-dev-shadow-history-dlq",
  errorQueueName: "iot-dev-rule-errors",
  historyTableName: "iot-dev-shadow-history",
  thresholds: { processorErrors: 1, processorThrottles: 1, deadLetterMessages: 1, errorActionMessages: 1, invalidEvents: 1 },
};

function synth(overrides: Partial<ObservabilityProps> = {}): TfJson {
  const stack = new TerraformStack(Testing.app(), "test");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  new Observability(stack, "obs", { ...BASE, ...overrides });
  return JSON.parse(Testing.synth(stack));
}

const alarmNamed = (json: TfJson, name: string): TfJson | undefined => resourcesOf(json, "aws_cloudwatch_metric_alarm").find(([, a]) => a.alarm_name === name)?.[1];
const topicArnOf = (json: TfJson): string => {
  const topics = resourcesOf(json, "aws_sns_topic");
  expect(topics).toHaveLength(1);
  return "${aws_sns_topic." + topics[0][0] + ".arn}";
};
/** Metric widgets by title: each row as [metric name, dimensions..., stat]. */
function widgets(json: TfJson): Record<string, (string | number)[][]> {
  const [[, dashboard]] = resourcesOf(json, "aws_cloudwatch_dashboard");
  const body = JSON.parse(dashboard.dashboard_body);
  return Object.fromEntries(
    body.widgets
      .filter((w: TfJson) => w.type === "metric")
      .map((w: TfJson) => [w.properties.title, w.properties.metrics.map((row: unknown[]) => [...row.slice(1, -1), (row.at(-1) as TfJson).stat])]),
  );
}

describe("Observability: convergence latency alarm", () => {
  it("fires on p99 ConvergenceLatency at the configured threshold for three 5-minute periods, to the alarm topic", () => {
    const json = synth({ thresholds: { ...BASE.thresholds, convergenceLatencyP99Seconds: 120 } });
    const alarm = alarmNamed(json, "iot-dev-convergence-latency-p99");
    expect(alarm).toEqual(
      expect.objectContaining({
        namespace: NAMESPACE,
        metric_name: "ConvergenceLatency",
        dimensions: { service: "shadow-history" },
        extended_statistic: "p99",
        evaluate_low_sample_count_percentiles: "evaluate",
        period: 300,
        evaluation_periods: 3,
        datapoints_to_alarm: 3,
        comparison_operator: "GreaterThanOrEqualToThreshold",
        threshold: 120,
        treat_missing_data: "notBreaching",
        alarm_actions: [topicArnOf(json)],
        ok_actions: [topicArnOf(json)],
      }),
    );
    // A percentile goes in extended_statistic only; CloudWatch rejects an alarm with both.
    expect(alarm).not.toHaveProperty("statistic");
  });

  it("defaults to 600 seconds", () => {
    expect(alarmNamed(synth(), "iot-dev-convergence-latency-p99")?.threshold).toBe(600);
  });

  it.each([0, -5, Number.NaN])("rejects thresholds.convergenceLatencyP99Seconds = %d, naming the field", (value) => {
    expect(() => synth({ thresholds: { ...BASE.thresholds, convergenceLatencyP99Seconds: value } })).toThrow(
      new RegExp(`Observability thresholds\\.convergenceLatencyP99Seconds: ${value} must be a number of seconds greater than 0`),
    );
  });
});

describe("Observability: size and convergence widgets", () => {
  it("shows document size average and maximum, and convergence latency p50 and p99, from the processor's EMF metrics", () => {
    const byTitle = widgets(synth());
    expect(byTitle["Shadow document size (bytes)"]).toEqual([
      ["ShadowDocumentSize", "service", "shadow-history", "Average"],
      ["ShadowDocumentSize", "service", "shadow-history", "Maximum"],
    ]);
    expect(byTitle["Convergence latency: desired to matching report (s)"]).toEqual([
      ["ConvergenceLatency", "service", "shadow-history", "p50"],
      ["ConvergenceLatency", "service", "shadow-history", "p99"],
    ]);
  });
});

describe("alarms.convergenceLatencyP99Seconds in the environment config", () => {
  it("defaults to 600 s, prod sets 300 s", () => {
    expect(resolveEnvironment(environments.dev, "dev").alarms.convergenceLatencyP99Seconds).toBe(600);
    expect(resolveEnvironment(environments.prod, "prod").alarms.convergenceLatencyP99Seconds).toBe(300);
  });

  it.each([0, 1.5, 86_401])("rejects %d, naming the field", (value) => {
    const raw = { ...environments.dev, alarms: { ...environments.dev.alarms, convergenceLatencyP99Seconds: value } };
    expect(() => resolveEnvironment(raw, "dev")).toThrow(EnvironmentConfigError);
    expect(() => resolveEnvironment(raw, "dev")).toThrow(/alarms\.convergenceLatencyP99Seconds/);
  });

  it("reaches each platform stack's alarm, notifying that stack's alarm topic, next to the dashboard widgets", () => {
    const { stacks } = synthAll();
    for (const [stack, threshold] of [["iot-dev-platform", 600], ["iot-prod-platform", 300]] as const) {
      const json = stacks[stack];
      const alarm = alarmNamed(json, `${stack.replace(/-platform$/, "")}-convergence-latency-p99`);
      expect(alarm).toMatchObject({ metric_name: "ConvergenceLatency", extended_statistic: "p99", threshold, alarm_actions: [topicArnOf(json)], ok_actions: [topicArnOf(json)] });
      expect(Object.keys(widgets(json))).toEqual(expect.arrayContaining(["Shadow document size (bytes)", "Convergence latency: desired to matching report (s)"]));
    }
  });
});

/**
 * rules.ingestion "buffered" as synthesized (prod of each product line) against "direct" (the default):
 * the documents rules send to an encrypted queue with a dead-letter queue, the history processor drains
 * it through an event source mapping, the IoT role may send to that queue only, and the queue's age and
 * dead-letter depth are alarmed. Config mistakes stop synth naming the field.
 */
import { environments } from "../environments";
import { resolveEnvironment } from "../lib/config-schema";
import { resourcesOf, synthAll, TfJson } from "./helpers/synth-app";

let stacks: Record<string, TfJson>;
beforeAll(() => {
  stacks = synthAll().stacks;
});

const one = (stack: TfJson, type: string, nameIncludes: string): TfJson => {
  const found = resourcesOf(stack, type).filter(([id]) => id.includes(nameIncludes));
  expect(found).toHaveLength(1);
  return found[0][1];
};
const documentsRules = (stack: TfJson) => resourcesOf(stack, "aws_iot_topic_rule").filter(([, r]) => String(r.name).includes("_shadow_documents_"));

describe("buffered ingestion (iot-prod, hvac-prod)", () => {
  it.each(["iot-prod-platform", "hvac-prod-platform"])("%s: the documents rules send to the KMS-encrypted ingest queue, which dead-letters after maxReceiveCount", (name) => {
    const stack = stacks[name];
    const queue = one(stack, "aws_sqs_queue", "ingest-queue");
    const dlq = one(stack, "aws_sqs_queue", "ingest-dead-letter-queue");
    expect(queue.kms_master_key_id).toMatch(/^\$\{aws_kms_key\.shadow_rules_ingest-key_[A-F0-9]+\.arn\}$/);
    expect(dlq.kms_master_key_id).toBe(queue.kms_master_key_id);
    const redrive = JSON.parse(queue.redrive_policy);
    expect(redrive.deadLetterTargetArn).toMatch(/ingest-dead-letter-queue.*\.arn\}$/);
    expect(redrive.maxReceiveCount).toBe(5);
    for (const [, rule] of documentsRules(stack)) {
      expect(rule.sqs).toEqual([{ queue_url: expect.stringMatching(/ingest-queue.*\.url\}$/), role_arn: expect.stringMatching(/ingest-role.*\.arn\}$/), use_base64: false }]);
      expect(JSON.stringify(rule.lambda ?? [])).not.toContain("processor_function");
      expect(rule.error_action).toBeDefined();
      expect(rule.cloudwatch_metric).toHaveLength(1);
    }
    // IoT no longer invokes the history processor.
    expect(resourcesOf(stack, "aws_lambda_permission").filter(([, p]) => String(p.function_name).includes("processor_function_"))).toEqual([]);
  });

  it("the visibility timeout is 6 x the function timeout + the batching window; the mapping reports batch item failures at a bounded concurrency", () => {
    const stack = stacks["iot-prod-platform"];
    const fn = one(stack, "aws_lambda_function", "processor_function");
    expect(one(stack, "aws_sqs_queue", "ingest-queue").visibility_timeout_seconds).toBe(6 * fn.timeout + 1);
    const mapping = one(stack, "aws_lambda_event_source_mapping", "processor_event_source_mapping");
    expect(mapping).toMatchObject({
      batch_size: 25,
      maximum_batching_window_in_seconds: 1,
      function_response_types: ["ReportBatchItemFailures"],
      scaling_config: { maximum_concurrency: 10 },
      event_source_arn: expect.stringMatching(/ingest-queue.*\.arn\}$/),
      function_name: expect.stringMatching(/processor_function.*\.arn\}$/),
    });
  });

  it("the IoT role may send to the ingest queue only, and use its key only through SQS; the key policy names it", () => {
    const stack = stacks["iot-prod-platform"];
    const policy = JSON.parse(one(stack, "aws_iam_role_policy", "ingest-policy").policy);
    expect(policy.Statement).toEqual([
      { Sid: "SendToTheIngestQueueOnly", Effect: "Allow", Action: "sqs:SendMessage", Resource: expect.stringMatching(/ingest-queue.*\.arn\}$/) },
      expect.objectContaining({ Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: expect.stringMatching(/ingest-key.*\.arn\}$/), Condition: { StringEquals: { "kms:ViaService": expect.stringMatching(/^sqs\.eu-west-1\./) } } }),
    ]);
    const keyPolicy = JSON.parse(one(stack, "aws_kms_key", "ingest-key").policy);
    const sender = keyPolicy.Statement.find((s: TfJson) => s.Sid === "IotRuleSendsThroughSqs");
    expect(sender).toMatchObject({ Principal: { AWS: expect.stringMatching(/ingest-role.*\.arn\}$/) }, Condition: { StringEquals: { "kms:ViaService": expect.stringMatching(/^sqs\./) } } });
    const queuePolicy = JSON.parse(one(stack, "aws_sqs_queue_policy", "ingest-queue-policy").policy);
    const sendDeny = queuePolicy.Statement.find((s: TfJson) => s.Sid === "OnlyTheRuleRoleSends");
    expect(sendDeny.Condition.ArnNotEquals["aws:PrincipalArn"]).toEqual([expect.stringMatching(/ingest-role/), "arn:aws:iam::333333333333:role/iot-platform-operator"]);
  });

  it("the consumer role reads that queue and decrypts through SQS", () => {
    const policy = JSON.parse(one(stacks["iot-prod-platform"], "aws_iam_role_policy", "queue_consumer_policy").policy);
    expect(policy.Statement[0]).toMatchObject({ Action: expect.arrayContaining(["sqs:ReceiveMessage", "sqs:DeleteMessage"]), Resource: expect.stringMatching(/ingest-queue.*\.arn\}$/) });
    expect(policy.Statement[1]).toMatchObject({ Action: "kms:Decrypt", Condition: { StringEquals: { "kms:ViaService": expect.stringMatching(/^sqs\./) } } });
  });

  it("alarms on the oldest message's age and the dead-letter depth, and shows both on the dashboard", () => {
    const stack = stacks["iot-prod-platform"];
    const age = one(stack, "aws_cloudwatch_metric_alarm", "alarm-ingestQueueAge");
    expect(age).toMatchObject({ namespace: "AWS/SQS", metric_name: "ApproximateAgeOfOldestMessage", threshold: 300, dimensions: { QueueName: expect.stringMatching(/ingest-queue.*\.name\}$/) } });
    const depth = one(stack, "aws_cloudwatch_metric_alarm", "alarm-ingestDeadLetterMessages");
    expect(depth).toMatchObject({ metric_name: "ApproximateNumberOfMessagesVisible", dimensions: { QueueName: expect.stringMatching(/ingest-dead-letter-queue.*\.name\}$/) } });
    const body = one(stack, "aws_cloudwatch_dashboard", "dashboard").dashboard_body as string;
    expect(body).toContain("ApproximateAgeOfOldestMessage");
    expect(body).toContain("BatchItemFailures");
  });
});

describe("direct ingestion (the default: dev, staging, hvac-dev)", () => {
  it.each(["iot-dev-platform", "iot-staging-platform", "hvac-dev-platform"])("%s has no ingest queue or mapping, and the rules invoke the processor", (name) => {
    const stack = stacks[name];
    expect(resourcesOf(stack, "aws_lambda_event_source_mapping")).toEqual([]);
    expect(resourcesOf(stack, "aws_sqs_queue").filter(([id]) => id.includes("ingest"))).toEqual([]);
    expect(JSON.stringify(stack.resource.aws_cloudwatch_dashboard)).not.toContain("ApproximateAgeOfOldestMessage");
    for (const [, rule] of documentsRules(stack)) {
      expect(rule.sqs).toBeUndefined();
      expect(JSON.stringify(rule.lambda)).toContain("processor_function");
    }
  });
});

describe("rules.ingestion config", () => {
  const dev = environments.dev;
  const problems = (rules: object, processor?: object) => {
    try {
      resolveEnvironment({ ...dev, rules, ...(processor ? { processor } : {}) }, "dev");
      return "";
    } catch (e) {
      return (e as Error).message;
    }
  };

  it("defaults to direct with no buffer, and resolves buffer defaults for buffered", () => {
    expect(resolveEnvironment(dev, "dev").rules).toMatchObject({ ingestion: "direct" });
    expect(resolveEnvironment(dev, "dev").rules.buffer).toBeUndefined();
    expect(resolveEnvironment({ ...dev, rules: { ingestion: "buffered" } }, "dev").rules.buffer).toEqual({
      batchSize: 10,
      maximumBatchingWindowSeconds: 0,
      maximumConcurrency: 10,
      maxReceiveCount: 5,
      visibilityTimeoutSeconds: 180,
      messageRetentionSeconds: 345_600,
    });
  });

  it("refuses a visibility timeout below 6 x the function timeout + the window, naming the field and the minimum", () => {
    expect(problems({ ingestion: "buffered", buffer: { visibilityTimeoutSeconds: 100 } })).toContain(
      "rules.buffer.visibilityTimeoutSeconds: is 100, below 6 x processor.timeoutSeconds (30) + maximumBatchingWindowSeconds (0) = 180",
    );
    expect(problems({ ingestion: "buffered", buffer: { visibilityTimeoutSeconds: 180 } })).toBe("");
  });

  it("refuses buffer settings without buffered ingestion, a batch above 10 without a window, and a concurrency above the reserved one", () => {
    expect(problems({ buffer: { batchSize: 5 } })).toContain('rules.buffer: applies only to buffered ingestion; set rules.ingestion to "buffered"');
    expect(problems({ ingestion: "buffered", buffer: { batchSize: 50 } })).toContain("rules.buffer.maximumBatchingWindowSeconds: must be at least 1 with batchSize 50");
    expect(problems({ ingestion: "buffered", buffer: { maximumConcurrency: 30 } }, { reservedConcurrency: 20 })).toContain(
      "rules.buffer.maximumConcurrency: is 30, above processor.reservedConcurrency (20)",
    );
  });
});

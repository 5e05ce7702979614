import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { App, Testing, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { HistoryStore } from "../modules/history-store";
import { ShadowProcessor, ShadowProcessorProps } from "../modules/shadow-processor";
import { createZip, packageDirectory } from "../modules/shadow-processor/zip";

type Json = Record<string, any>;
/** crc32("ay"), from an independent implementation (Python's binascii). */
const CRC32_OF_AY = 0x14e68181;

const work = mkdtempSync(join(tmpdir(), "shadow-processor-test-"));
const bundleDir = join(work, "shadow-history");
mkdirSync(bundleDir);
writeFileSync(join(bundleDir, "index.js"), "exports.handler = async () => ({});\n");
afterAll(() => rmSync(work, { recursive: true, force: true }));

const TABLE = {
  name: "iot-dev-shadow-history",
  arn: "arn:aws:dynamodb:eu-west-1:111111111111:table/iot-dev-shadow-history",
  kmsKeyArn: "arn:aws:kms:eu-west-1:111111111111:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
};
const BASE: ShadowProcessorProps = { functionName: "iot-dev-shadow-history", bundleDir, historyTable: TABLE, metricNamespace: "IotShadow/thermostat/dev" };

function stackIn(app: App, id = "test"): TerraformStack {
  const stack = new TerraformStack(app, id);
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  return stack;
}

function synth(overrides: Partial<ShadowProcessorProps> = {}): { processor: ShadowProcessor; tf: Json } {
  const stack = stackIn(Testing.app());
  const processor = new ShadowProcessor(stack, "processor", { ...BASE, ...overrides });
  return { processor, tf: JSON.parse(Testing.synth(stack)) };
}

function only(tf: Json, type: string): [string, Json] {
  const entries = Object.entries(tf.resource?.[type] ?? {});
  expect(entries).toHaveLength(1);
  return entries[0] as [string, Json];
}
const ref = (type: string, name: string, attr: string) => `\${${type}.${name}.${attr}}`;
/** The policy document data source whose logical name contains `part`. */
function doc(tf: Json, part: string): Json {
  const [, d] = Object.entries(tf.data.aws_iam_policy_document).find(([n]) => n.includes(part))!;
  return d as Json;
}

describe("ShadowProcessor defaults", () => {
  const { processor, tf } = synth();
  const [fnName, fn] = only(tf, "aws_lambda_function");
  const [keyName, key] = only(tf, "aws_kms_key");
  const [logName, logGroup] = only(tf, "aws_cloudwatch_log_group");
  const [dlqName, dlq] = only(tf, "aws_sqs_queue");
  const [rolePolicyName, rolePolicy] = only(tf, "aws_iam_role_policy");
  const [roleName, role] = only(tf, "aws_iam_role");

  it("is a nodejs22.x arm64 function with active tracing and KMS-encrypted environment", () => {
    expect(fn).toMatchObject({
      function_name: "iot-dev-shadow-history",
      runtime: "nodejs22.x",
      architectures: ["arm64"],
      handler: "index.handler",
      memory_size: 256,
      timeout: 30,
      tracing_config: { mode: "Active" },
      kms_key_arn: ref("aws_kms_key", keyName, "arn"),
      role: ref("aws_iam_role", roleName, "arn"),
    });
    expect(fn.reserved_concurrent_executions).toBeUndefined();
    expect(fn.environment.variables).toEqual({
      TABLE_NAME: "iot-dev-shadow-history",
      POWERTOOLS_SERVICE_NAME: "shadow-history",
      POWERTOOLS_METRICS_NAMESPACE: "IotShadow/thermostat/dev",
      POWERTOOLS_LOG_LEVEL: "INFO",
      NODE_OPTIONS: "--enable-source-maps",
    });
  });

  it("deploys the deterministic zip of the bundle with its sha256 as source_code_hash", () => {
    const zip = readFileSync(`${bundleDir}.zip`);
    const sha = createHash("sha256").update(zip).digest();
    expect(fn.source_code_hash).toBe(sha.toString("base64"));
    // Content-addressed: the asset folder changes exactly when the zip does.
    expect(fn.filename).toMatch(new RegExp(`^assets/[\\w-]+/${sha.toString("hex")}/shadow-history\\.zip$`));
    expect(processor.codeSha256).toBe(sha.toString("base64"));
  });

  it("creates its log group first, with retention and KMS encryption", () => {
    expect(logGroup).toMatchObject({ name: "/aws/lambda/iot-dev-shadow-history", retention_in_days: 365, kms_key_id: ref("aws_kms_key", keyName, "arn") });
    expect(fn.depends_on).toEqual(expect.arrayContaining([`aws_cloudwatch_log_group.${logName}`, `aws_iam_role_policy.${rolePolicyName}`]));
  });

  it("sends failed events to a KMS-encrypted dead-letter queue, both as DLQ and on-failure destination, after bounded retries", () => {
    expect(dlq).toMatchObject({ name: "iot-dev-shadow-history-dlq", kms_master_key_id: ref("aws_kms_key", keyName, "arn"), message_retention_seconds: 1_209_600 });
    expect(fn.dead_letter_config).toEqual({ target_arn: ref("aws_sqs_queue", dlqName, "arn") });
    const [, invoke] = only(tf, "aws_lambda_function_event_invoke_config");
    expect(invoke).toMatchObject({
      function_name: ref("aws_lambda_function", fnName, "function_name"),
      maximum_retry_attempts: 2,
      maximum_event_age_in_seconds: 3600,
      destination_config: { on_failure: { destination: ref("aws_sqs_queue", dlqName, "arn") } },
    });
    const [, queuePolicy] = only(tf, "aws_sqs_queue_policy");
    expect(queuePolicy.queue_url).toBe(ref("aws_sqs_queue", dlqName, "url"));
    const queueArn = ref("aws_sqs_queue", dlqName, "arn");
    expect(JSON.parse(queuePolicy.policy).Statement).toEqual([
      { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "sqs:*", Resource: queueArn, Condition: { Bool: { "aws:SecureTransport": false } } },
      // Lambda sends failed async events with the execution role: nobody else may send.
      { Sid: "OnlyTheSenderRoleSends", Effect: "Deny", Principal: "*", Action: "sqs:SendMessage", Resource: queueArn, Condition: { ArnNotEquals: { "aws:PrincipalArn": ref("aws_iam_role", roleName, "arn") } } },
      // No operator role configured: nobody may read (the secure default).
      { Sid: "NobodyReadsWithoutAnOperatorRole", Effect: "Deny", Principal: "*", Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage"], Resource: queueArn },
    ]);
  });

  it("lets only the operator role receive and delete dead-lettered events when one is given", () => {
    const operatorRoleArn = "arn:aws:iam::111111111111:role/iot-platform-operator";
    const withOperator = synth({ operatorRoleArn }).tf;
    const [queueName] = only(withOperator, "aws_sqs_queue");
    const statements = JSON.parse(only(withOperator, "aws_sqs_queue_policy")[1].policy).Statement;
    expect(statements[2]).toEqual({
      Sid: "OnlyTheOperatorRoleReads",
      Effect: "Deny",
      Principal: "*",
      Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage"],
      Resource: ref("aws_sqs_queue", queueName, "arn"),
      Condition: { ArnNotEquals: { "aws:PrincipalArn": operatorRoleArn } },
    });
    expect(() => synth({ operatorRoleArn: "arn:aws:iam::222222222222:role/ops" })).toThrow(
      /ShadowProcessor operatorRoleArn: .* is a role of account 222222222222; use a role of account 111111111111/,
    );
    expect(() => synth({ operatorRoleArn: "ops" })).toThrow(/ShadowProcessor operatorRoleArn: "ops" must be an IAM role ARN/);
  });

  it("uses a rotating key whose policy lets CloudWatch Logs use it for this log group only", () => {
    expect(key).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30 });
    expect(only(tf, "aws_kms_alias")[1]).toEqual({ name: "alias/iot-dev-shadow-history-function", target_key_id: ref("aws_kms_key", keyName, "key_id") });
    const statements = JSON.parse(key.policy).Statement;
    expect(statements.map((s: Json) => s.Sid)).toEqual(["EnableIamPoliciesOfThisAccount", "AllowCloudWatchLogsForItsLogGroups"]);
    expect(statements[0]).toMatchObject({ Principal: { AWS: expect.stringMatching(/^arn:\$\{data\.aws_partition\.\w+\.partition\}:iam::\$\{data\.aws_caller_identity\.\w+\.account_id\}:root$/) }, Action: "kms:*" });
    expect(statements[1].Principal).toEqual({ Service: expect.stringMatching(/^logs\.\$\{data\.aws_region\.\w+\.region\}\.\$\{data\.aws_partition\.\w+\.dns_suffix\}$/) });
    expect(statements[1].Condition).toEqual({
      ArnEquals: {
        "kms:EncryptionContext:aws:logs:arn": expect.stringMatching(
          /^arn:\$\{data\.aws_partition\.\w+\.partition\}:logs:\$\{data\.aws_region\.\w+\.region\}:\$\{data\.aws_caller_identity\.\w+\.account_id\}:log-group:\/aws\/lambda\/iot-dev-shadow-history$/,
        ),
      },
    });
  });

  it("assumes a role only Lambda can assume, with exactly the permissions it needs", () => {
    expect(role.name).toBe("iot-dev-shadow-history-role");
    expect(doc(tf, "assume_role").statement).toEqual([{ effect: "Allow", principals: [{ type: "Service", identifiers: ["lambda.amazonaws.com"] }], actions: ["sts:AssumeRole"] }]);
    expect(rolePolicy.role).toBe(ref("aws_iam_role", roleName, "id"));
    expect(doc(tf, "role_policy_document").statement).toEqual([
      { sid: "WriteOwnLogs", effect: "Allow", actions: ["logs:CreateLogStream", "logs:PutLogEvents"], resources: [`${ref("aws_cloudwatch_log_group", logName, "arn")}:*`] },
      { sid: "PutHistoryItems", effect: "Allow", actions: ["dynamodb:PutItem"], resources: [TABLE.arn] },
      {
        sid: "UseHistoryTableKeyThroughDynamoDB",
        effect: "Allow",
        actions: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
        resources: [TABLE.kmsKeyArn],
        // Pinned to DynamoDB of the stack's region, not any region ("dynamodb.*").
        condition: [{ test: "StringEquals", variable: "kms:ViaService", values: [expect.stringMatching(/^dynamodb\.\$\{data\.aws_region\.\w+\.region\}\.\$\{data\.aws_partition\.\w+\.dns_suffix\}$/)] }],
      },
      { sid: "DeadLetterFailedEvents", effect: "Allow", actions: ["sqs:SendMessage"], resources: [ref("aws_sqs_queue", dlqName, "arn")] },
      { sid: "UseProcessorKey", effect: "Allow", actions: ["kms:Decrypt", "kms:GenerateDataKey"], resources: [ref("aws_kms_key", keyName, "arn")] },
      { sid: "WriteTraces", effect: "Allow", actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources: ["*"] },
    ]);
  });

  it("has no prevent_destroy unless asked", () => {
    for (const r of [logGroup, dlq]) expect(r.lifecycle).toEqual({ prevent_destroy: false });
    expect(key.lifecycle).toBeUndefined();
  });
});

describe("ShadowProcessor without a history table (a product line's own processor)", () => {
  const { tf } = synth({ historyTable: undefined, functionName: "iot-dev-hvac-consumer" });
  const [, fn] = only(tf, "aws_lambda_function");
  const [keyName] = only(tf, "aws_kms_key");
  const [logName] = only(tf, "aws_cloudwatch_log_group");
  const [dlqName] = only(tf, "aws_sqs_queue");

  it("sets no TABLE_NAME and describes itself without the table", () => {
    expect(fn.environment.variables).toEqual({
      POWERTOOLS_SERVICE_NAME: "shadow-history",
      POWERTOOLS_METRICS_NAMESPACE: "IotShadow/thermostat/dev",
      POWERTOOLS_LOG_LEVEL: "INFO",
      NODE_OPTIONS: "--enable-source-maps",
    });
    expect(fn.description).toBe("Processes every accepted Device Shadow update");
    expect(only(tf, "aws_iam_role")[1].description).not.toMatch(/history/);
  });

  it("grants exactly logs, X-Ray, dead-letter send and its own key: nothing on any table or table key", () => {
    expect(doc(tf, "role_policy_document").statement).toEqual([
      { sid: "WriteOwnLogs", effect: "Allow", actions: ["logs:CreateLogStream", "logs:PutLogEvents"], resources: [`${ref("aws_cloudwatch_log_group", logName, "arn")}:*`] },
      { sid: "DeadLetterFailedEvents", effect: "Allow", actions: ["sqs:SendMessage"], resources: [ref("aws_sqs_queue", dlqName, "arn")] },
      { sid: "UseProcessorKey", effect: "Allow", actions: ["kms:Decrypt", "kms:GenerateDataKey"], resources: [ref("aws_kms_key", keyName, "arn")] },
      { sid: "WriteTraces", effect: "Allow", actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources: ["*"] },
    ]);
    expect(JSON.stringify(tf)).not.toMatch(/dynamodb/);
  });

  it("keeps the same failure path and key", () => {
    expect(fn.dead_letter_config).toEqual({ target_arn: ref("aws_sqs_queue", dlqName, "arn") });
    expect(fn.kms_key_arn).toBe(ref("aws_kms_key", keyName, "arn"));
    expect(only(tf, "aws_kms_alias")[1].name).toBe("alias/iot-dev-hvac-consumer-function");
  });

  it("rejects ttlDays, which only applies to history items", () => {
    expect(() => synth({ historyTable: undefined, ttlDays: 30 })).toThrow(/ShadowProcessor ttlDays: only applies to history items; drop it or pass historyTable/);
  });
});

describe("ShadowProcessor options", () => {
  it("passes sizing, retention, retry and TTL settings through", () => {
    const { tf } = synth({ memoryMb: 512, timeoutSeconds: 60, reservedConcurrency: 100, logRetentionDays: 30, maximumRetryAttempts: 0, maximumEventAgeSeconds: 600, ttlDays: 90, logLevel: "DEBUG", preventDestroy: true });
    const [, fn] = only(tf, "aws_lambda_function");
    expect(fn).toMatchObject({ memory_size: 512, timeout: 60, reserved_concurrent_executions: 100 });
    expect(fn.environment.variables).toMatchObject({ HISTORY_TTL_DAYS: "90", POWERTOOLS_LOG_LEVEL: "DEBUG" });
    expect(only(tf, "aws_cloudwatch_log_group")[1].retention_in_days).toBe(30);
    expect(only(tf, "aws_lambda_function_event_invoke_config")[1]).toMatchObject({ maximum_retry_attempts: 0, maximum_event_age_in_seconds: 600 });
    for (const type of ["aws_kms_key", "aws_cloudwatch_log_group", "aws_sqs_queue"]) expect(only(tf, type)[1].lifecycle).toEqual({ prevent_destroy: true });
  });

  it("takes the table from another stack through cross-stack references", () => {
    const app = Testing.app();
    const data = stackIn(app, "data");
    const store = new HistoryStore(data, "history", { tableName: "iot-dev-shadow-history" });
    const platform = stackIn(app, "platform");
    new ShadowProcessor(platform, "processor", { ...BASE, historyTable: store.ref });
    // Cross-stack references resolve when the whole app synthesizes, not in Testing.synth(stack).
    app.synth();
    const tf = JSON.parse(readFileSync(join(app.outdir, "stacks", "platform", "cdk.tf.json"), "utf8"));
    const [, fn] = only(tf, "aws_lambda_function");
    expect(fn.environment.variables.TABLE_NAME).toMatch(/^\$\{data\.terraform_remote_state\.cross-stack-reference-input-data\.outputs\.[\w-]+\}$/);
    const put = doc(tf, "role_policy_document").statement.find((s: Json) => s.sid === "PutHistoryItems");
    expect(put.resources[0]).toMatch(/^\$\{data\.terraform_remote_state\.cross-stack-reference-input-data\.outputs\./);
  });

  it("synthesizes the same code hash every time", () => {
    expect(only(synth().tf, "aws_lambda_function")[1].source_code_hash).toBe(only(synth().tf, "aws_lambda_function")[1].source_code_hash);
  });
});

describe("ShadowProcessor rejects invalid props", () => {
  const cases: [string, Partial<ShadowProcessorProps>, RegExp][] = [
    ["a function name with dots", { functionName: "shadow.history" }, /ShadowProcessor functionName: Lambda function name "shadow.history" is invalid/],
    ["a function name too long for its role", { functionName: "f".repeat(60) }, /role name <functionName>-role; use at most 59 characters/],
    ["a relative bundleDir", { bundleDir: "dist/functions/shadow-history" }, /ShadowProcessor bundleDir: .* must be an absolute path/],
    ["a bundleDir without index.js", { bundleDir: work }, /ShadowProcessor bundleDir: .* has no index.js; run `npm run build` first/],
    ["a table name that is not one", { historyTable: { ...TABLE, name: "x" } }, /historyTable.name: DynamoDB table name "x"/],
    ["a table ARN that is not one", { historyTable: { ...TABLE, arn: "arn:aws:s3:::bucket" } }, /historyTable.arn: .* is not a DynamoDB table ARN; pass HistoryStore.ref/],
    ["a key alias ARN", { historyTable: { ...TABLE, kmsKeyArn: "arn:aws:kms:eu-west-1:111111111111:alias/h" } }, /historyTable.kmsKeyArn: .* is not a KMS key ARN/],
    ["an AWS/ metric namespace", { metricNamespace: "AWS/Lambda" }, /ShadowProcessor metricNamespace: CloudWatch metric namespace "AWS\/Lambda" is invalid/],
    ["memory under 128 MB", { memoryMb: 100 }, /ShadowProcessor memoryMb: must be a whole number from 128 to 10240/],
    ["a timeout over 15 minutes", { timeoutSeconds: 901 }, /ShadowProcessor timeoutSeconds: must be a whole number from 1 to 900/],
    ["reserved concurrency 0", { reservedConcurrency: 0 }, /reservedConcurrency \(omit it for the unreserved pool; 0 would stop the function\)/],
    ["an unsupported log retention", { logRetentionDays: 42 as never }, /ShadowProcessor logRetentionDays: 42 is not accepted by CloudWatch Logs; use one of 1, 3/],
    ["3 retries", { maximumRetryAttempts: 3 }, /ShadowProcessor maximumRetryAttempts: must be a whole number from 0 to 2/],
    ["a max event age under a minute", { maximumEventAgeSeconds: 30 }, /ShadowProcessor maximumEventAgeSeconds: must be a whole number from 60 to 21600/],
    ["ttlDays 0", { ttlDays: 0 }, /ShadowProcessor ttlDays: must be a whole number from 1/],
    ["an unknown log level", { logLevel: "TRACE" as never }, /ShadowProcessor logLevel: "TRACE" is not one of DEBUG, INFO, WARN, ERROR/],
  ];
  it.each(cases)("%s", (_label, overrides, message) => {
    expect(() => synth(overrides)).toThrow(message);
  });
});

describe("deterministic packaging", () => {
  it("writes a valid zip: stored entries, sorted names, fixed 1980-01-01 timestamps", () => {
    const zip = createZip([
      { name: "b.txt", data: Buffer.from("bee") },
      { name: "a.txt", data: Buffer.from("ay") },
    ]);
    expect(zip.equals(createZip([{ name: "a.txt", data: Buffer.from("ay") }, { name: "b.txt", data: Buffer.from("bee") }]))).toBe(true);
    // Local file headers, in name order, carrying the data uncompressed.
    expect(zip.readUInt32LE(0)).toBe(0x04034b50);
    expect(zip.readUInt16LE(8)).toBe(0); // stored
    expect(zip.readUInt16LE(10)).toBe(0); // 00:00
    expect(zip.readUInt16LE(12)).toBe(0x21); // 1980-01-01
    expect(zip.subarray(30, 35).toString()).toBe("a.txt");
    expect(zip.subarray(35, 37).toString()).toBe("ay");
    expect(zip.readUInt32LE(14)).toBe(CRC32_OF_AY);
    const end = zip.length - 22;
    expect(zip.readUInt32LE(end)).toBe(0x06054b50);
    expect(zip.readUInt16LE(end + 10)).toBe(2);
  });

  it("gives the same hash when the files are rewritten with new modification times", () => {
    const dir = join(work, "mtime");
    mkdirSync(dir);
    writeFileSync(join(dir, "index.js"), "x");
    const first = packageDirectory(dir, join(work, "mtime-1.zip"));
    writeFileSync(join(dir, "index.js"), "x");
    utimesSync(join(dir, "index.js"), new Date(2030, 0, 1), new Date(2030, 0, 1));
    const second = packageDirectory(dir, join(work, "mtime-2.zip"));
    expect(second.sha256Base64).toBe(first.sha256Base64);
    writeFileSync(join(dir, "index.js"), "y");
    expect(packageDirectory(dir, join(work, "mtime-3.zip")).sha256Base64).not.toBe(first.sha256Base64);
  });

  it("a rebuild with no source change gives the same zip hash", () => {
    const out = join(work, "build");
    const build = () => {
      execFileSync(process.execPath, [resolve(__dirname, "../scripts/build-functions.mjs"), "--outdir", out], { stdio: "pipe" });
      return packageDirectory(join(out, "shadow-history"), join(work, "rebuild.zip")).sha256Hex;
    };
    const first = build();
    const second = build();
    expect(second).toBe(first);
    expect(readFileSync(join(out, "shadow-history", "index.js"), "utf8")).toMatch(/handler/);
  });
});


/**
 * Traffic through what was deployed: the processor zip Terraform uploaded (its bytes checked
 * against the CodeSha256 the local AWS reports) runs in the local Lambda runtime of
 * tools/pipeline, takes shadow events from the local shadow emulator through the topic rules,
 * and writes into the DynamoDB table Terraform created in the local AWS. The history reader reads
 * the items back, and the table's key schema and TTL are compared with what was synthesized.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { GetFunctionCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { readZip } from "../../modules/shadow-processor/zip";
import { LocalPipeline } from "../pipeline";
import type { LocalDynamo } from "../pipeline";
import { runFleetScenario } from "../pipeline/scenario";
import { verifyHistory } from "../pipeline/verify";
import type { ClientConfig } from "./aws";
import type { E2eStack, TfJson } from "./stacks";

export interface TrafficReport {
  readonly functions: readonly { name: string; zip: string; codeSha256: string }[];
  readonly accepted: number;
  readonly stored: number;
  readonly itemsInTable: number;
  readonly problems: readonly string[];
}

/** Managed resources of a `tofu show -json` state, by type. */
export function stateResources(state: TfJson, type: string): TfJson[] {
  const out: TfJson[] = [];
  const walk = (module: TfJson | undefined) => {
    for (const r of (module?.resources ?? []) as TfJson[]) if (r.mode === "managed" && r.type === type) out.push(r);
    for (const child of (module?.child_modules ?? []) as TfJson[]) walk(child);
  };
  walk(state.values?.root_module);
  return out;
}

/** A LocalDynamo over the local AWS's DynamoDB with an account's session (nothing to start or stop). */
function dynamoOfAccount(config: ClientConfig): LocalDynamo {
  const client = new DynamoDBClient(config);
  const creds = config.credentials as { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  const refuse = async () => {
    throw new Error("the e2e run never creates tables: Terraform did");
  };
  return {
    endpoint: config.endpoint,
    region: config.region,
    credentials: creds,
    client,
    createHistoryTable: refuse,
    createTable: refuse,
    useAsSdkDefault: () => {
      throw new Error("the e2e run passes the account's environment to each bundle; it never changes the process-wide SDK default");
    },
    sdkEnvironment: () => ({
      AWS_ENDPOINT_URL_DYNAMODB: config.endpoint,
      AWS_REGION: config.region,
      AWS_ACCESS_KEY_ID: creds.accessKeyId,
      AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
      ...(creds.sessionToken ? { AWS_SESSION_TOKEN: creds.sessionToken } : {}),
    }),
    stop: async () => client.destroy(),
  };
}

export async function runTrafficThroughDeployed(input: {
  readonly platform: E2eStack;
  readonly data: E2eStack;
  readonly platformState: TfJson;
  readonly config: ClientConfig;
  readonly workDir: string;
  readonly things?: number;
}): Promise<TrafficReport> {
  const problems: string[] = [];
  const functionsDir = join(input.workDir, "deployed-functions");
  const lambda = new LambdaClient(input.config);
  const functions: { name: string; zip: string; codeSha256: string }[] = [];
  try {
    for (const fn of stateResources(input.platformState, "aws_lambda_function")) {
      const name = fn.values.function_name as string;
      const zipPath = join(input.platform.dir, fn.values.filename as string);
      const zip = readFileSync(zipPath);
      const sha = createHash("sha256").update(zip).digest("base64");
      const deployed = await lambda.send(new GetFunctionCommand({ FunctionName: name }));
      const codeSha256 = deployed.Configuration?.CodeSha256 ?? "";
      if (codeSha256 !== sha) problems.push(`${name}: the local AWS holds code ${codeSha256}, the zip Terraform uploaded (${zipPath}) is ${sha}`);
      // The local runtime loads <functionsDir>/<zip name>/<handler file>, as tools/pipeline/processor.ts resolves it.
      const target = join(functionsDir, basename(zipPath).replace(/\.zip$/, ""));
      for (const entry of readZip(zip)) {
        mkdirSync(dirname(join(target, entry.name)), { recursive: true });
        writeFileSync(join(target, entry.name), entry.data);
      }
      functions.push({ name, zip: zipPath, codeSha256 });
    }
  } finally {
    lambda.destroy();
  }

  const dynamo = dynamoOfAccount(input.config);
  const pipeline = await LocalPipeline.start({
    platform: { name: input.platform.name, tfJson: input.platform.tfJson },
    data: { name: input.data.name, tfJson: input.data.tfJson },
    functionsDistDir: functionsDir,
    existingDynamo: dynamo,
  });
  try {
    const named = pipeline.rules.length > 0 ? namedShadowOf(input.platform.tfJson) : "config";
    const scenario = await runFleetScenario(pipeline, { things: input.things ?? 5, namedShadow: named, burstSize: 5 });
    const verification = await verifyHistory(pipeline);
    if (!verification.ok) problems.push(`history: ${verification.missing.length} missing, ${verification.doubled.length} doubled, ${verification.unexpected.length} unexpected`);
    if (scenario.surprises.length) problems.push(`scenario: ${scenario.surprises.join("; ")}`);
    if (verification.stored === 0) problems.push("history: nothing was stored");

    // The deployed table, as the local AWS describes it, against what was synthesized.
    const tableName = pipeline.table.tableName;
    const { Table } = await dynamo.client.send(new DescribeTableCommand({ TableName: tableName }));
    const keys = (k: { AttributeName?: string; KeyType?: string }[] | undefined) => JSON.stringify((k ?? []).map((x) => [x.AttributeName, x.KeyType]));
    if (keys(Table?.KeySchema) !== keys(pipeline.table.createInput.KeySchema)) problems.push(`${tableName}: deployed key schema ${keys(Table?.KeySchema)}, synthesized ${keys(pipeline.table.createInput.KeySchema)}`);
    const ttl = await dynamo.client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    const ttlAttribute = synthesizedTtlAttribute(input.data.tfJson);
    if (ttl.TimeToLiveDescription?.TimeToLiveStatus !== "ENABLED" || ttl.TimeToLiveDescription.AttributeName !== ttlAttribute) {
      problems.push(`${tableName}: TTL ${JSON.stringify(ttl.TimeToLiveDescription)}, synthesized attribute ${ttlAttribute}`);
    }
    const scan = await dynamo.client.send(new ScanCommand({ TableName: tableName }));
    const items = scan.Items ?? [];
    const withoutTtl = ttlAttribute ? items.filter((item) => item[ttlAttribute]?.N === undefined) : [];
    if (withoutTtl.length > 0) problems.push(`${tableName}: ${withoutTtl.length} of ${items.length} items have no numeric TTL attribute ${ttlAttribute}`);
    return { functions, accepted: verification.expected, stored: verification.stored, itemsInTable: items.length, problems };
  } finally {
    await pipeline.stop();
    await dynamo.stop();
  }
}

/** The first named shadow the platform's rules route (the scenario's named shadow). */
function namedShadowOf(platform: TfJson): string {
  const sqls = Object.values((platform.resource?.aws_iot_topic_rule ?? {}) as Record<string, TfJson>).map((r) => String(r.sql ?? ""));
  for (const sql of sqls) {
    const m = /\$aws\/things\/\+\/shadow\/name\/([\w:-]+)\//.exec(sql);
    if (m) return m[1];
  }
  return "config";
}

function synthesizedTtlAttribute(data: TfJson): string | undefined {
  const table = Object.values((data.resource?.aws_dynamodb_table ?? {}) as Record<string, TfJson>)[0];
  const ttl = table?.ttl as TfJson | TfJson[] | undefined;
  const first = Array.isArray(ttl) ? ttl[0] : ttl;
  return first?.enabled ? (first.attribute_name as string) : undefined;
}

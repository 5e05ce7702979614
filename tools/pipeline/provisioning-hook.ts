/**
 * Fleet provisioning's RegisterThing, locally: the synthesized platform
 * stack's provisioning template, its pre-provisioning hook (the built bundle,
 * checked against the synthesized source_code_hash), the allowlist table
 * created from the synthesized `aws_dynamodb_table` in a local DynamoDB, and a
 * local IoT registry for DescribeThing. `register()` does what AWS IoT does:
 * refuses when no `aws_lambda_permission` lets IoT invoke the hook for this
 * template, invokes it synchronously, treats an error, a missing
 * `allowProvisioning: true` or no answer within 5 s as a refusal, and on
 * success creates the thing the template names (`<prefix><SerialNumber>`).
 *
 *   const { platform } = synthesizeEnvironment({ environments, env: "prod" });
 *   const hook = await LocalProvisioningHook.start({ platform });
 *   await hook.allowSerial("SN-0001");
 *   const result = await hook.register({ serialNumber: "SN-0001" });   // result.allowed === true
 *   await hook.stop();
 */
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { Context } from "aws-lambda";
import { ALLOWLIST_KEY, HOOK_ENV, HOOK_TIME_LIMIT_MS, PreProvisioningHookEvent } from "../../modules/device-identity/hook-contract";
import type { SynthesizedStack } from "../iot-rules";
import { applyEnv } from "./env";
import { resolveFunctionEnvironment } from "./function-env";
import { LambdaHandler, loadBundleHandler } from "./lambda-runtime";
import { LocalDynamo, startLocalDynamo } from "./local-dynamo";
import { LocalIotRegistry, startLocalIotRegistry } from "./local-iot-registry";
import { MetricsSink } from "./metrics";
import { CapturedLog, OutputCapture } from "./output-capture";
import { ProcessorFunction, describeProcessor } from "./processor";
import { SynthesizedTable, synthesizedTable } from "./table-schema";

type Block = Record<string, unknown>;

export interface LocalProvisioningHookOptions {
  /** A synthesized platform stack with fleet provisioning and the module's hook. */
  readonly platform: SynthesizedStack;
  /** @default "<repo>/dist/functions" */
  readonly functionsDistDir?: string;
  /** false leaves the hook's log lines on stdout. @default true */
  readonly captureOutput?: boolean;
}

export interface RegisterRequest {
  readonly serialNumber?: unknown;
  /** @default a new id */
  readonly certificateId?: string;
  /** @default `provision-<uuid>` */
  readonly clientId?: string;
  /** Extra RegisterThing parameters. */
  readonly parameters?: Readonly<Record<string, unknown>>;
}

export interface RegisterResult {
  /** AWS IoT provisions the thing. */
  readonly allowed: boolean;
  /** What the hook answered (undefined when it threw, timed out or was not invokable). */
  readonly response?: unknown;
  /** The thing the template created, when allowed. */
  readonly thingName?: string;
  readonly elapsedMs: number;
  /** Why AWS IoT refused without the hook's say: "not-invokable", "error", "timeout". */
  readonly failure?: "not-invokable" | "error" | "timeout";
}

interface TemplateInfo {
  readonly name: string;
  readonly arn: string;
  readonly hookTarget: string;
  readonly thingNamePrefix: string;
}

export class LocalProvisioningHook {
  private readonly documents: DynamoDBDocumentClient;

  private constructor(
    readonly template: TemplateInfo,
    readonly fn: ProcessorFunction,
    /** Whether an aws_lambda_permission lets iot.amazonaws.com invoke the hook for this template and account. */
    readonly invokePermitted: boolean,
    readonly table: SynthesizedTable,
    readonly dynamo: LocalDynamo,
    readonly registry: LocalIotRegistry,
    private readonly handler: LambdaHandler,
    private readonly capture: OutputCapture | undefined,
    private readonly restoreEnv: () => void,
    private readonly accountId: string,
    private readonly region: string,
  ) {
    this.documents = DynamoDBDocumentClient.from(dynamo.client);
  }

  static async start(options: LocalProvisioningHookOptions): Promise<LocalProvisioningHook> {
    const tfJson = options.platform.tfJson as { resource?: Record<string, Record<string, Block>>; provider?: { aws?: Block[] } };
    const provider = tfJson.provider?.aws?.[0] ?? {};
    const region = typeof provider.region === "string" ? provider.region : "eu-west-1";
    const accountId = Array.isArray(provider.allowed_account_ids) && typeof provider.allowed_account_ids[0] === "string" ? provider.allowed_account_ids[0] : "123456789012";
    const template = readTemplate(tfJson.resource ?? {}, region, accountId);
    const functionsDistDir = options.functionsDistDir ?? join(__dirname, "..", "..", "dist", "functions");
    const fn = describeProcessor(tfJson, template.hookTarget, { functionsDistDir });
    const tableRef = /^\$\{aws_dynamodb_table\.([A-Za-z0-9_-]+)\.name\}$/.exec(fn.environment[HOOK_ENV.allowlistTable] ?? "");
    if (!tableRef) throw new Error(`aws_lambda_function.${fn.logicalId} environment ${HOOK_ENV.allowlistTable} does not reference a table of the stack`);
    const table = synthesizedTable(tfJson, tableRef[1]);
    const invokePermitted = hookInvokePermitted(tfJson.resource ?? {}, fn, template.arn, accountId);

    const dynamo = await startLocalDynamo({ region });
    let registry: LocalIotRegistry | undefined;
    try {
      registry = await startLocalIotRegistry(region, accountId);
      await dynamo.createTable(table.createInput);
      const env = { ...resolveFunctionEnvironment(fn, { platform: options.platform, data: options.platform, tables: [table] }), ...dynamo.sdkEnvironment(), ...registry.sdkEnvironment() };
      const handler = loadBundleHandler(fn, env);
      const restoreEnv = applyEnv(env);
      const capture = options.captureOutput === false ? undefined : new OutputCapture(new MetricsSink());
      return new LocalProvisioningHook(template, fn, invokePermitted, table, dynamo, registry, handler, capture, restoreEnv, accountId, region);
    } catch (error) {
      await registry?.stop();
      await dynamo.stop();
      throw error;
    }
  }

  /** The hook's log lines (Powertools JSON) captured so far. */
  get logs(): readonly CapturedLog[] {
    return this.capture?.logs ?? [];
  }

  /** Puts an allowlist item, as the manufacturing process would. */
  async allowSerial(serialNumber: string, attributes: Readonly<Record<string, unknown>> = {}): Promise<void> {
    await this.documents.send(new PutCommand({ TableName: this.table.tableName, Item: { ...attributes, [ALLOWLIST_KEY]: serialNumber } }));
  }

  /** The allowlist item of a serial, or undefined. */
  async entry(serialNumber: string): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.documents.send(new GetCommand({ TableName: this.table.tableName, Key: { [ALLOWLIST_KEY]: serialNumber }, ConsistentRead: true }));
    return Item;
  }

  /** One RegisterThing request through the template, as AWS IoT handles it. */
  async register(request: RegisterRequest): Promise<RegisterResult> {
    const started = Date.now();
    const elapsed = () => Date.now() - started;
    if (!this.invokePermitted) return { allowed: false, failure: "not-invokable", elapsedMs: elapsed() };
    const certificateId = request.certificateId ?? randomUUID().replace(/-/g, "").repeat(2);
    const event: PreProvisioningHookEvent = {
      claimCertificateId: "claim".padEnd(64, "0"),
      certificateId,
      certificatePem: "-----BEGIN CERTIFICATE-----\n(local)\n-----END CERTIFICATE-----\n",
      templateArn: this.template.arn,
      clientId: request.clientId ?? `provision-${randomUUID()}`,
      parameters: { ...(request.serialNumber !== undefined ? { SerialNumber: request.serialNumber } : {}), "AWS::IoT::Certificate::Id": certificateId, ...request.parameters },
    };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), HOOK_TIME_LIMIT_MS);
    });
    this.capture?.hold();
    try {
      const outcome = await Promise.race([this.handler(structuredClone(event), this.context()).then((r) => ({ r }), () => "error" as const), timeout]);
      if (outcome === "timeout" || outcome === "error") return { allowed: false, failure: outcome, elapsedMs: elapsed() };
      const response = outcome.r;
      const allowed = typeof response === "object" && response !== null && (response as { allowProvisioning?: unknown }).allowProvisioning === true;
      const thingName = allowed ? `${this.template.thingNamePrefix}${String(request.serialNumber)}` : undefined;
      // What the template does next: create the thing (and attach the certificate).
      if (thingName) this.registry.things.add(thingName);
      return { allowed, response, thingName, elapsedMs: elapsed() };
    } finally {
      clearTimeout(timer);
      this.capture?.release();
    }
  }

  async stop(): Promise<void> {
    this.restoreEnv();
    await this.registry.stop();
    await this.dynamo.stop();
  }

  private context(): Context {
    const name = this.fn.functionName;
    const deadline = Date.now() + (this.fn.timeoutSeconds ?? 3) * 1000;
    return {
      callbackWaitsForEmptyEventLoop: true,
      functionName: name,
      functionVersion: "$LATEST",
      invokedFunctionArn: `arn:aws:lambda:${this.region}:${this.accountId}:function:${name}`,
      memoryLimitInMB: String(this.fn.memoryMb ?? 128),
      awsRequestId: randomUUID(),
      logGroupName: `/aws/lambda/${name}`,
      logStreamName: "local-provisioning",
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
  }
}

function readTemplate(resources: Record<string, Record<string, Block>>, region: string, accountId: string): TemplateInfo {
  const templates = Object.entries(resources.aws_iot_provisioning_template ?? {});
  if (templates.length !== 1) throw new Error(`expected exactly one aws_iot_provisioning_template in the stack, found ${templates.length}`);
  const [id, t] = templates[0];
  const where = `aws_iot_provisioning_template.${id}`;
  if (typeof t.name !== "string") throw new Error(`${where}.name must be a literal`);
  const hook = (Array.isArray(t.pre_provisioning_hook) ? t.pre_provisioning_hook[0] : t.pre_provisioning_hook) as Block | undefined;
  if (typeof hook?.target_arn !== "string") throw new Error(`${where} has no pre_provisioning_hook: every request would be provisioned unvalidated`);
  if (t.enabled !== true) throw new Error(`${where} is not enabled: AWS IoT would refuse every request`);
  // The body reaches Terraform with IoT templates escaped as $${...}; it holds none here, but undo the escape before parsing.
  const body = JSON.parse(String(t.template_body).replace(/\$\$\{/g, "${")) as { Resources?: { thing?: { Properties?: { ThingName?: unknown } } } };
  const name = body.Resources?.thing?.Properties?.ThingName as { "Fn::Join"?: [string, unknown[]] } | undefined;
  const parts = name?.["Fn::Join"]?.[1];
  if (!Array.isArray(parts) || parts.length !== 2 || typeof parts[0] !== "string" || (parts[1] as { Ref?: unknown })?.Ref !== "SerialNumber") {
    throw new Error(`${where}: the thing name is not <prefix> + SerialNumber; the local harness cannot tell which thing the template creates`);
  }
  return { name: t.name, arn: `arn:aws:iot:${region}:${accountId}:provisioningtemplate/${t.name}`, hookTarget: hook.target_arn, thingNamePrefix: parts[0] };
}

/** An `aws_lambda_permission` for iot.amazonaws.com on the hook whose source ARN and account (when set) are this template's. */
function hookInvokePermitted(resources: Record<string, Record<string, Block>>, fn: ProcessorFunction, templateArn: string, accountId: string): boolean {
  return Object.values(resources.aws_lambda_permission ?? {}).some((p) => {
    if (p.principal !== "iot.amazonaws.com" || p.action !== "lambda:InvokeFunction") return false;
    const target = String(p.function_name ?? "");
    const refers = target === fn.functionName || new RegExp(`^\\$\\{aws_lambda_function\\.${fn.logicalId}\\.(function_name|arn)\\}$`).test(target);
    return refers && (p.source_arn === undefined || p.source_arn === templateArn) && (p.source_account === undefined || p.source_account === accountId);
  });
}

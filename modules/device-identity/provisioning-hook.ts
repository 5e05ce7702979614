/**
 * The pre-provisioning hook: a Lambda function AWS IoT calls synchronously for
 * every RegisterThing request of the template (functions/provisioning-hook),
 * and the allowlist table it checks serial numbers against. Hardened like the
 * shadow processor: its own KMS key (environment, logs, table), a log group
 * with retention, X-Ray tracing, reserved concurrency, a least-privilege role,
 * and an invoke permission only for this template in this account.
 *
 * No dead-letter queue: AWS IoT invokes the hook synchronously and refuses the
 * request when it fails, so there is no asynchronous event to keep (checkov
 * CKV_AWS_116 is waived for it in tools/engine/checkov-waivers.ts).
 */
import { AssetType, TerraformAsset, TerraformResourceLifecycle } from "cdktf";
import { Construct } from "constructs";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { ServiceKey } from "../../lib/kms";
import { dynamodbViaService } from "../history-store";
import { packageDirectory } from "../shadow-processor/zip";
import { ALLOWLIST_KEY, HOOK_ENV, HOOK_TIME_LIMIT_MS } from "./hook-contract";
import { ResolvedHook } from "./validate";

export interface ProvisioningHookContext {
  readonly hook: ResolvedHook;
  readonly thingNamePrefix: string;
  /** ARN of the provisioning template that may invoke the hook. */
  readonly templateArn: string;
  readonly iotArnPrefix: string;
  readonly accountId: string;
  readonly region: string;
  readonly partition: string;
  readonly lifecycle?: TerraformResourceLifecycle;
  readonly preventDestroy: boolean;
}

/** What the module creates for the hook (DeviceIdentity.provisioningHook). */
export interface ProvisioningHookResources {
  readonly function: LambdaFunction;
  readonly role: IamRole;
  readonly rolePolicy: IamRolePolicy;
  readonly logGroup: CloudwatchLogGroup;
  /** Encrypts the function's environment, its log group and the allowlist table. */
  readonly kmsKey: KmsKey;
  /** Serial numbers the manufacturing process allows (partition key `serialNumber`). */
  readonly allowlistTable: DynamodbTable;
  /** Lets AWS IoT invoke the hook, for this template and account only. */
  readonly invokePermission: LambdaPermission;
}

/** Whole seconds AWS IoT waits for the answer: the function may not run longer. */
const HOOK_TIMEOUT_SECONDS = HOOK_TIME_LIMIT_MS / 1000;

export function createProvisioningHook(scope: Construct, ctx: ProvisioningHookContext): ProvisioningHookResources {
  const { hook } = ctx;
  const name = hook.functionName;
  const logGroupName = `/aws/lambda/${name}`;

  const kmsKey = new ServiceKey(scope, { key: "hook-kms-key", alias: "hook-kms-alias" }, {
    description: `Environment, logs and allowlist table of the pre-provisioning hook ${name}`,
    aliasName: hook.keyAliasName,
    accountId: ctx.accountId,
    region: ctx.region,
    partition: ctx.partition,
    // Lambda and DynamoDB use the key on the role's (or the loader's) behalf; only CloudWatch Logs needs a grant.
    grants: [{ kind: "cloudwatch-logs", logGroupName }],
    preventDestroy: ctx.preventDestroy,
  }).key;

  const logGroup = new CloudwatchLogGroup(scope, "hook-log-group", {
    name: logGroupName,
    retentionInDays: hook.logRetentionDays,
    kmsKeyId: kmsKey.arn,
    lifecycle: ctx.lifecycle,
  });

  const allowlistTable = new DynamodbTable(scope, "allowlist-table", {
    name: hook.allowlistTableName,
    billingMode: "PAY_PER_REQUEST",
    hashKey: ALLOWLIST_KEY,
    attribute: [{ name: ALLOWLIST_KEY, type: "S" }],
    pointInTimeRecovery: { enabled: true },
    serverSideEncryption: { enabled: true, kmsKeyArn: kmsKey.arn },
    // Losing the allowlist stops onboarding until manufacturing reloads it.
    deletionProtectionEnabled: ctx.preventDestroy,
    lifecycle: ctx.lifecycle,
  });

  const role = new IamRole(scope, "hook-role", {
    name: hook.roleName,
    description: `Execution role of the pre-provisioning hook ${name}: read and claim allowlist entries, look up things, write its logs and traces`,
    assumeRolePolicy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
    }),
  });
  const rolePolicy = new IamRolePolicy(scope, "hook-role-policy", {
    name: `${name}-permissions`,
    role: role.id,
    policy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Sid: "WriteOwnLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: [`${logGroup.arn}:*`] },
        { Sid: "ReadAndClaimAllowlistEntries", Effect: "Allow", Action: ["dynamodb:GetItem", "dynamodb:UpdateItem"], Resource: [allowlistTable.arn] },
        // Only things the template could create: existence is checked, nothing is changed.
        { Sid: "LookUpProvisionedThings", Effect: "Allow", Action: ["iot:DescribeThing"], Resource: [`${ctx.iotArnPrefix}:thing/${ctx.thingNamePrefix}*`] },
        { Sid: "DecryptEnvironment", Effect: "Allow", Action: ["kms:Decrypt"], Resource: [kmsKey.arn] },
        {
          Sid: "UseAllowlistKeyThroughDynamoDB",
          Effect: "Allow",
          Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
          Resource: [kmsKey.arn],
          // Only when DynamoDB of this region calls KMS for this principal: never directly, never from another region.
          Condition: { StringEquals: { "kms:ViaService": dynamodbViaService({ region: ctx.region, dnsSuffix: ctx.partition === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com" }) } },
        },
        // X-Ray has no resource-level permissions: AWS requires "*" for these two actions.
        { Sid: "WriteTraces", Effect: "Allow", Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], Resource: ["*"] },
      ],
    }),
  });

  const bundle = packageDirectory(hook.bundleDir, `${hook.bundleDir.replace(/[\\/]+$/, "")}.zip`);
  const asset = new TerraformAsset(scope, "hook-bundle", { path: bundle.zipPath, type: AssetType.FILE, assetHash: bundle.sha256Hex });

  const fn = new LambdaFunction(scope, "hook-function", {
    functionName: name,
    description: "Pre-provisioning hook: lets a fleet-provisioning request through only for an allowlisted serial whose thing does not exist",
    role: role.arn,
    runtime: "nodejs22.x",
    architectures: ["arm64"],
    handler: "index.handler",
    filename: asset.path,
    sourceCodeHash: bundle.sha256Base64,
    // More memory is more CPU: a faster cold start inside the 5 s AWS IoT waits.
    memorySize: 256,
    timeout: HOOK_TIMEOUT_SECONDS,
    reservedConcurrentExecutions: hook.reservedConcurrency,
    tracingConfig: { mode: "Active" },
    kmsKeyArn: kmsKey.arn,
    environment: {
      variables: {
        [HOOK_ENV.allowlistTable]: allowlistTable.name,
        [HOOK_ENV.thingNamePrefix]: ctx.thingNamePrefix,
        [HOOK_ENV.reservedThingNames]: JSON.stringify(hook.reservedThingNames),
        POWERTOOLS_SERVICE_NAME: "provisioning-hook",
        POWERTOOLS_LOG_LEVEL: "INFO",
        NODE_OPTIONS: "--enable-source-maps",
      },
    },
    dependsOn: [logGroup, rolePolicy],
  });

  const invokePermission = new LambdaPermission(scope, "hook-invoke-permission", {
    statementId: "AllowIotProvisioningTemplate",
    action: "lambda:InvokeFunction",
    functionName: fn.functionName,
    principal: "iot.amazonaws.com",
    // Confused-deputy guard: only this template, in this account.
    sourceArn: ctx.templateArn,
    sourceAccount: ctx.accountId,
  });

  return { function: fn, role, rolePolicy, logGroup, kmsKey, allowlistTable, invokePermission };
}

/**
 * The shadow API: an API Gateway HTTP API in front of a TypeScript Lambda function
 * (functions/shadow-api) that reads a shadow, changes its desired state with optimistic locking
 * (the shadow version) and pages through its history. Every route is authorized (IAM by
 * default, a JWT authorizer as the option; never none), the stage is throttled and writes access
 * logs to a KMS-encrypted log group.
 */
import { AssetType, TerraformAsset } from "cdktf";
import { Construct } from "constructs";
import { Apigatewayv2Api } from "@cdktf/provider-aws/lib/apigatewayv2-api";
import { Apigatewayv2Authorizer } from "@cdktf/provider-aws/lib/apigatewayv2-authorizer";
import { Apigatewayv2Integration } from "@cdktf/provider-aws/lib/apigatewayv2-integration";
import { Apigatewayv2Route } from "@cdktf/provider-aws/lib/apigatewayv2-route";
import { Apigatewayv2Stage } from "@cdktf/provider-aws/lib/apigatewayv2-stage";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { DataAwsIotEndpoint } from "@cdktf/provider-aws/lib/data-aws-iot-endpoint";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { ServiceKey } from "../../lib/kms";
import type { ShadowSelection } from "../../lib/shadow-selection";
import type { HistoryTableRef } from "../history-store";
import { LogRetentionDays, ProcessorLogLevel, shippedBundleDir } from "../shadow-processor";
import { packageDirectory } from "../shadow-processor/zip";
import { SHADOW_API_ENV, SHADOW_API_ROUTES, ShadowApiRoute, WRITE_ROUTES } from "./contract";
import { shadowApiStatements } from "./iam";
import { validateShadowApiProps } from "./validate";

export * from "./contract";
export { shadowApiStatements, shadowResourceArns } from "./iam";
export type { ShadowApiPolicyScope } from "./iam";

/** Who may call the API. There is no third kind: an unauthenticated route is never created. */
export type ShadowApiAuthorization =
  /** SigV4-signed requests; the caller's IAM policy needs `execute-api:Invoke` on the routes. */
  | { readonly kind: "iam" }
  /** Bearer tokens of an OIDC issuer, checked by an API Gateway JWT authorizer. */
  | {
      readonly kind: "jwt";
      /** https:// URL of the issuer (the token's `iss`). */
      readonly issuer: string;
      /** Accepted `aud` (or `client_id`) values; at least one. */
      readonly audience: readonly string[];
      /** Scopes the GET routes require (any of them). @default none: any valid token */
      readonly readScopes?: readonly string[];
      /** Scopes the PATCH route requires (any of them). @default none: any valid token */
      readonly writeScopes?: readonly string[];
    };

/** Stage-wide request limits (HTTP APIs have no usage plans). */
export interface ShadowApiThrottling {
  /** Steady requests per second. */
  readonly rateLimit: number;
  /** Requests allowed in a burst, 1-5000. */
  readonly burstLimit: number;
}

export interface ShadowApiProps {
  /** Name of the API and its function; also the role (`<name>-role`), log groups and key alias. At most 59 characters. */
  readonly name: string;
  /** Absolute path of a shadow-api bundle directory holding index.js. @default the bundle this package ships (`shippedBundleDir("shadow-api")`) */
  readonly bundleDir?: string;
  /** The history table the history route reads (`HistoryStore.ref`); plain strings so it can come from another stack. */
  readonly historyTable: HistoryTableRef;
  /** Account of the things (IAM resource ARNs). */
  readonly accountId: string;
  /** Region of the things and the history table. */
  readonly region: string;
  /** Only things whose names start with it are served (and reachable through the function's role). */
  readonly thingNamePrefix: string;
  /** The shadows served; match the environment's `shadows`. @default { classic: true, named: "all" } */
  readonly shadows?: ShadowSelection;
  /** @default { kind: "iam" } */
  readonly authorization?: ShadowApiAuthorization;
  /** Stage default route throttling. @default { rateLimit: 50, burstLimit: 100 } */
  readonly throttling?: ShadowApiThrottling;
  /** `https://...` endpoint of the IoT data plane. @default the account's iot:Data-ATS endpoint (aws_iot_endpoint) */
  readonly iotDataEndpoint?: string;
  /** Retention of the function's log group and the access log group. @default 365 */
  readonly logRetentionDays?: LogRetentionDays;
  /** @default 256 */
  readonly memoryMb?: number;
  /** Function timeout, 1-29 seconds (API Gateway waits at most 30). @default 10 */
  readonly timeoutSeconds?: number;
  /** Reserved concurrency. @default undefined (unreserved pool) */
  readonly reservedConcurrency?: number;
  /** @default "INFO" */
  readonly logLevel?: ProcessorLogLevel;
  /** Sets Terraform `prevent_destroy` on the key and the log groups. @default false */
  readonly preventDestroy?: boolean;
}

const DEFAULT_THROTTLING: ShadowApiThrottling = { rateLimit: 50, burstLimit: 100 };
const DEFAULT_SHADOWS: ShadowSelection = { classic: true, named: "all" };
const BUNDLE = "shadow-api";

/** One JSON line per request; `-` where a value does not apply (e.g. the JWT subject on an IAM call). */
export const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: "$context.requestId",
  requestTime: "$context.requestTime",
  sourceIp: "$context.identity.sourceIp",
  routeKey: "$context.routeKey",
  status: "$context.status",
  responseLength: "$context.responseLength",
  latencyMs: "$context.responseLatency",
  integrationError: "$context.integrationErrorMessage",
  authorizerError: "$context.authorizer.error",
  iamPrincipal: "$context.identity.userArn",
  jwtSubject: "$context.authorizer.claims.sub",
});

export class ShadowApi extends Construct {
  public readonly api: Apigatewayv2Api;
  /** The `$default` stage: auto-deployed, throttled, access-logged. */
  public readonly stage: Apigatewayv2Stage;
  public readonly integration: Apigatewayv2Integration;
  /** The three routes by name (`getShadow`, `history`, `updateDesired`). */
  public readonly routes: Readonly<Record<ShadowApiRoute, Apigatewayv2Route>>;
  /** The JWT authorizer; undefined with IAM authorization. */
  public readonly authorizer?: Apigatewayv2Authorizer;
  public readonly function: LambdaFunction;
  public readonly role: IamRole;
  public readonly rolePolicy: IamRolePolicy;
  public readonly logGroup: CloudwatchLogGroup;
  public readonly accessLogGroup: CloudwatchLogGroup;
  /** Encrypts the function's environment and both log groups. */
  public readonly kmsKey: KmsKey;
  /** Lets this API (and nothing else) invoke the function. */
  public readonly invokePermission: LambdaPermission;
  public readonly asset: TerraformAsset;
  /** base64 sha256 of the deployed zip (the function's source_code_hash). */
  public readonly codeSha256: string;
  /** Base URL, e.g. `https://<id>.execute-api.<region>.amazonaws.com`. */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: ShadowApiProps) {
    super(scope, id);
    validateShadowApiProps(props);
    const name = props.name;
    const preventDestroy = props.preventDestroy ?? false;
    const retention = props.logRetentionDays ?? 365;
    const auth = props.authorization ?? { kind: "iam" };
    const shadows = props.shadows ?? DEFAULT_SHADOWS;
    const throttling = props.throttling ?? DEFAULT_THROTTLING;
    const logGroupName = `/aws/lambda/${name}`;
    const accessLogGroupName = `/aws/apigateway/${name}/access`;
    const partition = new DataAwsPartition(this, "partition");

    this.kmsKey = new ServiceKey(this, { key: "kms_key", alias: "kms_key_alias" }, {
      description: `Environment and logs of the shadow API ${name}`,
      aliasName: `alias/${name}`,
      accountId: props.accountId,
      region: props.region,
      partition: partition.partition,
      dnsSuffix: partition.dnsSuffix,
      // Lambda uses the key on the role's behalf (IAM); CloudWatch Logs needs a grant per log group.
      grants: [
        { kind: "cloudwatch-logs", logGroupName },
        { kind: "cloudwatch-logs", logGroupName: accessLogGroupName },
      ],
      preventDestroy,
    }).key;

    this.logGroup = new CloudwatchLogGroup(this, "log_group", { name: logGroupName, retentionInDays: retention, kmsKeyId: this.kmsKey.arn, lifecycle: { preventDestroy } });
    // HTTP APIs write access logs with a service-linked role: no account-level CloudWatch role needed.
    this.accessLogGroup = new CloudwatchLogGroup(this, "access_log_group", { name: accessLogGroupName, retentionInDays: retention, kmsKeyId: this.kmsKey.arn, lifecycle: { preventDestroy } });

    this.role = new IamRole(this, "role", {
      name: `${name}-role`,
      description: `Execution role of the shadow API ${name}: read and update its things' shadows, query the history, write its logs and traces`,
      assumeRolePolicy: new DataAwsIamPolicyDocument(this, "assume_role_policy", {
        statement: [{ effect: "Allow", principals: [{ type: "Service", identifiers: ["lambda.amazonaws.com"] }], actions: ["sts:AssumeRole"] }],
      }).json,
    });
    const statements = shadowApiStatements({
      partition: partition.partition,
      region: props.region,
      accountId: props.accountId,
      dnsSuffix: partition.dnsSuffix,
      thingNamePrefix: props.thingNamePrefix,
      shadows,
      tableArn: props.historyTable.arn,
      tableKmsKeyArn: props.historyTable.kmsKeyArn,
      logGroupArn: this.logGroup.arn,
      functionKeyArn: this.kmsKey.arn,
    });
    this.rolePolicy = new IamRolePolicy(this, "role_policy", {
      name: `${name}-permissions`,
      role: this.role.id,
      policy: new DataAwsIamPolicyDocument(this, "role_policy_document", { statement: statements }).json,
    });

    const bundleDir = props.bundleDir ?? shippedBundleDir(BUNDLE);
    const bundle = packageDirectory(bundleDir, `${bundleDir.replace(/[\\/]+$/, "")}.zip`);
    this.codeSha256 = bundle.sha256Base64;
    this.asset = new TerraformAsset(this, "bundle", { path: bundle.zipPath, type: AssetType.FILE, assetHash: bundle.sha256Hex });
    const iotDataEndpoint = props.iotDataEndpoint ?? `https://${new DataAwsIotEndpoint(this, "iot_data_endpoint", { endpointType: "iot:Data-ATS" }).endpointAddress}`;

    this.function = new LambdaFunction(this, "function", {
      functionName: name,
      description: "Shadow API: read a shadow, change its desired state at a version, page through its history",
      role: this.role.arn,
      runtime: "nodejs22.x",
      architectures: ["arm64"],
      handler: "index.handler",
      filename: this.asset.path,
      sourceCodeHash: bundle.sha256Base64,
      memorySize: props.memoryMb ?? 256,
      timeout: props.timeoutSeconds ?? 10,
      reservedConcurrentExecutions: props.reservedConcurrency,
      tracingConfig: { mode: "Active" },
      kmsKeyArn: this.kmsKey.arn,
      environment: {
        variables: {
          [SHADOW_API_ENV.tableName]: props.historyTable.name,
          [SHADOW_API_ENV.thingNamePrefix]: props.thingNamePrefix,
          [SHADOW_API_ENV.shadows]: JSON.stringify({ classic: shadows.classic, named: shadows.named }),
          [SHADOW_API_ENV.iotDataEndpoint]: iotDataEndpoint,
          POWERTOOLS_SERVICE_NAME: BUNDLE,
          POWERTOOLS_LOG_LEVEL: props.logLevel ?? "INFO",
          NODE_OPTIONS: "--enable-source-maps",
        },
      },
      // Invoked synchronously by API Gateway: a failure is the caller's answer, so there is no dead-letter queue.
      dependsOn: [this.logGroup, this.rolePolicy],
    });

    this.api = new Apigatewayv2Api(this, "api", {
      name,
      protocolType: "HTTP",
      description: "Device shadows of the environment: current document, desired-state changes at a version, history",
    });
    this.integration = new Apigatewayv2Integration(this, "integration", {
      apiId: this.api.id,
      integrationType: "AWS_PROXY",
      integrationUri: this.function.invokeArn,
      integrationMethod: "POST",
      payloadFormatVersion: "2.0",
    });
    this.authorizer =
      auth.kind === "jwt"
        ? new Apigatewayv2Authorizer(this, "jwt_authorizer", {
            apiId: this.api.id,
            name: `${name}-jwt`,
            authorizerType: "JWT",
            identitySources: ["$request.header.Authorization"],
            jwtConfiguration: { issuer: auth.issuer, audience: [...auth.audience] },
          })
        : undefined;
    const routes = {} as Record<ShadowApiRoute, Apigatewayv2Route>;
    for (const [route, routeKey] of Object.entries(SHADOW_API_ROUTES) as [ShadowApiRoute, string][]) {
      const scopes = auth.kind === "jwt" ? (WRITE_ROUTES.includes(route) ? auth.writeScopes : auth.readScopes) : undefined;
      routes[route] = new Apigatewayv2Route(this, `route_${route}`, {
        apiId: this.api.id,
        routeKey,
        target: `integrations/${this.integration.id}`,
        authorizationType: auth.kind === "jwt" ? "JWT" : "AWS_IAM",
        authorizerId: this.authorizer?.id,
        authorizationScopes: scopes && scopes.length > 0 ? [...scopes] : undefined,
      });
    }
    this.routes = routes;

    this.stage = new Apigatewayv2Stage(this, "stage", {
      apiId: this.api.id,
      name: "$default",
      autoDeploy: true,
      defaultRouteSettings: { throttlingRateLimit: throttling.rateLimit, throttlingBurstLimit: throttling.burstLimit, detailedMetricsEnabled: true },
      accessLogSettings: { destinationArn: this.accessLogGroup.arn, format: ACCESS_LOG_FORMAT },
    });

    this.invokePermission = new LambdaPermission(this, "invoke_permission", {
      statementId: "AllowShadowApiRoutes",
      action: "lambda:InvokeFunction",
      functionName: this.function.functionName,
      principal: "apigateway.amazonaws.com",
      // Confused-deputy guard: this API's routes only (stage/method/path).
      sourceArn: `${this.api.executionArn}/*/*/things/*`,
      sourceAccount: props.accountId,
    });
    this.url = this.stage.invokeUrl;
  }
}

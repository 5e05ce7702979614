/**
 * What the API's function may do, as policy statements (plain data, tested on their own): read and
 * update the shadows of this environment's things and query the history table. No wildcard
 * resource but X-Ray's, which has no resource-level permissions.
 */
import type { ShadowSelection } from "../../lib/shadow-selection";
import { TIME_INDEX_NAME, dynamodbViaService } from "../history-store";
import type { PolicyStatementSpec } from "../history-store";

export interface ShadowApiPolicyScope {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  readonly dnsSuffix: string;
  readonly thingNamePrefix: string;
  readonly shadows: ShadowSelection;
  readonly tableArn: string;
  readonly tableKmsKeyArn: string;
  readonly logGroupArn: string;
  readonly functionKeyArn: string;
}

/**
 * IAM resources of the shadows the API serves. A classic shadow is its thing's ARN
 * (`thing/<name>`), a named one `thing/<name>/<shadow>` (AWS IoT action resources). In IAM, `*`
 * also matches `/`, so `thing/<prefix>*` (classic shadows) covers the named shadows of those things
 * too; without the classic shadow the list names each served named shadow.
 */
export function shadowResourceArns(scope: Pick<ShadowApiPolicyScope, "partition" | "region" | "accountId" | "thingNamePrefix" | "shadows">): string[] {
  const things = `arn:${scope.partition}:iot:${scope.region}:${scope.accountId}:thing/${scope.thingNamePrefix}*`;
  const named = scope.shadows.named === "all" ? ["*"] : scope.shadows.named;
  return [...(scope.shadows.classic ? [things] : []), ...named.map((n) => `${things}/${n}`)];
}

export function shadowApiStatements(scope: ShadowApiPolicyScope): PolicyStatementSpec[] {
  return [
    { sid: "WriteOwnLogs", effect: "Allow", actions: ["logs:CreateLogStream", "logs:PutLogEvents"], resources: [`${scope.logGroupArn}:*`] },
    { sid: "ReadAndUpdateServedShadows", effect: "Allow", actions: ["iot:GetThingShadow", "iot:UpdateThingShadow"], resources: shadowResourceArns(scope) },
    // The table for version order, its time index for from/to.
    { sid: "QueryHistory", effect: "Allow", actions: ["dynamodb:Query"], resources: [scope.tableArn, `${scope.tableArn}/index/${TIME_INDEX_NAME}`] },
    {
      sid: "DecryptHistoryThroughDynamoDB",
      effect: "Allow",
      actions: ["kms:Decrypt"],
      resources: [scope.tableKmsKeyArn],
      condition: [{ test: "StringEquals", variable: "kms:ViaService", values: [dynamodbViaService({ region: scope.region, dnsSuffix: scope.dnsSuffix })] }],
    },
    { sid: "DecryptEnvironment", effect: "Allow", actions: ["kms:Decrypt"], resources: [scope.functionKeyArn] },
    // X-Ray has no resource-level permissions: AWS requires "*" for these two actions.
    { sid: "WriteTraces", effect: "Allow", actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources: ["*"] },
  ];
}

/**
 * The least-privilege statements a history writer needs, in one place: the
 * HistoryStore renders them as `writerPolicyJson`, and the ShadowProcessor
 * builds its role policy from them with the table and key ARNs it receives
 * across stacks.
 */
export interface PolicyCondition {
  readonly test: string;
  readonly variable: string;
  readonly values: string[];
}

/** Shape accepted by DataAwsIamPolicyDocument's `statement`. */
export interface PolicyStatementSpec {
  readonly sid: string;
  readonly effect: "Allow" | "Deny";
  readonly actions: string[];
  readonly resources: string[];
  readonly condition?: PolicyCondition[];
}

/** Where the table lives: DynamoDB of this region is the only service that may use the key for the writer. */
export interface HistoryKeyScope {
  /** The table's (the stack's) region, e.g. "eu-west-1" or `data.aws_region.region`. */
  readonly region: string;
  /** Domain of service endpoints, e.g. `data.aws_partition.dns_suffix`. @default "amazonaws.com" */
  readonly dnsSuffix?: string;
}

/** `kms:ViaService` of DynamoDB in one region, e.g. "dynamodb.eu-west-1.amazonaws.com". */
export function dynamodbViaService(scope: HistoryKeyScope): string {
  return `dynamodb.${scope.region}.${scope.dnsSuffix ?? "amazonaws.com"}`;
}

/** PutItem on the table (no Scan, Delete or Update) and the key use DynamoDB of the table's region makes on the caller's behalf. */
export function historyWriterStatements(tableArn: string, kmsKeyArn: string, scope: HistoryKeyScope): PolicyStatementSpec[] {
  return [
    { sid: "PutHistoryItems", effect: "Allow", actions: ["dynamodb:PutItem"], resources: [tableArn] },
    {
      sid: "UseHistoryTableKeyThroughDynamoDB",
      effect: "Allow",
      actions: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
      resources: [kmsKeyArn],
      // Only when DynamoDB of this region calls KMS for this principal: never directly, never from another region.
      condition: [{ test: "StringEquals", variable: "kms:ViaService", values: [dynamodbViaService(scope)] }],
    },
  ];
}

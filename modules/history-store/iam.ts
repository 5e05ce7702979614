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

/** PutItem on the table (no Scan, Delete or Update) and the key use DynamoDB makes on the caller's behalf. */
export function historyWriterStatements(tableArn: string, kmsKeyArn: string): PolicyStatementSpec[] {
  return [
    { sid: "PutHistoryItems", effect: "Allow", actions: ["dynamodb:PutItem"], resources: [tableArn] },
    {
      sid: "UseHistoryTableKeyThroughDynamoDB",
      effect: "Allow",
      actions: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
      resources: [kmsKeyArn],
      // Only when DynamoDB calls KMS for this principal, never directly.
      condition: [{ test: "StringLike", variable: "kms:ViaService", values: ["dynamodb.*.amazonaws.com"] }],
    },
  ];
}

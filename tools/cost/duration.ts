/**
 * How long one processor invocation takes in Lambda, from what this repository can measure offline.
 * The bench measures the built bundle against dynalite on 127.0.0.1, which answers a PutItem in well
 * under a millisecond; DynamoDB from a Lambda function in the same region answers in single-digit
 * milliseconds. So a modelled invocation is the measured handler time plus one DynamoDB round trip per
 * sequential put: one for a direct event, ceil(records / BATCH_WRITE_CONCURRENCY) for an SQS batch
 * (the handler keeps that many puts in flight).
 */
import { BATCH_WRITE_CONCURRENCY } from "../../functions/shadow-history/config";

/** Assumed DynamoDB PutItem round trip from Lambda, same region (AWS: "single-digit millisecond"). */
export const DYNAMODB_ROUND_TRIP_MS = 5;

export function directInvocationMs(measuredHandlerMs: number): number {
  return measuredHandlerMs + DYNAMODB_ROUND_TRIP_MS;
}

export function batchInvocationMs(measuredHandlerMs: number, records: number): number {
  return measuredHandlerMs + DYNAMODB_ROUND_TRIP_MS * Math.ceil(records / BATCH_WRITE_CONCURRENCY);
}

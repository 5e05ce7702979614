/**
 * What the cost model assumes where the stacks and the bench say nothing: traffic shape, sizes of what
 * is written, and the idle cost of an SQS event source mapping. Each one is a named constant with its
 * reason, so a reader can change it and rerun `npm run cost`.
 */

/** Shadow updates per device and month: a thermostat reporting every 5 minutes (30-day month). */
export const UPDATES_PER_DEVICE_MONTH = (30 * 24 * 60) / 5;

/** Bytes of one history item as DynamoDB sizes it (names + values), for a thermostat's classic-shadow update (see costInputs). */
export const HISTORY_ITEM_BYTES_DEFAULT = 600;
/** DynamoDB adds 100 bytes of indexing overhead per item to billed storage. */
export const DYNAMODB_ITEM_OVERHEAD_BYTES = 100;

/**
 * CloudWatch Logs bytes per invocation and per record. Lambda writes START, END and REPORT lines
 * (about 300 bytes with X-Ray on); the processor logs one INFO line per stored update (about 350
 * bytes, Powertools JSON) and one EMF document per invocation (about 700 bytes: its metrics are
 * aggregated per invocation, so a batch writes one).
 */
export const LOG_BYTES = { platformPerInvocation: 300, emfPerInvocation: 700, infoPerRecord: 350 } as const;

/**
 * Idle cost of an SQS event source mapping: Lambda long-polls (20 s) with at least 5 pollers, so
 * about 5 x 3 ReceiveMessage requests a minute whether or not updates arrive (AWS documents the
 * pollers, not a count; this is the usual estimate).
 */
export const ESM_IDLE_RECEIVES_PER_MONTH = 5 * 3 * 60 * 24 * 30;

/** SSE-KMS with a 300 s data key reuse period: SQS calls KMS about once per reuse period per principal (sender, consumer). */
export const SQS_KMS_REQUESTS_PER_MONTH = 2 * (3600 / 300) * 24 * 30;

/**
 * The design this project started from: one Python invocation per update, no batching, x86_64 at
 * 128 MB, boto3 PutItem. Assumed duration: 30 ms warm (boto3 client reused, one PutItem), 800 ms
 * for the 1% of invocations that are cold (Python + boto3 import; Lambda bills the INIT phase since
 * August 2025): 0.99 x 30 + 0.01 x 800 = 37.7 ms average billed. Not measured here (no Python
 * processor exists in this repository).
 */
export const PYTHON_BASELINE = { memoryMb: 128, warmMs: 30, coldMs: 800, coldShare: 0.01, architecture: "x86_64" as const };

/** Fallback when BENCHMARKS.md has no measured handler time: the built bundle's handler time per event (ms). */
export const HANDLER_MS_FALLBACK = 2.2;

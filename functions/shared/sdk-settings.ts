/**
 * Fail-fast AWS SDK settings of every platform function: 3 attempts, 1 s to connect, 3 s per
 * request. Lambda retries (or the caller re-sends) whole invocations, so in-function retries only
 * ride out short blips, and the worst case (3 x 3 s plus backoff) ends well inside a 30 s timeout
 * with a thrown, logged error instead of a killed invocation. docs/reliability.md has the reasons.
 */
export const FAIL_FAST_SDK_SETTINGS = {
  maxAttempts: 3,
  retryMode: "standard",
  connectionTimeoutMs: 1_000,
  requestTimeoutMs: 3_000,
  /** Without it the SDK only logs a warning when requestTimeout passes and keeps waiting. */
  throwOnRequestTimeout: true,
} as const;

/**
 * The reconnect storm (tools/pipeline/storm.ts) at full size: 50,000 updates of 5,000 things (plus
 * poison) at a concurrency cap of 10, through buffered ingestion (prod's settings) and the direct path,
 * in one run and one process. Invocations run the built bundle against dynalite one at a time; their
 * simulated duration is the measured one plus DynamoDB's round trips (tools/cost/duration.ts), and
 * AWS's waits (visibility timeout, retry delays, throttle backoff) are simulated, so the figures say
 * what the same storm would do in Lambda, with ratios between the two paths.
 *
 *   npx tsx bench/storm.ts           # prints JSON; STORM_EVENTS / STORM_THINGS to resize
 */
import { resolveEnvironment } from "../lib/config-schema";
import { environments } from "../environments";
import { batchInvocationMs, directInvocationMs, DYNAMODB_ROUND_TRIP_MS } from "../tools/cost/duration";
import { runStorm, StormPathResult, StormSettings } from "../tools/pipeline/storm";

export interface StormBench {
  readonly settings: StormSettings;
  readonly buffered: StormPathResult;
  readonly direct: StormPathResult;
  /** Measured handler time of one direct event and of one batch (means, ms), before DynamoDB's round trips. */
  readonly measuredMs: { readonly direct: number; readonly batch: number; readonly batchSize: number };
  readonly dynamodbRoundTripMs: number;
}

export async function benchStorm(log: (line: string) => void, sizes: { events?: number; things?: number } = {}): Promise<StormBench> {
  const prod = resolveEnvironment(environments.prod, "prod");
  const buffer = prod.rules.buffer;
  if (!buffer) throw new Error('bench storm: environments/prod.ts no longer uses rules.ingestion "buffered"');
  const measured = { direct: [] as number[], batch: [] as number[] };
  const settings = {
    events: sizes.events ?? 50_000,
    things: sizes.things ?? 5_000,
    concurrency: buffer.maximumConcurrency,
    batchSize: buffer.batchSize,
    maximumBatchingWindowSeconds: buffer.maximumBatchingWindowSeconds,
    maxReceiveCount: buffer.maxReceiveCount,
    visibilityTimeoutSeconds: buffer.visibilityTimeoutSeconds,
    timeoutSeconds: prod.processor.timeoutSeconds,
    maximumRetryAttempts: prod.processor.maximumRetryAttempts,
    maximumEventAgeSeconds: prod.processor.maximumEventAgeSeconds,
  };
  log(`storm: ${settings.events} updates of ${settings.things} things, cap ${settings.concurrency}, both paths (simulated AWS time, measured invocations)`);
  const result = await runStorm({
    ...settings,
    serviceTimeMs: {
      direct: (m) => (measured.direct.push(m), directInvocationMs(m)),
      buffered: (m, n) => (measured.batch.push(m), batchInvocationMs(m, n)),
    },
  });
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  if (!result.buffered || !result.direct) throw new Error("bench storm: a path did not run");
  return {
    settings: result.settings,
    buffered: result.buffered,
    direct: result.direct,
    measuredMs: { direct: mean(measured.direct), batch: mean(measured.batch), batchSize: buffer.batchSize },
    dynamodbRoundTripMs: DYNAMODB_ROUND_TRIP_MS,
  };
}

if (require.main === module) {
  const size = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined);
  benchStorm((l) => console.error(l), { events: size("STORM_EVENTS"), things: size("STORM_THINGS") })
    .then((r) => console.log(JSON.stringify(r, null, 2)))
    .catch((error: unknown) => {
      console.error(`storm: ${(error as Error).stack ?? String(error)}`);
      process.exitCode = 2;
    });
}

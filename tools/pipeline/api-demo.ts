/**
 * The shadow API part of `npm run demo`: the BUILT shadow-api bundle against the demo's shadow
 * emulator (through its local data plane) and its local DynamoDB history. It reads a shadow,
 * changes desired state at the version it read, tries a stale version (409 with the current
 * version) and pages through the history the pipeline stored. Run it after the history is verified:
 * its accepted change flows through the rules into the history like any other update.
 */
import { CLASSIC_SHADOW_PATH_NAME } from "../../modules/shadow-api/contract";
import { ShadowApiClient, ShadowApiError, startLocalShadowApi } from "../shadow-api-client";
import type { LocalPipeline } from "./pipeline";
import type { SynthesizedEnvironment } from "./synth";

export interface ApiDemoResult {
  readonly lines: readonly string[];
  /** Status of the stale-version PATCH: 409 when optimistic locking works. */
  readonly staleStatus: number;
  readonly ok: boolean;
}

export async function runApiDemo(pipeline: LocalPipeline, synth: SynthesizedEnvironment, thingName: string): Promise<ApiDemoResult> {
  const { shadows } = synth.config;
  const shadow = shadows.classic ? CLASSIC_SHADOW_PATH_NAME : shadows.named === "all" ? "config" : shadows.named[0];
  const api = await startLocalShadowApi({
    shadows: pipeline.shadows,
    dynamo: pipeline.dynamo,
    tableName: pipeline.table.tableName,
    thingNamePrefix: synth.config.thingNamePrefix,
    shadowSelection: { classic: shadows.classic, named: shadows.named },
  });
  const lines: string[] = [];
  try {
    const client = new ShadowApiClient(api.transport);
    const read = await client.getShadow(thingName, shadow);
    lines.push(`  GET   /things/${thingName}/shadows/${shadow}                 200 version ${read.version}`);
    const changed = await client.updateDesired(thingName, shadow, { demoSetpoint: 22 }, read.version);
    lines.push(`  PATCH .../desired {"demoSetpoint":22} expectedVersion ${read.version}   200 version ${changed.version}`);
    let staleStatus = 200;
    try {
      await client.updateDesired(thingName, shadow, { demoSetpoint: 18 }, read.version);
      lines.push(`  PATCH .../desired expectedVersion ${read.version} (stale)            200: NOT REFUSED`);
    } catch (error) {
      if (!(error instanceof ShadowApiError)) throw error;
      staleStatus = error.status;
      lines.push(`  PATCH .../desired expectedVersion ${read.version} (stale)            ${error.status} ${JSON.stringify(error.body)}`);
    }
    const page = await client.history(thingName, shadow, { limit: 3 });
    const next = page.cursor ? await client.history(thingName, shadow, { limit: 3, cursor: page.cursor }) : undefined;
    lines.push(`  GET   .../history?limit=3                            200 versions ${page.items.map((i) => i.version).join(", ")}${page.cursor ? " + cursor" : ""}`);
    if (next) lines.push(`  GET   .../history?limit=3&cursor=...                 200 versions ${next.items.map((i) => i.version).join(", ")}${next.cursor ? " + cursor" : ""}`);
    return { lines, staleStatus, ok: staleStatus === 409 };
  } finally {
    await api.stop();
  }
}

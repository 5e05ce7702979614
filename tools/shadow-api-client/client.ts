/**
 * A client of the shadow API that resolves concurrent desired-state writes with shadow versions.
 *
 * Strategy (modules/shadow-api/README.md, "Conflict resolution"): a change is sent with the
 * version it was based on. On 409 the client reads the shadow again; when none of the top-level
 * desired keys it changes was changed by anyone else since its base, the change is disjoint from
 * theirs, so it is re-sent on the new version (up to `maxAttempts` sends). When another writer
 * changed one of the same keys, the client stops and reports a conflict: it never overwrites a
 * value it has not seen.
 */
import type { ShadowDocument, UpdateAccepted } from "../../functions/shadow-api/ports";
import type { JsonObject, JsonValue } from "../../functions/shadow-history/event";
import { jsonEqual } from "../../functions/shadow-history/transform";
import type { ApiTransport } from "./transport";

export interface ShadowApiClientOptions {
  /** Sends of one change before giving up (the first one included), 1-100. @default 5 */
  readonly maxAttempts?: number;
}

/** An answer of the API that is not a success (its JSON error body). */
export class ShadowApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: { readonly code?: string; readonly message?: string; readonly field?: string; readonly [key: string]: unknown },
  ) {
    super(`shadow API answered ${status}: ${body.message ?? JSON.stringify(body)}`);
    this.name = "ShadowApiError";
  }
}

export type SetDesiredResult =
  /** Applied at `version`; `attempts` sends (more than 1: merged after conflicts on disjoint keys). */
  | { readonly outcome: "applied"; readonly version: number; readonly attempts: number; readonly accepted: UpdateAccepted }
  /** Another writer changed one of the same keys since the base: nothing applied. */
  | { readonly outcome: "conflict"; readonly conflictingKeys: readonly string[]; readonly currentVersion: number; readonly attempts: number }
  /** Every send met a newer version (disjoint writers kept winning): nothing applied. */
  | { readonly outcome: "gave-up"; readonly currentVersion: number; readonly attempts: number };

export interface HistoryPageResult {
  readonly items: readonly Record<string, unknown>[];
  readonly cursor?: string;
}

const path = (thing: string, shadow: string, tail = "") => `/things/${encodeURIComponent(thing)}/shadows/${encodeURIComponent(shadow)}${tail}`;

function own(obj: JsonObject | undefined, key: string): JsonValue | undefined {
  return obj !== undefined && Object.hasOwn(obj, key) ? obj[key] : undefined;
}

export class ShadowApiClient {
  private readonly maxAttempts: number;

  constructor(
    private readonly transport: ApiTransport,
    options: ShadowApiClientOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 5;
    if (!Number.isInteger(this.maxAttempts) || this.maxAttempts < 1 || this.maxAttempts > 100) {
      throw new Error(`ShadowApiClientOptions.maxAttempts must be a whole number from 1 to 100, got ${options.maxAttempts}`);
    }
  }

  private async call<T>(request: Parameters<ApiTransport>[0]): Promise<T> {
    const response = await this.transport(request);
    const body = JSON.parse(response.body) as unknown;
    if (response.status !== 200) throw new ShadowApiError(response.status, body as ShadowApiError["body"]);
    return body as T;
  }

  /** GET the shadow (`$classic` for the classic shadow). */
  getShadow(thing: string, shadow: string): Promise<ShadowDocument> {
    return this.call({ method: "GET", path: path(thing, shadow) });
  }

  /** One history page; pass `cursor` of the previous page for the next. */
  history(thing: string, shadow: string, query: { from?: string; to?: string; limit?: number; cursor?: string } = {}): Promise<HistoryPageResult> {
    const q: Record<string, string> = {};
    for (const [k, v] of Object.entries(query)) if (v !== undefined) q[k] = String(v);
    return this.call({ method: "GET", path: path(thing, shadow, "/history"), query: q });
  }

  /** One PATCH of desired keys at `expectedVersion`, no retry: a 409 throws ShadowApiError. */
  updateDesired(thing: string, shadow: string, desired: JsonObject, expectedVersion: number): Promise<UpdateAccepted> {
    return this.call({ method: "PATCH", path: path(thing, shadow, "/desired"), body: JSON.stringify({ desired, expectedVersion }) });
  }

  /** The shadow, or an empty one at version 0 when it does not exist yet. */
  private async readOrEmpty(thing: string, shadow: string): Promise<ShadowDocument> {
    try {
      return await this.getShadow(thing, shadow);
    } catch (error) {
      if (error instanceof ShadowApiError && error.status === 404 && error.body.field === "shadow") return { state: {}, version: 0, timestamp: 0 };
      throw error;
    }
  }

  /**
   * Sets `changes` (top-level desired keys; null deletes one) based on `base` (read first when
   * omitted), resolving version conflicts as the strategy above says.
   */
  async setDesired(thing: string, shadow: string, changes: JsonObject, base?: ShadowDocument): Promise<SetDesiredResult> {
    let seen = base ?? (await this.readOrEmpty(thing, shadow));
    const keys = Object.keys(changes);
    for (let attempt = 1; ; attempt++) {
      try {
        const accepted = await this.updateDesired(thing, shadow, changes, seen.version);
        return { outcome: "applied", version: accepted.version, attempts: attempt, accepted };
      } catch (error) {
        if (!(error instanceof ShadowApiError && error.status === 409)) throw error;
      }
      const current = await this.readOrEmpty(thing, shadow);
      const conflictingKeys = keys.filter((k) => !jsonEqual(own(seen.state.desired, k), own(current.state.desired, k)));
      if (conflictingKeys.length > 0) return { outcome: "conflict", conflictingKeys, currentVersion: current.version, attempts: attempt };
      if (attempt >= this.maxAttempts) return { outcome: "gave-up", currentVersion: current.version, attempts: attempt };
      // Nobody touched our keys: what changed is disjoint from our change, so re-send it on the new version.
      seen = current;
    }
  }
}

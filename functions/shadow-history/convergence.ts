/**
 * Convergence latency: how long a desired value waited until the device
 * reported it. Pure; missing or malformed metadata means "no latency for that
 * key", never an error (metadata is not part of the event contract).
 *
 * A desired leaf (a non-object value, at any depth) counts when it equals the
 * reported value at the same path in `current` but did not in `previous`, so a
 * key is counted once per convergence, not again on every later update that
 * repeats it. Its latency is
 *   metadata.reported.<path>.timestamp - metadata.desired.<path>.timestamp
 * (epoch seconds, from `current`), clamped at 0: a desired value set to what
 * the device had already reported converged at once.
 */
import { MAX_EPOCH_SECONDS, type JsonObject, type JsonValue, type ShadowSnapshot } from "./event";
import { isPlainObject, jsonEqual, own, pointerSegment } from "./json";

/** JSON Pointer into `desired` (e.g. "/lights/color") to latency in seconds. */
export type ConvergenceLatencies = Record<string, number>;

function at(root: JsonValue | undefined, path: readonly string[]): JsonValue | undefined {
  let node = root;
  for (const key of path) {
    if (!isPlainObject(node)) return undefined;
    node = own(node, key);
  }
  return node;
}

function isConverged(snapshot: ShadowSnapshot | null, path: readonly string[]): boolean {
  const want = snapshot ? at(snapshot.state.desired, path) : undefined;
  return want !== undefined && jsonEqual(want, at(snapshot?.state.reported, path));
}

/** A value's metadata is `{ timestamp }`; an array value's is one per element (the latest counts). */
function timestampOf(node: JsonValue | undefined): number | undefined {
  if (Array.isArray(node)) {
    const all = node.map(timestampOf);
    return all.length > 0 && all.every((t) => t !== undefined) ? Math.max(...(all as number[])) : undefined;
  }
  const t = isPlainObject(node) ? own(node, "timestamp") : undefined;
  return typeof t === "number" && Number.isFinite(t) && t >= 0 && t < MAX_EPOCH_SECONDS ? t : undefined;
}

/** Latencies of the desired keys that converged with this update; empty when none did (or metadata is missing). */
export function convergenceLatencies(previous: ShadowSnapshot | null, current: ShadowSnapshot): ConvergenceLatencies {
  const out: ConvergenceLatencies = {};
  const metadata: JsonObject | undefined = current.metadata;
  const walk = (desired: JsonValue | undefined, path: string[]): void => {
    if (desired === undefined) return;
    if (isPlainObject(desired)) {
      for (const key of Object.keys(desired)) walk(own(desired, key), [...path, key]);
      return;
    }
    if (!jsonEqual(desired, at(current.state.reported, path)) || isConverged(previous, path)) return;
    const desiredAt = timestampOf(at(own(metadata, "desired"), path));
    const reportedAt = timestampOf(at(own(metadata, "reported"), path));
    if (desiredAt === undefined || reportedAt === undefined) return;
    // Pointers start with "/", so a key is never an Object.prototype member name.
    out[`/${path.map(pointerSegment).join("/")}`] = Math.max(0, reportedAt - desiredAt);
  };
  walk(current.state.desired, []);
  return out;
}

/**
 * Pure logic of the HVAC product line's extra processor: detect the update in
 * which a unit's reported filter life first drops below the alert threshold.
 * Alerting on the crossing (not on every low reading) keeps one alert per filter.
 */
import type { JsonValue, ShadowDocumentsEvent } from "../shadow-history/event";

export const FILTER_LIFE_FIELD = "filterLifePercent";
export const DEFAULT_THRESHOLD_PERCENT = 10;

export interface FilterAlert {
  readonly thingName: string;
  /** undefined for the classic shadow */
  readonly shadowName?: string;
  readonly version: number;
  readonly filterLifePercent: number;
}

function filterLife(reported: { [key: string]: JsonValue } | undefined): number | undefined {
  const value = reported?.[FILTER_LIFE_FIELD];
  return typeof value === "number" ? value : undefined;
}

/** The alert to raise for this update, or undefined when the threshold was not crossed. */
export function filterAlertFor(event: ShadowDocumentsEvent, thresholdPercent: number): FilterAlert | undefined {
  const now = filterLife(event.current.state.reported);
  if (now === undefined || now >= thresholdPercent) return undefined;
  // A shadow's first update (a new device's first report) carries "previous": null: nothing was
  // reported before, so a reading already below the threshold is the crossing and alerts.
  const before = event.previous === null ? undefined : filterLife(event.previous.state.reported);
  if (before !== undefined && before < thresholdPercent) return undefined;
  return { thingName: event.thingName, shadowName: event.shadowName, version: event.current.version, filterLifePercent: now };
}

/** FILTER_ALERT_THRESHOLD_PERCENT from the environment, validated (1-100). */
export function thresholdFromEnv(env: Readonly<Record<string, string | undefined>>): number {
  const raw = env.FILTER_ALERT_THRESHOLD_PERCENT;
  if (raw === undefined || raw === "") return DEFAULT_THRESHOLD_PERCENT;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value > 100) {
    throw new Error(`FILTER_ALERT_THRESHOLD_PERCENT must be a number in (0, 100], got "${raw}"`);
  }
  return value;
}

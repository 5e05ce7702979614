/** Thermostat `update/documents` events as the topic rule delivers them, for processor benchmarks. */
import { parseShadowDocumentsEvent } from "../functions/shadow-history/event";
import { DocumentValue, HistoryItem, toDocumentItem, toHistoryItem } from "../functions/shadow-history/transform";

/** Things per batch; versions climb per thing, as a real fleet's do. */
const THINGS = 100;
const EPOCH = 1_700_000_000;

/** `count` events, unique per `label` (thing names carry it), half of them with desired != reported. */
export function thermostatEvents(label: string, count: number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => {
    const version = Math.floor(i / THINGS) + 1;
    const setpoint = 20 + (i % 5) / 2;
    const temperature = 18 + (i % 7) / 3;
    const metadata = { reported: { temperature: { timestamp: EPOCH + i } } };
    return {
      thingName: `${label}-Thermostat-${String(i % THINGS).padStart(4, "0")}`,
      ...(i % 3 === 0 ? { shadowName: "config" } : {}),
      previous: version === 1 ? null : { state: { desired: { setpoint }, reported: { temperature: temperature - 0.5, setpoint, mode: "heat" } }, metadata, version: version - 1 },
      current: { state: { desired: { setpoint }, reported: { temperature, setpoint: i % 2 ? setpoint : setpoint - 1, mode: "heat" } }, metadata, version },
      timestamp: EPOCH + i,
      clientToken: `bench-${i}`,
    };
  });
}

/** The item the processor would store for each event (the pure transform, no I/O). */
export function historyItems(events: readonly unknown[], receivedAtMs: number): HistoryItem[] {
  return events.map((e) => toHistoryItem(parseShadowDocumentsEvent(e), { receivedAtMs }));
}

/** The same items in the form the handler passes to lib-dynamodb's PutCommand. */
export function documentItems(events: readonly unknown[], receivedAtMs: number): Record<string, DocumentValue>[] {
  return historyItems(events, receivedAtMs).map((item) => toDocumentItem(item));
}

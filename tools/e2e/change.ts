/**
 * A real change against what was deployed: a device added to an environment and its processor's
 * memory changed. The expected plan is derived from the two synthesized configurations (the
 * addresses that appear are created, the addresses whose configuration differs are updated) and
 * must also be exactly the new device's resources plus the processor function: nothing replaced,
 * nothing destroyed, no other address touched.
 */
import type { PlannedChange } from "./engine";
import type { TfJson } from "./stacks";

/** Raw environment files with one environment changed: a device appended, the processor's memory set. */
export function environmentsWithChange(
  environments: Readonly<Record<string, unknown>>,
  label: string,
  change: { readonly device: { readonly name: string; readonly csrPath: string }; readonly processorMemoryMb: number },
): Record<string, unknown> {
  const raw = environments[label] as TfJson | undefined;
  if (!raw) throw new Error(`e2e change: no environment "${label}" (environments/index.ts has ${Object.keys(environments).join(", ")})`);
  const copy = JSON.parse(JSON.stringify(raw)) as TfJson;
  const things = copy.devices.things as TfJson[];
  const template = things[0] ?? {};
  things.push({ ...template, name: change.device.name, csrPath: change.device.csrPath });
  copy.processor = { ...(copy.processor ?? {}), memoryMb: change.processorMemoryMb };
  return { ...environments, [label]: copy };
}

/** `type.name` -> configuration, for every resource of a synthesized stack (the `//` metadata left out). */
function resourceConfigs(tfJson: TfJson): Map<string, string> {
  const out = new Map<string, string>();
  for (const [type, byName] of Object.entries((tfJson.resource ?? {}) as Record<string, TfJson>)) {
    for (const [name, config] of Object.entries(byName as Record<string, TfJson>)) {
      const { "//": _metadata, ...rest } = config;
      out.set(`${type}.${name}`, JSON.stringify(rest));
    }
  }
  return out;
}

export interface ExpectedChange {
  readonly address: string;
  readonly actions: readonly string[];
}

/** Creates for addresses only `after` has, updates for addresses whose configuration differs; throws when one disappears. */
export function expectedChanges(before: TfJson, after: TfJson): ExpectedChange[] {
  const a = resourceConfigs(before);
  const b = resourceConfigs(after);
  const removed = [...a.keys()].filter((k) => !b.has(k));
  if (removed.length) throw new Error(`e2e change: the change removes ${removed.join(", ")}; it should only add a device and update the processor`);
  return [...b.entries()]
    .filter(([k, v]) => a.get(k) !== v)
    .map(([address]) => ({ address, actions: a.has(address) ? ["update"] : ["create"] }))
    .sort((x, y) => x.address.localeCompare(y.address));
}

/** Differences between a plan and the expected changes, [] when the plan is exactly them. */
export function planMismatches(planned: readonly PlannedChange[], expected: readonly ExpectedChange[]): string[] {
  const key = (c: { address: string; actions: readonly string[] }) => `${c.actions.join("/")} ${c.address}`;
  const want = new Set(expected.map(key));
  const got = new Set(planned.map(key));
  return [...[...got].filter((k) => !want.has(k)).map((k) => `unexpected: ${k}`), ...[...want].filter((k) => !got.has(k)).map((k) => `missing: ${k}`)];
}

/**
 * `npm run -s where -- <address> [--stack <name>]` as a library: which stack holds a Terraform
 * address, its construct path (the `//` metadata of cdk.tf.json) and the module that owns it.
 */
import type { IConstruct } from "constructs";
import type { SynthStacks } from "../plan-review";
import { AddressHit, closeMatches, findAddress, listAddresses, normalizeAddress } from "./addresses";
import { ConstructOwners, OwnerIndex, ownersOf } from "./owners";

export { closeMatches, findAddress, listAddresses, normalizeAddress } from "./addresses";
export type { AddressHit } from "./addresses";
export { buildOwnerIndex, findConstruct, ownersOf } from "./owners";
export type { ConstructOwners, ModuleOwner, OwnerIndex, StackOwner } from "./owners";

/** The address is not where it was looked for; the message names it and what to try. */
export class AddressNotFoundError extends Error {}

export interface LocateProps {
  readonly stacks: SynthStacks;
  readonly address: string;
  /** Search this stack only. @default every stack */
  readonly stack?: string;
  /** Named in messages, e.g. "cdktf.out". */
  readonly outDir: string;
  /** The app's construct tree (built, not necessarily synthesized); called only when the address is found. */
  readonly app: () => IConstruct;
  readonly index: () => OwnerIndex;
}

export interface LocatedAddress extends AddressHit {
  /**
   * undefined: no construct path (cdktf added it at synth) or one not in the app as built now
   * (cdktf.out is older than the code).
   */
  readonly owners?: ConstructOwners;
}

const SYNTH_HINT = "If the code changed since the last synth, synthesize first: npx cdktf synth (or npm run synth).";

export function locate(props: LocateProps): LocatedAddress[] {
  const names = Object.keys(props.stacks).sort();
  if (props.stack !== undefined && !names.includes(props.stack)) {
    throw new AddressNotFoundError(`No stack ${props.stack} in ${props.outDir}; the synthesized stacks are:\n  ${names.join("\n  ")}\n${SYNTH_HINT}`);
  }
  const all = listAddresses(props.stacks);
  const searched = props.stack === undefined ? all : all.filter((e) => e.stack === props.stack);
  const hits = findAddress(searched, props.address);
  if (hits.length === 0) throw new AddressNotFoundError(notFoundMessage(props, all, searched, names.length));
  const app = props.app();
  const index = props.index();
  return hits.map((hit) => ({ ...hit, owners: hit.constructPath === "" ? undefined : ownersOf(app, hit.constructPath, index) }));
}

function notFoundMessage(props: LocateProps, all: readonly AddressHit[], searched: readonly AddressHit[], stackCount: number): string {
  const address = normalizeAddress(props.address);
  const where = props.stack === undefined ? `any of the ${stackCount} synthesized stacks in ${props.outDir}` : `stack ${props.stack} in ${props.outDir}`;
  const lines = [`${address} is not a resource or data source in ${where}.`];
  const elsewhere = props.stack === undefined ? [] : [...new Set(findAddress(all, props.address).map((e) => e.stack))];
  if (elsewhere.length > 0) lines.push(`It is in: ${elsewhere.join(", ")} (drop --stack to see them).`);
  const close = closeMatches(searched, props.address);
  if (close.length > 0) lines.push("Close matches:", ...close.map((c) => `  ${c}   (${stacksOf(searched, c)})`));
  lines.push(SYNTH_HINT);
  return lines.join("\n");
}

function stacksOf(entries: readonly AddressHit[], address: string): string {
  const stacks = [...new Set(entries.filter((e) => e.address === address).map((e) => e.stack))];
  return stacks.length <= 2 ? stacks.join(", ") : `${stacks[0]} and ${stacks.length - 1} more`;
}

function ownerLines(hit: LocatedAddress): string[] {
  const owners = hit.owners;
  if (hit.constructPath === "") {
    // cdktf writes no `//` metadata for what it adds at synth rather than a construct declaring it.
    return hit.address.startsWith("data.terraform_remote_state.cross-stack-reference-input-")
      ? ["  module: none; cdktf adds it at synth to read the producer stack's outputs (a cross-stack reference)"]
      : ["  module: unknown: no // metadata, so no construct declared it"];
  }
  if (owners === undefined) return [`  module: unknown: the construct path is not in the app as built now. ${SYNTH_HINT}`];
  const stack = `${owners.stack.className}${owners.stack.file ? ` (${owners.stack.file})` : ""}`;
  const [owner, ...outer] = owners.modules;
  if (owner === undefined) return [`  module: none; declared by the stack class ${stack} itself`];
  return [
    `  module: ${owner.className} (${owner.dir}, README ${owner.dir}/README.md)`,
    ...outer.map((m) => `    inside ${m.className} (${m.dir})`),
    `  stack class: ${stack}`,
  ];
}

/** One block per address and owner: the stacks and construct paths, then the module and stack class. */
export function formatLocated(located: readonly LocatedAddress[]): string {
  const groups = new Map<string, LocatedAddress[]>();
  for (const hit of located) {
    const key = `${hit.address}\n${ownerLines(hit).join("\n")}`;
    groups.set(key, [...(groups.get(key) ?? []), hit]);
  }
  const blocks = [...groups.values()].map((hits) => {
    const sorted = [...hits].sort((a, b) => a.stack.localeCompare(b.stack) || a.constructPath.localeCompare(b.constructPath));
    const width = Math.max(...sorted.map((h) => h.stack.length));
    return [
      hits[0].address,
      ...sorted.map((h) => `  stack ${h.stack.padEnd(width)}  construct ${h.constructPath || "(none)"}`),
      ...ownerLines(hits[0]),
    ].join("\n");
  });
  return blocks.join("\n\n");
}

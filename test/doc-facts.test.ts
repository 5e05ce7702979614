/**
 * Facts the docs state about the code, checked cheaply so they cannot drift apart again (issue 21
 * item 7): fleet-index examples use thing types and named shadows the environments have, the lock
 * update command is the one the lock messages print, and benchmark figures live in BENCHMARKS.md
 * only (the docs link to its sections, which must exist).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { environments } from "../environments";
import { resolveEnvironment } from "../lib/config-schema";
import { LOCK_UPDATE_COMMAND } from "../tools/address-lock";
import { resourcesOf, synthAll } from "./helpers/synth-app";

const ROOT = join(__dirname, "..");
const read = (file: string) => readFileSync(join(ROOT, file), "utf8");
const configs = Object.entries(environments).map(([label, raw]) => resolveEnvironment(raw, label));

/** GitHub's heading anchor: lowercase, punctuation but '-' dropped, spaces to '-'. */
const anchorOf = (heading: string) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N} -]/gu, "").replace(/ /g, "-");

describe("fleet-index examples name what the environments have", () => {
  const docs = ["README.md", "modules/account-baseline/README.md"];

  it.each(docs)("%s: every thingTypeName and named shadow in a query exists, on that thing type", (file) => {
    const queries = [...read(file).matchAll(/thingTypeName:(\w+)[^`'"\n]*/g)];
    expect(queries.length).toBeGreaterThan(0);
    for (const [query, thingType] of queries) {
      const owners = configs.filter((c) => c.devices.thingType.name === thingType);
      expect({ query, thingTypeKnown: owners.length > 0 }).toEqual({ query, thingTypeKnown: true });
      for (const [, shadow] of query.matchAll(/shadow\.name\.(\w+)\./g)) {
        const routed = owners.some((c) => c.shadows.named === "all" || c.shadows.named.includes(shadow));
        expect({ query, shadow, routed }).toEqual({ query, shadow, routed: true });
      }
    }
  });

  it("the module README's namedShadowNames is the union the baseline of its example account indexes", () => {
    const text = read("modules/account-baseline/README.md");
    const [, names] = text.match(/namedShadowNames: \[([^\]]*)\]/)!;
    const [, account, region] = text.match(/accountId: "(\d{12})",\s*region: "([a-z0-9-]+)"/)!;
    const baseline = synthAll().stacks[`iot-${account}-${region}-baseline`];
    const [[, indexing]] = resourcesOf(baseline, "aws_iot_indexing_configuration");
    expect(JSON.parse(`[${names}]`)).toEqual([...indexing.thing_indexing_configuration.filter.named_shadow_names].sort());
  });
});

describe("commands and figures agree across docs and code", () => {
  it.each(["README.md", "tools/address-lock/README.md"])("%s suggests the lock update command the lock messages print", (file) => {
    expect(read(file)).toContain(LOCK_UPDATE_COMMAND);
  });

  it.each(["README.md", "docs/reliability.md"])("%s keeps no copy of the burst figures and links to BENCHMARKS.md sections that exist", (file) => {
    const text = read(file);
    expect(text).not.toMatch(/\d[\d,.–-]*\s*events\/s/);
    expect(text).toMatch(/BENCHMARKS\.md#burst-/);
    const anchors = new Set([...read("BENCHMARKS.md").matchAll(/^#+ (.+)$/gm)].map(([, h]) => anchorOf(h)));
    for (const [, anchor] of text.matchAll(/BENCHMARKS\.md#([\w-]+)/g)) expect({ anchor, exists: anchors.has(anchor) }).toEqual({ anchor, exists: true });
  });
});

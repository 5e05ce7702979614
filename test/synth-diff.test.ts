import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SynthStacks, TfJson, diffSynth, readSynthDir, renderSynthDiff, synthRevision } from "../tools/plan-review";

const ROOT = path.resolve(__dirname, "..");
// Our bundle assets are named by the zip's sha256 (64 lowercase hex), with its base64 as source_code_hash.
const HASH_A = "44caa2be1fcc43554d6836693eccc7bf6247b3e14aa2d96096b2b67fe733bdbf";
const HASH_B = "2eec5af4c6a592c2ab10c51b1bf995da7e0312bacd055bb1720d7d1488c6345d";
const CODE_A = Buffer.from(HASH_A, "hex").toString("base64");
const CODE_B = Buffer.from(HASH_B, "hex").toString("base64");

/** A small cdk.tf.json in cdktf's shape, with `//` metadata on the stack and on each resource. */
function stack(name: string, resources: Record<string, Record<string, Record<string, unknown>>>, extra: Record<string, unknown> = {}): TfJson {
  const withMeta = Object.fromEntries(
    Object.entries(resources).map(([type, byName]) => [
      type,
      Object.fromEntries(Object.entries(byName).map(([n, cfg]) => [n, { "//": { metadata: { path: `${name}/${n}`, uniqueId: n } }, ...cfg }])),
    ]),
  );
  return {
    "//": { metadata: { stackName: name, version: "0.21.0" } },
    provider: { aws: [{ region: "eu-west-1" }] },
    terraform: { backend: { s3: { bucket: "state", key: `p/${name}.tfstate`, encrypt: true, use_lockfile: true } } },
    resource: withMeta,
    ...extra,
  };
}

const base: SynthStacks = {
  "iot-dev-data": stack("iot-dev-data", {
    aws_dynamodb_table: { history_table_A1: { name: "iot-dev-history", hash_key: "pk" } },
    aws_kms_key: { history_key_B2: { enable_key_rotation: true } },
  }),
  "iot-dev-platform": stack(
    "iot-dev-platform",
    {
      aws_lambda_function: { processor_C3: { function_name: "p", filename: `assets/processor_bundle_ACE18BBB/${HASH_A}/shadow-history.zip`, source_code_hash: CODE_A, memory_size: 256 } },
      aws_iot_topic_rule: { documents_D4: { name: "iot_dev_documents", enabled: true } },
      aws_cloudwatch_metric_alarm: { dlq_E5: { threshold: 0 } },
      aws_iot_certificate: { cert_F6: { active: true } },
    },
    { data: { terraform_remote_state: { "cross-stack-reference-input-iot-dev-data": { backend: "s3" } } }, output: { fn_arn: { value: "x" } } },
  ),
  "iot-old-platform": stack("iot-old-platform", { aws_s3_bucket: { b: { bucket: "old" } } }),
};

const head: SynthStacks = {
  // Only metadata and key order differ: unchanged.
  "iot-dev-data": {
    ...stack("iot-dev-data", {
      aws_kms_key: { history_key_B2: { enable_key_rotation: true } },
      aws_dynamodb_table: { history_table_A1: { hash_key: "pk", name: "iot-dev-history" } },
    }),
    "//": { metadata: { stackName: "iot-dev-data", version: "0.21.1" } },
  },
  "iot-dev-platform": stack(
    "iot-dev-platform",
    {
      aws_lambda_function: { processor_C3: { function_name: "p", filename: `assets/processor_bundle_ACE18BBB/${HASH_B}/shadow-history.zip`, source_code_hash: CODE_B, memory_size: 256 } },
      aws_iot_topic_rule: { documents_D4: { name: "iot_dev_documents", enabled: false } },
      aws_cloudwatch_metric_alarm: { dlq_depth_E5: { threshold: 0 } },
      aws_iot_certificate: { cert_renamed_F7: { active: true } },
      aws_sqs_queue: { dlq_G8: { name: "dlq" } },
    },
    { data: { terraform_remote_state: { "cross-stack-reference-input-iot-dev-data": { backend: "s3" } } }, output: { fn_arn: { value: "y" } } },
  ),
  "iot-dev-hvac": stack("iot-dev-hvac", { aws_iot_thing_type: { hvac: { name: "Hvac" } } }),
};

describe("diffSynth", () => {
  const diff = diffSynth(base, head);
  const byName = Object.fromEntries(diff.stacks.map((s) => [s.stack, s]));

  it("lists added and removed stacks", () => {
    expect(diff.stacksAdded).toEqual(["iot-dev-hvac"]);
    expect(diff.stacksRemoved).toEqual(["iot-old-platform"]);
    expect(byName["iot-dev-hvac"]).toEqual(expect.objectContaining({ status: "added", added: ["aws_iot_thing_type.hvac", "provider.aws", "terraform.backend"] }));
    expect(byName["iot-old-platform"]).toEqual(expect.objectContaining({ status: "removed", removed: ["aws_s3_bucket.b", "provider.aws", "terraform.backend"] }));
  });

  it("ignores cdktf metadata and key order", () => {
    expect(byName["iot-dev-data"]).toEqual({ stack: "iot-dev-data", status: "unchanged", added: [], removed: [], changed: [], assetOnly: [] });
  });

  it("lists added, removed and changed addresses per stack, including data sources and outputs", () => {
    expect(byName["iot-dev-platform"]).toEqual({
      stack: "iot-dev-platform",
      status: "changed",
      added: ["aws_cloudwatch_metric_alarm.dlq_depth_E5", "aws_iot_certificate.cert_renamed_F7", "aws_sqs_queue.dlq_G8"],
      removed: ["aws_cloudwatch_metric_alarm.dlq_E5", "aws_iot_certificate.cert_F6"],
      changed: ["aws_iot_topic_rule.documents_D4", "output.fn_arn"],
      assetOnly: ["aws_lambda_function.processor_C3"],
    });
  });

  it("warns about removed and changed stateful addresses, with likely renames", () => {
    expect(diff.warnings).toEqual([
      {
        stack: "iot-dev-platform",
        address: "aws_iot_certificate.cert_F6",
        change: "removed",
        why: expect.stringContaining("devices"),
        possibleRenames: ["aws_iot_certificate.cert_renamed_F7"],
      },
      { stack: "iot-dev-platform", address: "aws_iot_topic_rule.documents_D4", change: "changed", why: expect.any(String), possibleRenames: [] },
    ]);
  });

  it("does not count a changed asset hash as a change, but does count other changes to the same resource", () => {
    const withMemory = structuredClone(head) as Record<string, Record<string, any>>;
    withMemory["iot-dev-platform"].resource.aws_lambda_function.processor_C3.memory_size = 512;
    const d = diffSynth(base, withMemory);
    const platform = d.stacks.find((s) => s.stack === "iot-dev-platform");
    expect(platform?.changed).toContain("aws_lambda_function.processor_C3");
    expect(platform?.assetOnly).toEqual([]);
  });

  it("counts cdktf's own asset hash (32 uppercase hex, no assetHash given) as asset-only too", () => {
    const lambda = (hash: string) => ({ s: stack("s", { aws_lambda_function: { f: { filename: `assets/fn_asset_1A2B3C4D/${hash}/archive.zip` } } }) });
    const d = diffSynth(lambda("0123456789ABCDEF0123456789ABCDEF"), lambda("FEDCBA9876543210FEDCBA9876543210"));
    expect(d.stacks[0]).toEqual(expect.objectContaining({ status: "unchanged", changed: [], assetOnly: ["aws_lambda_function.f"] }));
  });

  it("counts a differing source_code_hash as asset-only, and one that appears as a change", () => {
    const lambda = (cfg: Record<string, unknown>) => ({ s: stack("s", { aws_lambda_function: { f: { filename: "fixed/path.zip", ...cfg } } }) });
    // Only the hash attribute: still just the bundle's bytes.
    expect(diffSynth(lambda({ source_code_hash: CODE_A }), lambda({ source_code_hash: CODE_B })).stacks[0].assetOnly).toEqual(["aws_lambda_function.f"]);
    expect(diffSynth(lambda({}), lambda({ source_code_hash: CODE_B })).stacks[0].changed).toEqual(["aws_lambda_function.f"]);
  });

  it("warns when a stack's state location changes", () => {
    const moved = structuredClone(base) as Record<string, Record<string, any>>;
    moved["iot-dev-data"].terraform.backend.s3.key = "p/renamed.tfstate";
    const d = diffSynth(base, moved);
    expect(d.warnings).toEqual([expect.objectContaining({ stack: "iot-dev-data", address: "terraform.backend", change: "changed", why: expect.stringContaining("state location") })]);
  });

  it("finds nothing between identical inputs", () => {
    const d = diffSynth(base, structuredClone(base));
    expect(d.stacks.every((s) => s.status === "unchanged")).toBe(true);
    expect(d.warnings).toEqual([]);
  });

  it("rejects a stack that is not an object", () => {
    expect(() => diffSynth({ a: [] as unknown as TfJson }, {})).toThrow(/base stack "a": expected a cdk\.tf\.json object/);
  });
});

describe("renderSynthDiff", () => {
  const md = renderSynthDiff(diffSynth(base, head), { baseLabel: "main", headLabel: "feature" });

  it("has a sticky marker, a heading and a summary", () => {
    expect(md.split("\n")[0]).toBe("<!-- synth-diff -->");
    expect(md).toContain("### Synth diff: `main` → `feature`");
    expect(md).toContain("3 stacks differ, 1 unchanged.");
  });

  it("shows stateful warnings with the rename hint, and removed stacks", () => {
    expect(md).toMatch(/> \[!CAUTION\]\n> \*\*2 stateful addresses removed or changed\.\*\*/);
    expect(md).toContain(
      "`iot-dev-platform`: **removed** `aws_iot_certificate.cert_F6`: fielded devices authenticate with it; a new one cuts them off. Possibly renamed to `aws_iot_certificate.cert_renamed_F7`",
    );
    expect(md).toContain("**Stacks no longer synthesized:** `iot-old-platform`");
  });

  it("tables each differing stack's addresses, removals first", () => {
    expect(md).toContain(
      [
        "#### `iot-dev-platform` (3 added, 2 removed, 2 changed)",
        "",
        "| Change | Address |",
        "|---|---|",
        "| removed | `aws_cloudwatch_metric_alarm.dlq_E5` |",
        "| removed | `aws_iot_certificate.cert_F6` |",
        "| changed | `aws_iot_topic_rule.documents_D4` |",
        "| changed | `output.fn_arn` |",
        "| added | `aws_cloudwatch_metric_alarm.dlq_depth_E5` |",
      ].join("\n"),
    );
    expect(md).toContain("#### `iot-dev-hvac` (stack added)");
    expect(md).toContain("<sub>Unchanged: `iot-dev-data`</sub>");
  });

  it("lists asset-only addresses in their own section, apart from the configuration changes", () => {
    expect(md).toContain("#### Asset-only changes (1 address)");
    const section = md.slice(md.indexOf("#### Asset-only changes"));
    expect(section).toContain(["| Stack | Address |", "|---|---|", "| `iot-dev-platform` | `aws_lambda_function.processor_C3` |"].join("\n"));
    // Not in the stack's own table of changes.
    expect(md.slice(md.indexOf("#### `iot-dev-platform`"), md.indexOf("#### Asset-only changes"))).not.toContain("processor_C3");
  });

  it("says when only assets differ, and does not call such a stack unchanged", () => {
    const rebuilt = structuredClone(base) as Record<string, Record<string, any>>;
    Object.assign(rebuilt["iot-dev-platform"].resource.aws_lambda_function.processor_C3, { filename: `assets/processor_bundle_ACE18BBB/${HASH_B}/shadow-history.zip`, source_code_hash: CODE_B });
    const only = renderSynthDiff(diffSynth(base, rebuilt));
    expect(only).toContain("**No configuration differences**; 1 stack only in assets (see Asset-only changes), 2 unchanged.");
    expect(only).not.toContain("**No differences**");
    expect(only).toContain("#### Asset-only changes (1 address)");
    expect(only).toContain("<sub>Unchanged: `iot-dev-data`, `iot-old-platform`</sub>");
  });

  it("says so when nothing differs", () => {
    expect(renderSynthDiff(diffSynth(base, base))).toContain("**No differences** in the synthesized Terraform of any stack.");
  });

  it("caps long address lists and the total length", () => {
    const many = stack("big", { aws_iot_thing: Object.fromEntries(Array.from({ length: 3_000 }, (_, i) => [`thing_${i}_${"x".repeat(40)}`, { name: `t${i}` }])) });
    const capped = renderSynthDiff(diffSynth({}, { big: many }), { maxAddressesPerStack: 10 });
    expect(capped).toContain("_… and 2992 more._");
    const limited = renderSynthDiff(diffSynth({}, { big: many }), { maxAddressesPerStack: 5_000, maxLength: 10_000 });
    expect(limited.length).toBeLessThanOrEqual(10_000);
    expect(limited).toContain("Synth diff truncated");
  });

  it.each([
    [{ maxAddressesPerStack: 0 }, /opts\.maxAddressesPerStack must be a whole number >= 1/],
    [{ maxLength: 70_000 }, /opts\.maxLength must be a whole number between 1000 and 65536/],
  ])("rejects options %j", (opts, message) => {
    expect(() => renderSynthDiff(diffSynth(base, head), opts)).toThrow(message);
  });
});

describe("readSynthDir and scripts/synth-diff.ts", () => {
  let tmp: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "synth-diff-test-"));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  /** Writes stacks like `cdktf synth` does: manifest.json plus stacks/<name>/cdk.tf.json. */
  function writeOut(dir: string, stacks: SynthStacks, manifest = true): string {
    for (const [name, json] of Object.entries(stacks)) {
      fs.mkdirSync(path.join(dir, "stacks", name), { recursive: true });
      fs.writeFileSync(path.join(dir, "stacks", name, "cdk.tf.json"), JSON.stringify(json, null, 2));
    }
    if (manifest) {
      const entries = Object.keys(stacks).map((n) => [n, { name: n, synthesizedStackPath: `stacks/${n}/cdk.tf.json`, workingDirectory: `stacks/${n}` }]);
      fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify({ version: "0.21.0", stacks: Object.fromEntries(entries) }));
    }
    return dir;
  }

  it("reads the stacks the manifest lists, ignoring stale stack folders", () => {
    const dir = writeOut(path.join(tmp, "manifest"), base);
    fs.mkdirSync(path.join(dir, "stacks", "stale"), { recursive: true });
    fs.writeFileSync(path.join(dir, "stacks", "stale", "cdk.tf.json"), "{}");
    expect(readSynthDir(dir)).toEqual(base);
  });

  it("falls back to stacks/*/cdk.tf.json without a manifest", () => {
    const dir = writeOut(path.join(tmp, "no-manifest"), head, false);
    expect(Object.keys(readSynthDir(dir)).sort()).toEqual(Object.keys(head).sort());
  });

  it("says how to fix an empty or broken directory", () => {
    fs.mkdirSync(path.join(tmp, "empty"));
    expect(() => readSynthDir(path.join(tmp, "empty"))).toThrow(/No synthesized stacks in .*empty.*Run "npm run synth" first/);
    const broken = writeOut(path.join(tmp, "broken"), { s: {} });
    fs.writeFileSync(path.join(broken, "stacks", "s", "cdk.tf.json"), "{not json");
    expect(() => readSynthDir(broken)).toThrow(/cdk\.tf\.json is not valid JSON/);
  });

  it("rejects a revision git would read as an option, before running git", () => {
    expect(() => synthRevision({ repoRoot: tmp, revision: "--output=/tmp/x" })).toThrow(/Invalid git revision "--output=\/tmp\/x"/);
    expect(() => synthRevision({ repoRoot: tmp, revision: "main; rm -rf /" })).toThrow(/Invalid git revision/);
  });

  describe("CLI", () => {
    const tsx = path.join(ROOT, "node_modules", ".bin", "tsx");
    const cli = (...args: string[]) => spawnSync(tsx, [path.join(ROOT, "scripts", "synth-diff.ts"), ...args], { cwd: ROOT, encoding: "utf8" });
    let baseDir: string;
    let headDir: string;
    beforeAll(() => {
      baseDir = writeOut(path.join(tmp, "cli-base"), base);
      headDir = writeOut(path.join(tmp, "cli-head"), head);
    });

    it("prints the Markdown diff of two synthesized directories", () => {
      const r = cli("--base-dir", baseDir, "--head-dir", headDir);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(renderSynthDiff(diffSynth(base, head), { baseLabel: baseDir, headLabel: headDir }));
    });

    it("prints JSON with --format json", () => {
      const r = cli("--base-dir", baseDir, "--head-dir", headDir, "--format", "json");
      expect(r.status).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual(JSON.parse(JSON.stringify(diffSynth(base, head))));
    });

    it("exits 2 with usage on bad arguments", () => {
      for (const args of [[], ["--base-dir", baseDir, "--head-dir", headDir, "--format", "xml"], ["--base-dir", baseDir, "--head-dir", headDir, "--working-tree"]]) {
        const r = cli(...args);
        expect(r.status).toBe(2);
        expect(r.stderr).toMatch(/usage: tsx scripts\/synth-diff\.ts/);
      }
    });

    it("exits 1 when a directory holds no synthesized stacks", () => {
      const r = cli("--base-dir", path.join(tmp, "empty"), "--head-dir", headDir);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/No synthesized stacks/);
    });
  });
});

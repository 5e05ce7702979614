import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { PREVENT_DESTROY_RESOURCE_TYPES } from "../modules/change-safety/stateful-resources";
import {
  GITHUB_COMMENT_LIMIT,
  PLAN_REVIEW_STATEFUL_TYPES,
  TextEncodingError,
  actionReasonText,
  analyzePlan,
  classifyActions,
  decodeText,
  naturalCompare,
  parsePlanJson,
  planSummaryMarker,
  summarizePlan,
  summarizePlanFailure,
} from "../tools/plan-review";

const ROOT = path.resolve(__dirname, "..");
const FIXTURES = path.join(__dirname, "fixtures", "plans");
const load = (name: string): unknown => JSON.parse(fs.readFileSync(path.join(FIXTURES, name), "utf8"));
const text = (name: string): string => fs.readFileSync(path.join(FIXTURES, name), "utf8");
const ARTIFACT = "https://github.com/acme/iot-shadow-platform/actions/runs/42/artifacts/7";

/** Lines of the first GitHub alert block of `kind` ("> [!CAUTION]" ... until a non-quote line). */
function alertBlock(md: string, kind: "CAUTION" | "WARNING" | "NOTE"): string | undefined {
  const lines = md.split("\n");
  const start = lines.indexOf(`> [!${kind}]`);
  if (start < 0) return undefined;
  const end = lines.findIndex((l, i) => i > start && !l.startsWith(">"));
  return lines.slice(start, end < 0 ? undefined : end).join("\n");
}

/** Rows of the changed-resources table as [address, action]. */
function tableRows(md: string): [string, string][] {
  return md
    .split("\n")
    .filter((l) => /^\| `/.test(l))
    .map((l) => {
      const [, address, action] = /^\| (.+?) \| (.+) \|$/.exec(l) ?? [];
      return [address.replace(/`/g, ""), action.replace(/`/g, "")];
    });
}

/** Terraform-like text for a plan: ~20 lines per resource, so a big plan exceeds a comment. */
function fakePlanText(plan: { resource_changes: { address: string; type: string; name: string }[] }): string {
  const blocks = plan.resource_changes.map((rc) =>
    [
      `  # ${rc.address} will be created`,
      `  + resource "${rc.type}" "${rc.name}" {`,
      ...Array.from({ length: 18 }, (_, i) => `      + attribute_${String(i).padStart(2, "0")} = (known after apply)`),
      "    }",
    ].join("\n"),
  );
  return `Terraform will perform the following actions:\n\n${blocks.join("\n\n")}\n\nPlan: ${blocks.length} to add, 0 to change, 1 to destroy.\n`;
}

describe("stateful types", () => {
  it("include every type whose loss hurts devices or data", () => {
    for (const t of [
      "aws_dynamodb_table",
      "aws_kms_key",
      "aws_s3_bucket",
      "aws_iot_certificate",
      "aws_iot_policy",
      "aws_iot_thing",
      "aws_iot_topic_rule",
      "aws_sqs_queue",
      "aws_ssm_parameter",
    ]) {
      expect(PLAN_REVIEW_STATEFUL_TYPES[t]?.why).toEqual(expect.any(String));
    }
    expect(PLAN_REVIEW_STATEFUL_TYPES.aws_lambda_function).toBeUndefined();
  });
});

describe("classifyActions", () => {
  it.each([
    [["no-op"], "no-op"],
    [["create"], "create"],
    [["read"], "read"],
    [["update"], "update"],
    [["delete"], "delete"],
    [["delete", "create"], "replace"],
    [["create", "delete"], "replace"],
    [["forget"], "forget"],
    [["create", "forget"], "replace"],
    [["create", "update"], "other"],
  ])("%j is %s", (actions, kind) => {
    expect(classifyActions(actions)).toBe(kind);
  });
});

describe("summarizePlan", () => {
  it("creates only: counts, one row per resource, output changes, no warnings", () => {
    const md = summarizePlan(load("creates-only.json"), { stack: "iot-dev-data" });
    expect(md.split("\n")[0]).toBe("<!-- plan-summary:iot-dev-data -->");
    expect(md).toContain("### Terraform plan for `iot-dev-data`");
    expect(md).toContain("| Create | Update | Replace | Delete |\n|---:|---:|---:|---:|\n| 3 | 0 | 0 | 0 |");
    expect(tableRows(md)).toEqual([
      ["aws_dynamodb_table.history_table_A1B2C3D4", "create"],
      ["aws_kms_alias.history_key_alias_9C0D1E2F", "create"],
      ["aws_kms_key.history_key_5E6F7A8B", "create"],
    ]);
    expect(md).toContain("**Output changes:** `history_table_arn` (create), `history_table_name` (create)");
    expect(md).not.toContain("[!CAUTION]");
    expect(md).not.toContain("<details");
  });

  it("update: counts updates, leaves out no-ops, does not warn on a stateful in-place update", () => {
    const md = summarizePlan(load("update.json"), { stack: "iot-dev-platform" });
    expect(md).toContain("| 0 | 2 | 0 | 0 |");
    expect(tableRows(md)).toEqual([
      ["aws_iot_topic_rule.documents_rule_7A8B9C0D", "update"],
      ["aws_lambda_function.processor_function_3C4D5E6F", "update"],
    ]);
    expect(md).not.toContain("dead_letter_queue");
    expect(md).not.toContain("[!CAUTION]");
    expect(md).toContain("`processor_memory_mb` (update)");
    expect(md).not.toContain("processor_function_arn");
    expect(md).toMatch(/1 resource changed outside Terraform/);
  });

  it("update: notes the producer stack whose applied outputs the changes use", () => {
    const note = alertBlock(summarizePlan(load("update.json"), { stack: "iot-dev-platform" }), "NOTE");
    expect(note).toContain("outputs of stack `iot-dev-data` as currently applied");
    expect(note).toContain("`outputs.cross-stack-output-aws_dynamodb_tablehistory_table_A1B2C3D4arn`");
  });

  describe("replacing a DynamoDB table and deleting a certificate", () => {
    const md = summarizePlan(load("stateful-replace.json"), { stack: "iot-staging-data", planText: text("stateful-replace.txt") });
    const caution = alertBlock(md, "CAUTION") ?? "";

    it("counts replace separately from create and delete", () => {
      expect(md).toContain("| 1 | 1 | 2 | 1 |");
    });

    it("puts both stateful resources in a loud warning block, with the cause of the replacement", () => {
      expect(caution).toContain("**2 stateful resources would be replaced or destroyed.**");
      expect(caution).toContain(
        "- **replace** `aws_dynamodb_table.history_table_A1B2C3D4` (forced by `name`): a replaced table loses the shadow history it holds",
      );
      expect(caution).toMatch(/- \*\*delete\*\* `aws_iot_certificate\.device_cert_Thermostat-S02_0A1B2C3D` \(removed from the configuration\): fielded devices/);
    });

    it("leaves non-stateful replaces and stateful updates out of the warning", () => {
      expect(caution).not.toContain("aws_lambda_permission");
      expect(caution).not.toContain("aws_kms_key");
    });

    it("lists destructive changes first and shows moves", () => {
      expect(tableRows(md)).toEqual([
        ["aws_iot_certificate.device_cert_Thermostat-S02_0A1B2C3D", "**delete** (removed from the configuration; ⚠️ stateful)"],
        ["aws_dynamodb_table.history_table_A1B2C3D4", "**replace** (forced by name; ⚠️ stateful)"],
        ["aws_lambda_permission.allow_iot_documents_4E5F6A7B", "**replace** (forced by statement_id)"],
        ["aws_kms_key.history_key_5E6F7A8B", "update"],
        ["aws_cloudwatch_metric_alarm.dlq_depth_2B3C4D5E", "create"],
        ["aws_iot_thing.thing_Thermostat-S01_8C9D0E1F", "no change (moved from aws_iot_thing.thing_Thermostat-S01_12345678)"],
      ]);
    });

    it("collapses the whole plan text when it fits", () => {
      expect(md).toContain("<details><summary>Plan text</summary>");
      expect(md).toContain("Plan: 3 to add, 1 to change, 3 to destroy.");
      expect(md.trimEnd().endsWith("</details>")).toBe(true);
      expect(md).not.toContain("truncated");
    });
  });

  it("no-op: says there are no changes and shows no table or warning", () => {
    const md = summarizePlan(load("no-op.json"), { stack: "iot-prod-data" });
    expect(md).toContain("| 0 | 0 | 0 | 0 |");
    expect(md).toContain("**No changes.**");
    expect(tableRows(md)).toEqual([]);
    expect(md).not.toContain("[!");
    expect(md).not.toContain("Output changes");
  });

  it("cross-stack: warns once when a producer's outputs are unknown until apply", () => {
    const md = summarizePlan(load("cross-stack-unapplied.json"), { stack: "iot-dev-platform" });
    const warning = alertBlock(md, "WARNING");
    expect(warning).toContain("**Outputs of stack `iot-dev-data` are not known yet.**");
    expect(warning).toContain("is read only during apply (its configuration depends on values known only after apply)");
    expect(warning).toContain("Apply `iot-dev-data` first");
    expect(md).not.toContain("as currently applied");
    expect(alertBlock(md, "NOTE")).toContain("`data.aws_iam_policy_document.processor_table_access_6F7A8B9C` is read only during apply");
    expect(md).toContain("| 0 | 1 | 0 | 0 |");
  });

  describe("a huge plan", () => {
    const plan = load("huge.json") as { resource_changes: { address: string; type: string; name: string }[] };
    const planText = fakePlanText(plan);

    it("has plan text longer than a comment (precondition)", () => {
      expect(planText.length).toBeGreaterThan(2 * GITHUB_COMMENT_LIMIT);
    });

    it("stays within GitHub's 65,536-character limit, truncating the plan text at whole lines with a link", () => {
      const md = summarizePlan(plan, { stack: "iot-prod-platform", planText, artifactUrl: ARTIFACT });
      expect(md.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
      expect(md.length).toBeGreaterThan(GITHUB_COMMENT_LIMIT - 2_000);
      expect(md).toContain("<details><summary>Plan text (truncated)</summary>");
      const shown = /Showing the first (\d+) of (\d+) lines; the \[plan artifact\]\((.+?)\) has all of it\./.exec(md);
      expect(shown?.[3]).toBe(ARTIFACT);
      expect(Number(shown?.[2])).toBe(planText.trimEnd().split("\n").length);
      expect(Number(shown?.[1])).toBeLessThan(Number(shown?.[2]));
      expect(md.trimEnd().endsWith("```\n\n</details>")).toBe(true);
    });

    it("caps the table but keeps the stateful warning", () => {
      const md = summarizePlan(plan, { stack: "iot-prod-platform", planText });
      expect(tableRows(md)).toHaveLength(100);
      expect(md).toContain("_… and 151 more; see the plan text._");
      expect(alertBlock(md, "CAUTION")).toContain("**delete** `aws_kms_key.history_key_5E6F7A8B`");
      expect(md).toContain("| 250 | 0 | 0 | 1 |");
    });

    it("respects a smaller maxLength by shrinking the table too", () => {
      const md = summarizePlan(plan, { stack: "iot-prod-platform", planText, maxLength: 4_000 });
      expect(md.length).toBeLessThanOrEqual(4_000);
      expect(md.startsWith(planSummaryMarker("iot-prod-platform"))).toBe(true);
      expect(alertBlock(md, "CAUTION")).toContain("aws_kms_key.history_key_5E6F7A8B");
    });
  });

  it("never exceeds maxLength, whatever the plan text holds (property)", () => {
    const plan = load("stateful-replace.json");
    const line = fc.oneof(fc.string({ maxLength: 300 }), fc.constantFrom("```", "````text", "<details>", "\u001b[31m- destroy\u001b[0m"));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 400 }), fc.integer({ min: 2_000, max: GITHUB_COMMENT_LIMIT }), fc.nat(30), (lines, maxLength, repeat) => {
        const planText = Array.from({ length: repeat + 1 }, () => lines.join("\n")).join("\n");
        const md = summarizePlan(plan, { stack: "iot-dev-data", planText, maxLength });
        expect(md.length).toBeLessThanOrEqual(maxLength);
        expect(md.startsWith("<!-- plan-summary:iot-dev-data -->")).toBe(true);
      }),
      { seed: 8, numRuns: 60 },
    );
  });

  it("strips terminal colours and fences text that contains backticks", () => {
    const md = summarizePlan(load("no-op.json"), { stack: "iot-dev-data", planText: "\u001b[1mNo changes.\u001b[0m ```inner```" });
    expect(md).toContain("````text\nNo changes. ```inner```\n````");
    expect(md).not.toContain("\u001b");
  });

  it("links the artifact when no plan text is given", () => {
    expect(summarizePlan(load("no-op.json"), { stack: "iot-dev-data", artifactUrl: ARTIFACT })).toContain(`Full plan: [plan artifact](${ARTIFACT})`);
  });

  it.each([
    [{ stack: "iot dev" }, /opts\.stack "iot dev" is invalid/],
    [{ stack: "iot--dev" }, /opts\.stack "iot--dev" is invalid.*no "--"/],
    [{ stack: "" }, /opts\.stack "" is invalid/],
    [{ stack: "iot-dev-data", artifactUrl: "javascript:alert(1)" }, /opts\.artifactUrl must be an https:\/\/ URL/],
    [{ stack: "iot-dev-data", maxLength: 100 }, /opts\.maxLength must be a whole number between 2000 and 65536/],
    [{ stack: "iot-dev-data", maxLength: 70_000 }, /opts\.maxLength must be a whole number between 2000 and 65536/],
    [{ stack: "iot-dev-data", maxTableRows: -1 }, /opts\.maxTableRows must be a whole number >= 0/],
  ])("rejects options %j", (opts, message) => {
    expect(() => summarizePlan(load("no-op.json"), opts)).toThrow(message);
  });
});

describe("parsePlanJson", () => {
  it("names the bad field and says what to pass", () => {
    const bad = { format_version: "1.2", resource_changes: [{ address: "a.b", mode: "managed", type: "a", name: "b", change: { actions: [] } }] };
    expect(() => parsePlanJson(bad)).toThrow(/resource_changes\[0\]\.change\.actions: must list at least one action/);
    expect(() => parsePlanJson(bad)).toThrow(/terraform show -json <planfile>/);
  });

  it("rejects other format versions and non-plans", () => {
    expect(() => parsePlanJson({ format_version: "2.0" })).toThrow(/format_version: format "2\.0" is newer than this reads/);
    expect(() => parsePlanJson([])).toThrow(/Invalid plan JSON/);
  });

  it("keeps fields it does not know (newer Terraform)", () => {
    const plan = parsePlanJson({ format_version: "1.9", resource_changes: [], future_field: { x: 1 } });
    expect(analyzePlan(plan).rows).toEqual([]);
  });
});

describe("summarizePlanFailure", () => {
  it("explains a failed plan that reads an output the producer stack has not applied", () => {
    const md = summarizePlanFailure({ stack: "iot-dev-platform", errorText: text("plan-error-missing-output.txt"), artifactUrl: ARTIFACT });
    expect(md.startsWith("<!-- plan-summary:iot-dev-platform -->")).toBe(true);
    expect(alertBlock(md, "CAUTION")).toContain("**`terraform plan` failed**");
    expect(alertBlock(md, "WARNING")).toContain("output that stack `iot-dev-data` has not applied yet");
    expect(md).toContain("<details open><summary>Error output</summary>");
    expect(md).toContain('This object does not have an attribute named\n"cross-stack-output-aws_dynamodb_tablehistory_table_A1B2C3D4name".');
  });

  it("gives no cross-stack hint for other errors, and truncates long output", () => {
    const errorText = `Error: AccessDenied\n${"x".repeat(100)}\n`.repeat(2_000);
    const md = summarizePlanFailure({ stack: "iot-dev-data", errorText, artifactUrl: ARTIFACT });
    expect(md).not.toContain("[!WARNING]");
    expect(md.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(md).toContain("<details open><summary>Error output (truncated)</summary>");
  });

  it("rejects a bad stack name", () => {
    expect(() => summarizePlanFailure({ stack: "a b", errorText: "" })).toThrow(/summarizePlanFailure: opts\.stack "a b" is invalid/);
  });
});

describe("scripts/plan-summary.ts", () => {
  const tsx = path.join(ROOT, "node_modules", ".bin", "tsx");
  const cli = (...args: string[]) => spawnSync(tsx, [path.join(ROOT, "scripts", "plan-summary.ts"), ...args], { cwd: ROOT, encoding: "utf8" });

  it("prints the comment for a plan file and its text", () => {
    const r = cli(path.join(FIXTURES, "stateful-replace.json"), "--stack", "iot-staging-data", "--plan-text", path.join(FIXTURES, "stateful-replace.txt"), "--artifact-url", "");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(summarizePlan(load("stateful-replace.json"), { stack: "iot-staging-data", planText: text("stateful-replace.txt") }));
  });

  it("prints the failure comment with --plan-error", () => {
    const r = cli("--stack", "iot-dev-platform", "--plan-error", path.join(FIXTURES, "plan-error-missing-output.txt"));
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("has not applied yet");
  });

  it("exits 2 with usage on bad arguments and 1 on a bad plan file", () => {
    const noStack = cli(path.join(FIXTURES, "no-op.json"));
    expect(noStack.status).toBe(2);
    expect(noStack.stderr).toMatch(/error: --stack is required[\s\S]*usage: tsx scripts\/plan-summary\.ts/);
    const notJson = cli(path.join(FIXTURES, "stateful-replace.txt"), "--stack", "iot-dev-data");
    expect(notJson.status).toBe(1);
    expect(notJson.stderr).toMatch(/stateful-replace\.txt is not JSON/);
    expect(cli("--stack", "iot-dev-data", "missing.json").stderr).toMatch(/cannot read plan JSON "missing\.json"/);
  });
});

// ---------------------------------------------------------------------------------------------
// Issue 17, items 1-9: what running real public plans (format 0.1 to 1.2) through the summary found.

/** A resource_changes entry; the type and name come from the address (`module.m.data.t.n[0]` works). */
function rc(address: string, actions: string[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  const parts = address.replace(/\[[^\]]*\]$/, "").split(".");
  const name = parts[parts.length - 1];
  const type = parts[parts.length - 2];
  const mode = parts[parts.length - 3] === "data" ? "data" : "managed";
  const { change, ...rest } = extra as { change?: Record<string, unknown> };
  return { address, mode, type, name, change: { actions, ...change }, ...rest };
}
const planOf = (extra: Record<string, unknown>): Record<string, unknown> => ({ format_version: "1.2", terraform_version: "1.11.4", ...extra });
const alerts = (md: string, kind: string): number => md.split("\n").filter((l) => l === `> [!${kind}]`).length;

describe("issue 17 item 1: failed and incomplete plans", () => {
  it("an errored plan says the plan failed, before the counts, and never 'No changes'", () => {
    const md = summarizePlan(planOf({ resource_changes: [], errored: true, applyable: false, complete: false }), { stack: "iot-dev-data" });
    expect(alertBlock(md, "CAUTION")).toContain("**The plan failed** (`errored: true`)");
    expect(md.indexOf("[!CAUTION]")).toBeLessThan(md.indexOf("| Create |"));
    expect(md).not.toContain("No changes");
    expect(md).not.toContain("incomplete**");
  });

  it("an errored plan with some changes still lists them, as partial", () => {
    const md = summarizePlan(planOf({ resource_changes: [rc("aws_sqs_queue.q", ["update"])], errored: true }), { stack: "iot-dev-data" });
    expect(alertBlock(md, "CAUTION")).toContain("Only what was planned before the error is listed below");
    expect(tableRows(md)).toEqual([["aws_sqs_queue.q", "update"]]);
  });

  it("complete: false says the plan is incomplete and never 'No changes'", () => {
    const md = summarizePlan(planOf({ resource_changes: [], errored: false, applyable: true, complete: false }), { stack: "iot-dev-data" });
    expect(alertBlock(md, "WARNING")).toContain("**The plan is incomplete** (`complete: false`)");
    expect(md).toContain("plan and apply again");
    expect(md).not.toContain("No changes");
  });

  it("applyable: false next to listed changes is called out", () => {
    const md = summarizePlan(planOf({ resource_changes: [rc("aws_sqs_queue.q", ["update"])], errored: false, applyable: false, complete: true }), { stack: "iot-dev-data" });
    expect(alertBlock(md, "WARNING")).toContain("**Terraform marked this plan as not applyable**");
  });

  it("applyable: false on a successful plan with nothing to do is Terraform's 'no changes' (no-op fixture)", () => {
    expect(load("no-op.json")).toMatchObject({ applyable: false, complete: true, errored: false });
    const md = summarizePlan(load("no-op.json"), { stack: "iot-prod-data" });
    expect(md).toContain("**No changes.**");
    expect(md).not.toContain("[!");
  });
});

describe("issue 17 item 2: 'No changes' only when resources, outputs and drift are all unchanged", () => {
  const outputOnly = planOf({ resource_changes: [], output_changes: { table_arn: { actions: ["create"] } } });
  const driftOnly = planOf({ resource_changes: [], resource_drift: [rc("aws_sqs_queue.q", ["update"])] });

  it("an output-only plan", () => {
    const md = summarizePlan(outputOnly, { stack: "iot-dev-data" });
    expect(md).not.toContain("No changes");
    expect(md).toContain("**No resource changes**; only the stack's outputs change (below).");
    expect(md).toContain("**Output changes:** `table_arn` (create)");
  });

  it("a drift-only plan", () => {
    const md = summarizePlan(driftOnly, { stack: "iot-dev-data" });
    expect(md).not.toContain("No changes");
    expect(md).toContain("**No resource changes**, but resources changed outside Terraform");
    expect(alertBlock(md, "NOTE")).toContain("1 resource changed outside Terraform since the last apply (drift): `aws_sqs_queue.q`");
  });

  it("outputs and drift together", () => {
    const md = summarizePlan({ ...outputOnly, resource_drift: driftOnly.resource_drift }, { stack: "iot-dev-data" });
    expect(md).not.toContain("No changes");
    expect(md).toContain("**No resource changes**; only outputs change, and resources changed outside Terraform");
  });
});

describe("issue 17 item 3: encodings", () => {
  // Non-ASCII and a character outside the BMP (a surrogate pair in UTF-16).
  const json = JSON.stringify({ format_version: "1.2", resource_changes: [], note: "Küche 🌡" });
  const swapPairs = (b: Buffer): Buffer => Buffer.from(b).swap16();
  const utf16le = (t: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(t, "utf16le")]);

  it.each<[string, Buffer]>([
    ["UTF-8", Buffer.from(json, "utf8")],
    ["UTF-8 with BOM", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(json, "utf8")])],
    ["UTF-16 LE", utf16le(json)],
    ["UTF-16 BE", Buffer.concat([Buffer.from([0xfe, 0xff]), swapPairs(Buffer.from(json, "utf16le"))])],
  ])("reads %s", (encoding, bytes) => {
    expect(decodeText(bytes)).toEqual({ text: json, encoding });
  });

  it.each<[string, Buffer, RegExp]>([
    ["Latin-1", Buffer.from(json, "latin1"), /^is not valid UTF-8: byte 0xFC at offset \d+ \(Windows-1252 or Latin-1 text\?\); write it as UTF-8/],
    ["UTF-16 LE without a BOM", Buffer.from(json, "utf16le"), /^looks like UTF-16 LE without a byte-order mark/],
    ["UTF-16 BE without a BOM", swapPairs(Buffer.from(json, "utf16le")), /^looks like UTF-16 BE without a byte-order mark/],
    ["UTF-32 LE", Buffer.from([0xff, 0xfe, 0x00, 0x00, 0x7b, 0, 0, 0]), /^is UTF-32 LE .*not supported/],
    ["a cut-off UTF-16 LE file", utf16le(json).subarray(0, 9), /^is UTF-16 LE with an odd number of bytes/],
    ["a zip (binary plan file)", Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]), /zip archive \(a binary plan file\?\)/],
  ])("rejects %s with a message naming the encoding", (_what, bytes, message) => {
    expect(() => decodeText(bytes)).toThrow(TextEncodingError);
    expect(() => decodeText(bytes)).toThrow(message);
  });

  it("lenient decoding (plan text, error output) never throws on content", () => {
    expect(decodeText(Buffer.from("caf\xe9", "latin1"), { lenient: true }).text).toBe("caf\uFFFD");
    expect(decodeText(Buffer.from("Plan: 1 to add", "utf16le"), { lenient: true })).toEqual({ text: "Plan: 1 to add", encoding: "UTF-16 LE" });
  });

  it("scripts/plan-summary.ts reads PowerShell's UTF-16 LE files and names the encoding of an unreadable one", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-summary-"));
    try {
      const planFile = path.join(dir, "plan.json");
      const textFile = path.join(dir, "plan.txt");
      fs.writeFileSync(planFile, utf16le(fs.readFileSync(path.join(FIXTURES, "stateful-replace.json"), "utf8")));
      fs.writeFileSync(textFile, utf16le(text("stateful-replace.txt")));
      const tsx = path.join(ROOT, "node_modules", ".bin", "tsx");
      const ok = spawnSync(tsx, [path.join(ROOT, "scripts", "plan-summary.ts"), planFile, "--stack", "iot-staging-data", "--plan-text", textFile], { cwd: ROOT, encoding: "utf8" });
      expect(ok.stderr).toBe("");
      expect(ok.stdout).toBe(summarizePlan(load("stateful-replace.json"), { stack: "iot-staging-data", planText: text("stateful-replace.txt") }));

      fs.writeFileSync(planFile, Buffer.from(json, "latin1"));
      const bad = spawnSync(tsx, [path.join(ROOT, "scripts", "plan-summary.ts"), planFile, "--stack", "iot-dev-data"], { cwd: ROOT, encoding: "utf8" });
      expect(bad.status).toBe(1);
      expect(bad.stderr).toMatch(/error: plan JSON ".*plan\.json" is not valid UTF-8: byte 0xFC at offset \d+/);
      expect(bad.stderr).not.toMatch(/Unexpected token|is not JSON/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("issue 17 item 4: plan formats", () => {
  /** A format-0.1 plan (Terraform 0.15) whose drift entries have no address. */
  const format01 = {
    format_version: "0.1",
    terraform_version: "0.15.5",
    resource_changes: [rc("aws_sqs_queue.q", ["update"])],
    resource_drift: [
      { module_address: "module.logs", mode: "managed", type: "aws_s3_bucket", name: "archive", index: 0, change: { actions: ["update"] } },
      { mode: "managed", type: "aws_iot_thing", name: "t", index: "Thermostat-01", change: { actions: ["update"] } },
      ...Array.from({ length: 13 }, () => ({ change: { actions: ["update"] } })),
    ],
  };

  it.each([
    ["0.1", "0.15.5"],
    ["0.2", "1.0.11"],
    ["1.0", "1.1.9"],
    ["1.2", "1.13.0"],
  ])("accepts format %s (Terraform %s)", (format_version, terraform_version) => {
    const md = summarizePlan({ format_version, terraform_version, resource_changes: [rc("aws_sqs_queue.q", ["update"])] }, { stack: "iot-dev-data" });
    expect(tableRows(md)).toEqual([["aws_sqs_queue.q", "update"]]);
  });

  it("rebuilds the addresses of format-0.1 drift entries and never prints 'undefined'", () => {
    const md = summarizePlan(format01, { stack: "iot-dev-data" });
    expect(md).not.toContain("undefined");
    const note = alertBlock(md, "NOTE") ?? "";
    expect(note).toContain("15 resources changed outside Terraform since the last apply (drift)");
    expect(note).toContain('`aws_iot_thing.t["Thermostat-01"]`');
    expect(note).toContain("`module.logs.aws_s3_bucket.archive[0]`");
    expect(note).toContain("(resource without an address)");
  });

  it("rejects unknown formats with the right hint, and never says format 1 means Terraform >= 1.0", () => {
    const problem = (format_version: string): string => {
      try {
        parsePlanJson({ format_version });
      } catch (e) {
        return (e as Error).message;
      }
      throw new Error(`format ${format_version} was accepted`);
    };
    expect(problem("2.0")).toMatch(/format "2\.0" is newer than this reads plan JSON format "0\.1" and "0\.2" \(Terraform 0\.12 to 1\.0\.x\) and "1\.x" \(Terraform 1\.1 and later\)/);
    expect(problem("0.3")).toMatch(/unknown format "0\.3"; this reads .*"1\.x" \(Terraform 1\.1 and later\)/);
    for (const v of ["2.0", "0.3", "1", "x"]) expect(problem(v)).not.toMatch(/>= ?1\.0/);
  });
});

describe("issue 17 item 5: forget (removed blocks with destroy = false)", () => {
  const plan = planOf({
    resource_changes: [
      rc("aws_s3_bucket.state", ["forget"]),
      rc("aws_lambda_function.fn", ["forget"]),
      rc("aws_dynamodb_table.t", ["create", "forget"], { action_reason: "replace_because_cannot_update", change: { replace_paths: [["name"]] } }),
    ],
  });
  const md = summarizePlan(plan, { stack: "iot-prod-data" });

  it("counts forgets in their own column", () => {
    expect(analyzePlan(parsePlanJson(plan)).counts).toEqual({ create: 0, update: 0, replace: 1, delete: 0, forget: 2 });
    expect(md).toContain("| Create | Update | Replace | Delete | Forget |\n|---:|---:|---:|---:|---:|\n| 0 | 0 | 1 | 0 | 2 |");
    expect(md).not.toContain("No changes");
  });

  it("warns when a stateful resource is forgotten: it leaves the state together with its prevent_destroy", () => {
    const warning = alertBlock(md, "WARNING") ?? "";
    expect(warning).toContain("**1 stateful resource would be forgotten**");
    expect(warning).toContain("`prevent_destroy`");
    expect(warning).toContain("- **forget** `aws_s3_bucket.state`: holds Terraform state");
    expect(warning).not.toContain("aws_lambda_function");
  });

  it("labels forget rows, and a replace whose old object is forgotten", () => {
    expect(tableRows(md)).toEqual([
      ["aws_dynamodb_table.t", "**replace** (old object forgotten, not destroyed; forced by name; ⚠️ stateful)"],
      ["aws_lambda_function.fn", "**forget** (removed from state, not destroyed)"],
      ["aws_s3_bucket.state", "**forget** (removed from state, not destroyed; ⚠️ stateful)"],
    ]);
    expect(alertBlock(md, "CAUTION")).toContain("- **replace** `aws_dynamodb_table.t` (forced by `name`)");
  });

  it("the four-column table stays as it was when nothing is forgotten", () => {
    expect(summarizePlan(load("creates-only.json"), { stack: "iot-dev-data" })).toContain("| Create | Update | Replace | Delete |\n|---:|---:|---:|---:|\n| 3 |");
  });
});

describe("issue 17 item 6: why a resource is replaced (action_reason)", () => {
  const plan = planOf({
    resource_changes: [
      rc("aws_iot_certificate.cert", ["delete", "create"], { action_reason: "replace_because_tainted" }),
      rc("aws_lambda_function.by_request", ["create", "delete"], { action_reason: "replace_by_request" }),
      rc("aws_lambda_function.cannot_update", ["delete", "create"], { action_reason: "replace_because_cannot_update" }),
      rc("aws_lambda_function.future", ["delete", "create"], { action_reason: "replace_because_of_something_new" }),
      rc("aws_lambda_function.triggered", ["delete", "create"], { action_reason: "replace_by_triggers" }),
      rc("aws_iam_role.gone", ["delete"], { action_reason: "delete_because_each_key" }),
    ],
  });
  const md = summarizePlan(plan, { stack: "iot-dev-platform" });

  it("names the reason in the table: tainted, cannot update, by request, triggers, unknown ones verbatim", () => {
    expect(tableRows(md)).toEqual([
      ["aws_iam_role.gone", "**delete** (for_each key removed)"],
      ["aws_iot_certificate.cert", "**replace** (tainted; ⚠️ stateful)"],
      ["aws_lambda_function.by_request", "**replace** (replacement requested with -replace)"],
      ["aws_lambda_function.cannot_update", "**replace** (cannot be updated in place)"],
      ["aws_lambda_function.future", "**replace** (replace_because_of_something_new)"],
      ["aws_lambda_function.triggered", "**replace** (replace_triggered_by)"],
    ]);
  });

  it("and in the stateful warning", () => {
    expect(alertBlock(md, "CAUTION")).toContain("- **replace** `aws_iot_certificate.cert` (tainted): fielded devices authenticate with it");
  });

  it("covers every action_reason of the plan JSON format", () => {
    for (const reason of [
      "replace_because_tainted",
      "replace_because_cannot_update",
      "replace_by_request",
      "replace_by_triggers",
      "delete_because_no_resource_config",
      "delete_because_wrong_repetition",
      "delete_because_count_index",
      "delete_because_each_key",
      "delete_because_no_module",
      "delete_because_no_move_target",
      "read_because_config_unknown",
      "read_because_dependency_pending",
      "read_because_check_nested",
    ]) {
      expect(actionReasonText(reason)).not.toBe(reason);
    }
  });
});

describe("issue 17 item 7: many deferred data-source reads", () => {
  const producers = ["hvac-dev-data", "iot-111111111111-eu-west-1-baseline", "iot-dev-data"];
  const remoteReads = producers.flatMap((p) =>
    Array.from({ length: 30 }, (_, i) =>
      rc(`module.m${i}.data.terraform_remote_state.cross-stack-reference-input-${p}`, ["read"], { action_reason: "read_because_config_unknown" }),
    ),
  );
  const otherReads = Array.from({ length: 510 }, (_, i) => rc(`data.aws_iam_policy_document.doc_${i}`, ["read"], { action_reason: "read_because_dependency_pending" }));
  const managed = [rc("aws_dynamodb_table.history", ["delete"]), ...Array.from({ length: 20 }, (_, i) => rc(`aws_lambda_function.fn_${i}`, ["update"]))];
  const plan = planOf({ resource_changes: [...remoteReads, ...otherReads, ...managed], output_changes: { arn: { actions: ["update"] } } });
  const planText = fakePlanText({ resource_changes: managed.concat(otherReads) as { address: string; type: string; name: string }[] });

  it("has 600 reads and plan text longer than a comment (precondition)", () => {
    expect(remoteReads.length + otherReads.length).toBe(600);
    expect(planText.length).toBeGreaterThan(GITHUB_COMMENT_LIMIT);
  });

  it.each([GITHUB_COMMENT_LIMIT, 4_000])("groups them per producer stack, caps them, and keeps the warning block and the table (maxLength %d)", (maxLength) => {
    const md = summarizePlan(plan, { stack: "hvac-dev-platform", planText, artifactUrl: ARTIFACT, maxLength });
    expect(md.length).toBeLessThanOrEqual(maxLength);
    expect(alertBlock(md, "CAUTION")).toContain("- **delete** `aws_dynamodb_table.history`");
    expect(md).toContain("#### Changed resources (21)");
    expect(alerts(md, "WARNING")).toBe(3);
    for (const p of producers) expect(md).toContain(`**Outputs of stack \`${p}\` are not known yet.** 30 data sources read its remote state only during apply`);
    expect(alerts(md, "NOTE")).toBe(1);
    expect(alertBlock(md, "NOTE")).toContain("**510 data sources are read only during apply**");
    expect(md).toContain("**Output changes:**");
  });

  it("at 65,536 characters: every row, ten reads per group, and the plan text cut first", () => {
    const md = summarizePlan(plan, { stack: "hvac-dev-platform", planText, artifactUrl: ARTIFACT });
    expect(tableRows(md)).toHaveLength(21);
    expect(alertBlock(md, "NOTE")).toContain("- … and 500 more in the plan text.");
    // Natural order: m0, m1, …, m9 are the ten shown.
    expect(md).toContain(
      "30 data sources read its remote state only during apply (its configuration depends on values known only after apply), so values from that stack show as",
    );
    expect(md).toContain(
      "> - `module.m9.data.terraform_remote_state.cross-stack-reference-input-iot-dev-data`\n> - … and 20 more in the plan text.\n\n",
    );
    expect(md).toContain("<details><summary>Plan text (truncated)</summary>");
  });

  it("many producer stacks get one combined warning", () => {
    const many = planOf({
      resource_changes: Array.from({ length: 40 }, (_, i) => rc(`data.terraform_remote_state.cross-stack-reference-input-stack-${i}`, ["read"])),
    });
    const md = summarizePlan(many, { stack: "iot-dev-platform" });
    expect(alerts(md, "WARNING")).toBe(1);
    expect(alertBlock(md, "WARNING")).toMatch(/\*\*Outputs of 40 stacks are not known yet\*\*: `stack-0`, `stack-1`, .*`stack-9`, … and 30 more\./);
  });
});

describe("issue 17 item 8: row order", () => {
  it("sorts addresses naturally: example_2 before example_10, [9] before [10]", () => {
    const names = ["example_100", "example_10", "example_2", "example_0", "example_1", "example_11"];
    const plan = planOf({
      resource_changes: [...names.map((n) => rc(`aws_iot_thing.${n}`, ["create"])), rc("aws_iot_thing.t[10]", ["create"]), rc("aws_iot_thing.t[9]", ["create"])],
    });
    expect(tableRows(summarizePlan(plan, { stack: "iot-dev-platform" })).map(([a]) => a)).toEqual([
      "aws_iot_thing.example_0",
      "aws_iot_thing.example_1",
      "aws_iot_thing.example_2",
      "aws_iot_thing.example_10",
      "aws_iot_thing.example_11",
      "aws_iot_thing.example_100",
      "aws_iot_thing.t[9]",
      "aws_iot_thing.t[10]",
    ]);
  });

  it("naturalCompare is a total order that is stable across machines", () => {
    expect(["b", "a10", "a9", "a09", "a", "A1"].sort(naturalCompare)).toEqual(["A1", "a", "a09", "a9", "a10", "b"]);
  });
});

describe("issue 17 item 9: stateful types users add beside ours", () => {
  const added = [
    "aws_secretsmanager_secret",
    "aws_db_instance",
    "aws_rds_cluster",
    "aws_efs_file_system",
    "aws_elasticache_cluster",
    "aws_elasticache_replication_group",
    "aws_elasticache_serverless_cache",
    "aws_elasticache_user",
    "aws_elasticache_user_group",
    "aws_opensearch_domain",
    "aws_kinesis_stream",
    "aws_ecr_repository",
    "aws_cognito_user_pool",
  ];

  it.each(added)("%s is stateful, with its reason", (type) => {
    expect(PLAN_REVIEW_STATEFUL_TYPES[type]?.why).toMatch(/.{20,}/);
  });

  it("the data stores, secrets, registries and user pools also get prevent_destroy", () => {
    for (const t of ["aws_secretsmanager_secret", "aws_db_instance", "aws_rds_cluster", "aws_efs_file_system", "aws_opensearch_domain", "aws_ecr_repository", "aws_cognito_user_pool"]) {
      expect(PREVENT_DESTROY_RESOURCE_TYPES).toContain(t);
    }
  });

  it("replacing a database instance is a stateful warning", () => {
    const md = summarizePlan(planOf({ resource_changes: [rc("aws_db_instance.main", ["delete", "create"], { action_reason: "replace_because_tainted" })] }), { stack: "iot-dev-data" });
    expect(alertBlock(md, "CAUTION")).toContain("- **replace** `aws_db_instance.main` (tainted): a replaced database instance starts empty");
  });
});

import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import {
  GITHUB_COMMENT_LIMIT,
  PLAN_REVIEW_STATEFUL_TYPES,
  analyzePlan,
  classifyActions,
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
      expect(caution).toMatch(/- \*\*delete\*\* `aws_iot_certificate\.device_cert_Thermostat-S02_0A1B2C3D`: fielded devices/);
    });

    it("leaves non-stateful replaces and stateful updates out of the warning", () => {
      expect(caution).not.toContain("aws_lambda_permission");
      expect(caution).not.toContain("aws_kms_key");
    });

    it("lists destructive changes first and shows moves", () => {
      expect(tableRows(md)).toEqual([
        ["aws_iot_certificate.device_cert_Thermostat-S02_0A1B2C3D", "**delete** (⚠️ stateful)"],
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
    expect(warning).toContain("(read_because_config_unknown)");
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
    expect(() => parsePlanJson({ format_version: "2.0" })).toThrow(/format_version: must be "1\.x"/);
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

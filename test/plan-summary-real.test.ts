/**
 * Plan review on real plans: test/fixtures/plans/real-*.json are `tofu show -json` of plans that
 * `npm run e2e` made against the local AWS (scrubbed by tools/e2e/plans.ts): the dev platform's
 * first apply, the dev change (a device added, the processor's memory), and the dev history table
 * renamed. The comment must show each plan's own counts, and only the replace its stateful warning.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { planChanges } from "../tools/e2e/engine";
import { expectedCounts, parseCountsTable } from "../tools/e2e/plans";
import { summarizePlan } from "../tools/plan-review";

const fixture = (kind: string) => JSON.parse(readFileSync(join(__dirname, "fixtures", "plans", `real-${kind}.json`), "utf8"));
const WARNING = /stateful resources? would be replaced or destroyed/;

describe.each([
  ["create", "iot-dev-platform"],
  ["update", "iot-dev-platform"],
  ["replace", "iot-dev-data"],
] as const)("the real %s plan of %s", (kind, stack) => {
  const plan = fixture(kind);
  const comment = summarizePlan(plan, { stack });
  const counts = expectedCounts(planChanges(plan));

  it("was made by OpenTofu with the AWS provider", () => {
    expect(plan.terraform_version).toMatch(/^1\.\d+\.\d+/);
    expect(new Set(plan.resource_changes.map((c: { provider_name: string }) => c.provider_name))).toEqual(new Set(["registry.opentofu.org/hashicorp/aws"]));
  });

  it("is summarized with its own counts", () => {
    expect(parseCountsTable(comment)).toEqual(expect.objectContaining(counts));
  });

  it(kind === "replace" ? "warns about the stateful replace" : "carries no stateful warning", () => {
    expect(WARNING.test(comment)).toBe(kind === "replace");
  });

  it("has the shape its kind promises", () => {
    if (kind === "create") expect(counts).toEqual({ create: expect.any(Number), update: 0, replace: 0, delete: 0 });
    if (kind === "update") {
      expect(counts.create).toBeGreaterThan(0);
      expect(counts.update).toBeGreaterThan(0);
      expect(counts.replace + counts.delete).toBe(0);
    }
    if (kind === "replace") {
      expect(counts.replace).toBe(1);
      expect(comment).toMatch(/aws_dynamodb_table/);
    }
  });
});

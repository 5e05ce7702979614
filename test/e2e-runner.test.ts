/**
 * The e2e runner's own logic, without the engine or the local AWS (npm run e2e runs them): how it
 * derives the expected plan of a change, which re-plan changes a moto exception may explain, how
 * it reads the plan-review comment, what it scrubs from fixtures, what counts as left behind, and
 * that a child process which runs over its timeout is killed.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { environments } from "../environments";
import { environmentsWithChange, expectedChanges, planMismatches } from "../tools/e2e/change";
import { ConvergenceException, unexplainedChanges } from "../tools/e2e/converge";
import { PlannedChange, TRANSIENT_LOCAL_ERROR, planChanges } from "../tools/e2e/engine";
import { leftovers, recordedResources } from "../tools/e2e/inventory";
import { expectedCounts, parseCountsTable, scrubPlan } from "../tools/e2e/plans";
import { outputTail, runCommand } from "../tools/e2e/process";
import { inParallel, summaryLine } from "../tools/e2e/run";
import { hasPreventDestroy } from "../tools/e2e/stacks";
import { synthAll } from "./helpers/synth-app";

const change = (address: string, actions: string[], changedAttributes: string[] = []): PlannedChange => ({ address, type: address.split(".")[0], actions, changedAttributes });

describe("the change step's expected plan", () => {
  const before = { resource: { aws_iot_thing: { a: { name: "A", "//": { metadata: { path: "x/a" } } } }, aws_lambda_function: { f: { memory_size: 256 } } } };
  const after = { resource: { aws_iot_thing: { a: { name: "A", "//": { metadata: { path: "moved/in/tree" } } }, b: { name: "B" } }, aws_lambda_function: { f: { memory_size: 512 } } } };

  it("creates what appears and updates what differs, ignoring construct metadata", () => {
    expect(expectedChanges(before, after)).toEqual([
      { address: "aws_iot_thing.b", actions: ["create"] },
      { address: "aws_lambda_function.f", actions: ["update"] },
    ]);
  });

  it("refuses a change that removes a resource", () => {
    expect(() => expectedChanges(after, before)).toThrow(/removes aws_iot_thing\.b/);
  });

  it("reports extra and missing planned changes, and a replace where an update was expected", () => {
    const expected = expectedChanges(before, after);
    expect(planMismatches([change("aws_iot_thing.b", ["create"]), change("aws_lambda_function.f", ["update"])], expected)).toEqual([]);
    expect(planMismatches([change("aws_iot_thing.b", ["create"]), change("aws_lambda_function.f", ["delete", "create"]), change("aws_iot_thing.a", ["update"])], expected)).toEqual([
      "unexpected: delete/create aws_lambda_function.f",
      "unexpected: update aws_iot_thing.a",
      "missing: update aws_lambda_function.f",
    ]);
  });

  it("appends a device and sets the processor memory of one environment only", () => {
    const changed = environmentsWithChange(environments, "dev", { device: { name: "Thermostat-E2E", csrPath: "/tmp/x.csr" }, processorMemoryMb: 512 });
    const dev = changed.dev as { devices: { things: { name: string; csrPath: string }[] }; processor: { memoryMb: number } };
    expect(dev.devices.things.at(-1)).toMatchObject({ name: "Thermostat-E2E", csrPath: "/tmp/x.csr" });
    expect(dev.processor.memoryMb).toBe(512);
    expect(changed.staging).toBe(environments.staging);
    expect((environments.dev as typeof dev).devices.things.some((t) => t.name === "Thermostat-E2E")).toBe(false);
    expect(() => environmentsWithChange(environments, "nope", { device: { name: "x", csrPath: "y" }, processorMemoryMb: 128 })).toThrow(/no environment "nope"/);
  });
});

describe("convergence exceptions", () => {
  const exception: ConvergenceException = { type: "aws_s3_bucket", actions: ["update"], attributes: ["tags_all"], evidence: "moto drops creation tags" };

  it("explain only an update of the named type that touches nothing but the named attributes", () => {
    const r = unexplainedChanges({ name: "s" }, [
      change("aws_s3_bucket.a", ["update"], ["tags_all"]),
      change("aws_s3_bucket.b", ["update"], ["tags_all", "policy"]),
      change("aws_s3_bucket.c", ["delete", "create"], ["tags_all"]),
      change("aws_kms_key.k", ["update"], ["tags_all"]),
      change("aws_s3_bucket.d", ["update"], []),
    ], [exception]);
    expect(r.explained).toHaveLength(1);
    expect(r.explained[0]).toMatch(/aws_s3_bucket\.a \(tags_all\): moto drops creation tags/);
    expect(r.unexplained.map((c) => c.address)).toEqual(["aws_s3_bucket.b", "aws_s3_bucket.c", "aws_kms_key.k", "aws_s3_bucket.d"]);
  });
});

describe("plan JSON", () => {
  it("keeps managed changes that are not no-ops, with the attributes that differ or become unknown", () => {
    const plan = {
      resource_changes: [
        { address: "a.x", type: "a", mode: "managed", change: { actions: ["no-op"], before: {}, after: {} } },
        { address: "data.d.y", type: "d", mode: "data", change: { actions: ["read"], before: null, after: {} } },
        { address: "b.z", type: "b", mode: "managed", change: { actions: ["update"], before: { m: 1, n: 2, k: "x" }, after: { m: 2, n: 2 }, after_unknown: { k: true } } },
      ],
    };
    expect(planChanges(plan)).toEqual([{ address: "b.z", type: "b", actions: ["update"], changedAttributes: ["k", "m"] }]);
  });

  it("counts as the plan-review comment does, and reads the comment's counts table", () => {
    expect(expectedCounts([change("a.b", ["create"]), change("a.c", ["delete", "create"]), change("a.d", ["update"]), change("a.e", ["create", "delete"])])).toEqual({ create: 1, update: 1, replace: 2, delete: 0 });
    expect(parseCountsTable("x\n| Create | Update | Replace | Delete |\n|---:|---:|---:|---:|\n| 3 | 1 | 0 | 2 |\n")).toEqual({ create: 3, update: 1, replace: 0, delete: 2 });
    expect(() => parseCountsTable("no table")).toThrow(/no counts table/);
  });

  it("scrubs ids, ARNs, hashes, the endpoint and local paths from fixtures, and keeps the rest", () => {
    const plan = { a: { arn: "arn:aws:iot:eu-west-1:1:thing/x", name: "x", source_code_hash: "abc", endpoint: "http://127.0.0.1:39999", path: "/work/main/.e2e/out/stacks/s/assets/a.zip", empty: "" } };
    expect(scrubPlan(plan, "http://127.0.0.1:39999")).toEqual({ a: { arn: "<arn>", name: "x", source_code_hash: "<source_code_hash>", endpoint: "http://127.0.0.1:4566", path: "<e2e-out>/stacks/s/assets/a.zip", empty: "" } });
  });
});

describe("what the destroy may leave behind", () => {
  const state = {
    values: {
      root_module: {
        resources: [
          { mode: "managed", type: "aws_iot_thing", address: "aws_iot_thing.t", values: { name: "T-1" } },
          { mode: "managed", type: "aws_lambda_permission", address: "aws_lambda_permission.p", values: { statement_id: "x" } },
          { mode: "data", type: "aws_iam_policy_document", address: "data.aws_iam_policy_document.d", values: { json: "{}" } },
        ],
        child_modules: [{ resources: [{ mode: "managed", type: "aws_dynamodb_table", address: "module.m.aws_dynamodb_table.h", values: { name: "hist" } }] }],
      },
    },
  };

  it("records inventoried resources by the value that names them, child modules included", () => {
    expect(recordedResources("s", state)).toEqual([
      { stack: "s", address: "aws_iot_thing.t", type: "aws_iot_thing", identifier: "T-1" },
      { stack: "s", address: "module.m.aws_dynamodb_table.h", type: "aws_dynamodb_table", identifier: "hist" },
    ]);
  });

  it("finds what is still listed", () => {
    expect(leftovers(recordedResources("s", state), new Set(["hist", "other"])).map((r) => r.address)).toEqual(["module.m.aws_dynamodb_table.h"]);
    expect(leftovers(recordedResources("s", state), new Set())).toEqual([]);
  });

  it("keeps a stack with any prevent_destroy resource", () => {
    expect(hasPreventDestroy({ resource: { a: { x: { lifecycle: { prevent_destroy: true } } } } })).toBe(true);
    expect(hasPreventDestroy({ resource: { a: { x: { lifecycle: { prevent_destroy: false } } } } })).toBe(false);
    expect(hasPreventDestroy({})).toBe(false);
  });
});

describe("the run's plumbing", () => {
  it("prints the summary line the issue names", () => {
    const o = (applied: boolean, converged: boolean, destroyed: boolean) => ({ name: "s", applied, converged, destroyed, notes: [] });
    expect(summaryLine([o(true, true, true), o(true, false, false), o(false, false, false)], ["boom"])).toBe("e2e: 2 stacks applied, 1 converged, 1 destroyed, 1 errors");
  });

  it("runs at most `limit` at once, finishes the running ones and rethrows the first failure", async () => {
    let running = 0;
    let peak = 0;
    const done: number[] = [];
    await expect(
      inParallel([1, 2, 3, 4, 5], 2, async (n) => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        if (n === 2) throw new Error("two failed");
        done.push(n);
      }),
    ).rejects.toThrow("two failed");
    expect(peak).toBe(2);
    expect(done).toContain(1);
    expect(done).not.toContain(5);
  });

  it("kills a child that runs over its timeout, with its whole process group", async () => {
    const r = await runCommand("bash", ["-c", "sleep 30 & wait"], { cwd: process.cwd(), env: process.env, timeoutMs: 300 });
    expect(r.timedOut).toBe(true);
    expect(r.ms).toBeLessThan(15_000);
  });

  it("applies once more only after a dropped connection to the local AWS, not after a real error", () => {
    expect(TRANSIENT_LOCAL_ERROR.test("decomposing response: read tcp 127.0.0.1:56612->127.0.0.1:34509: use of closed network connection")).toBe(true);
    expect(TRANSIENT_LOCAL_ERROR.test("NoSuchEntity: Policy arn:aws:iam::aws:policy/AdministratorAccess does not exist or is not attachable.")).toBe(false);
    expect(TRANSIENT_LOCAL_ERROR.test("Error: creating CloudWatch Metric Alarm ... (HTTP status: 404 NOT FOUND)")).toBe(false);
  });

  it("keeps the last lines of output without colour codes", () => {
    expect(outputTail({ stdout: "\u001b[31mred\u001b[0m\n\nline2\n", stderr: "err\n" }, 2)).toBe("line2\nerr");
  });
});

describe("docs/local-aws-coverage.md", () => {
  it("lists every resource type the app synthesizes", () => {
    const doc = readFileSync(join(__dirname, "..", "docs", "local-aws-coverage.md"), "utf8");
    const listed = new Set([...doc.matchAll(/^\| `(aws_[a-z0-9_]+)` \|/gm)].map((m) => m[1]));
    const types = new Set(Object.values(synthAll().stacks).flatMap((s) => Object.keys(s.resource ?? {})));
    expect(types.size).toBeGreaterThan(30);
    expect([...types].filter((t) => !listed.has(t)).sort()).toEqual([]);
  });
});

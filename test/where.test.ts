/**
 * `npm run -s where -- <address>`: the stack, the construct path and the owning module of a
 * Terraform address, on the real app synthesized into a temporary directory.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { App, TerraformStack } from "cdktf";
import { IConstruct } from "constructs";
import { HistoryStore } from "../modules/history-store";
import { readSynthDir } from "../tools/plan-review";
import { AddressNotFoundError, buildOwnerIndex, formatLocated, listAddresses, locate, normalizeAddress, ownersOf } from "../tools/where";
import { synthAll } from "./helpers/synth-app";

const ROOT = join(__dirname, "..");
const { built } = synthAll();
const app = built.environments[0].data.node.root as App;
const stacks = readSynthDir(app.outdir);
const index = buildOwnerIndex(ROOT);
const where = (address: string, stack?: string) => locate({ stacks, address, stack, outDir: "cdktf.out", app: () => app, index: () => index });
const notFound = (address: string, stack?: string): string => {
  try {
    where(address, stack);
  } catch (e) {
    if (e instanceof AddressNotFoundError) return e.message;
    throw e;
  }
  throw new Error(`${address} was found`);
};

const FUNCTION = "aws_lambda_function.processor_function_D7E0E582";

describe("locate", () => {
  it("finds an address in every stack that has it, with the construct path from the // metadata and the owning module", () => {
    const hits = where(FUNCTION);
    expect(hits.map((h) => h.stack).sort()).toEqual(built.environments.map((e) => e.platform.node.id).sort());
    for (const hit of hits) {
      expect(hit.constructPath).toBe(`${hit.stack}/processor/function`);
      expect(hit.owners).toEqual({
        modules: [{ className: "ShadowProcessor", dir: "modules/shadow-processor", constructPath: `${hit.stack}/processor` }],
        stack: { className: "PlatformStack", file: "stacks/platform-stack.ts" },
      });
    }
  });

  it("searches one stack with --stack, and takes a construct path or a plan's instance key", () => {
    const [thing] = where("aws_iot_thing.device_identity_things_Thermostat-01_thing_754DA465", "iot-dev-platform");
    expect(thing.owners?.modules.map((m) => m.className)).toEqual(["DeviceIdentity"]);
    expect(where("iot-dev-data/history/table").map((h) => [h.stack, h.address])).toEqual([["iot-dev-data", "aws_dynamodb_table.history_table_0FD6BD62"]]);
    expect(normalizeAddress(' module.a.module.b.aws_iot_thing.x["Thermostat-01"] ')).toBe("aws_iot_thing.x");
  });

  it("names the stack class when no module declares the resource", () => {
    const [caller] = where("data.aws_caller_identity.caller", "iot-state-111111111111-eu-west-1");
    expect(caller.owners).toEqual({ modules: [], stack: { className: "StateBootstrapStack", file: "stacks/state-bootstrap-stack.ts" } });
    expect(formatLocated([caller])).toContain("module: none; declared by the stack class StateBootstrapStack (stacks/state-bootstrap-stack.ts) itself");
  });

  it("attributes every resource and data source of the app, and every construct module owns some", () => {
    const [declared, generated] = [listAddresses(stacks).filter((e) => e.constructPath), listAddresses(stacks).filter((e) => !e.constructPath)];
    // Only what cdktf adds at synth has no construct path: the remote state of a cross-stack reference.
    expect(generated.map((e) => e.address)).toEqual(generated.map(() => expect.stringMatching(/^data\.terraform_remote_state\.cross-stack-reference-input-/)));
    expect(formatLocated(where(generated[0].address, generated[0].stack))).toContain("cdktf adds it at synth to read the producer stack's outputs");
    const owners = declared.map((e) => ownersOf(app, e.constructPath, index));
    expect(owners.filter((o) => o === undefined)).toHaveLength(0);
    const moduleDirs = new Set(owners.flatMap((o) => o!.modules.map((m) => m.dir)));
    // Every module directory owns resources of the app, found from its exported classes;
    // change-safety is an aspect (it sets lifecycle on others' resources and declares none).
    const expected = readdirSync(join(ROOT, "modules"), { withFileTypes: true })
      .filter((d) => d.isDirectory() && d.name !== "change-safety")
      .map((d) => `modules/${d.name}`);
    expect([...moduleDirs].sort()).toEqual(expected.sort());
  });

  it("matches a subclass of a module through its prototype chain", () => {
    class ProductLineHistory extends HistoryStore {}
    const other = new App();
    const stack = new TerraformStack(other, "consumer");
    new ProductLineHistory(stack, "history", { tableName: "consumer-history" });
    const owners = ownersOf(other as IConstruct, "consumer/history/table", index);
    expect(owners?.modules.map((m) => [m.className, m.dir])).toEqual([["HistoryStore", "modules/history-store"]]);
    expect(owners?.stack).toEqual({ className: "TerraformStack" });
  });

  it("an unknown address fails naming it, with close matches and the synth command", () => {
    const message = notFound("aws_lambda_function.processor_function_ABC123");
    expect(message).toContain(`aws_lambda_function.processor_function_ABC123 is not a resource or data source in any of the ${Object.keys(stacks).length} synthesized stacks in cdktf.out.`);
    expect(message).toMatch(new RegExp(`Close matches:\\n  ${FUNCTION.replace(/\./g, "\\.")} `));
    expect(message).toContain("npx cdktf synth");
    // In another stack than the one asked for: says where it is.
    expect(notFound(FUNCTION, "iot-dev-data")).toContain("It is in: hvac-dev-platform, hvac-prod-platform, iot-dev-platform");
    expect(notFound(FUNCTION, "iot-nope")).toContain("No stack iot-nope in cdktf.out; the synthesized stacks are:\n  hvac-dev-data");
  });
});

describe("scripts/where.ts", () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, ["--import", "tsx", "scripts/where.ts", ...args, "--out", app.outdir], { cwd: ROOT, encoding: "utf8" });

  it("prints the stack, construct path and module; exit 0", () => {
    const r = cli(FUNCTION, "--stack", "iot-dev-platform");
    expect(r.status).toBe(0);
    expect(r.stdout.split("\n")).toEqual([
      FUNCTION,
      "  stack iot-dev-platform  construct iot-dev-platform/processor/function",
      "  module: ShadowProcessor (modules/shadow-processor, README modules/shadow-processor/README.md)",
      "  stack class: PlatformStack (stacks/platform-stack.ts)",
      "",
    ]);
  });

  it("an unknown address: the message on stderr, exit 1", () => {
    const r = cli("aws_sqs_queue.nothing_like_it");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("aws_sqs_queue.nothing_like_it is not a resource or data source");
    expect(r.stdout).toBe("");
  });
});

import { App, Testing } from "cdktf";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { generatedFleet } from "../bench/fleet";
import { EnvironmentConfigInput, resolveEnvironment } from "../lib/config-schema";
import { assignShards, shardOf } from "../modules/device-identity";
import { BuiltApp, buildApp } from "../stacks/app";
import { deployOrderViolations, stackListDocument } from "../stacks/ci-deployments";
import { testCsr } from "../tools/test-csr";
import { TfJson, resourcesOf } from "./helpers/synth-app";

/** dev with `n` generated devices (one CSR each, CN = thing name), `first` devices put in front, and these shard settings. */
function fleet(n: number, devices: { shards?: number; shardSize?: number }, first: readonly string[] = []): EnvironmentConfigInput {
  const base = generatedFleet(n);
  const added = first.map((name) => ({ name, attributes: { model: "T100" }, groups: ["thermostats-dev"], csrPem: testCsr(name) }));
  return { ...base, devices: { ...base.devices, ...devices, things: [...added, ...(base.devices.things ?? [])] } };
}

function synth(env: EnvironmentConfigInput): { built: BuiltApp; stacks: Record<string, TfJson> } {
  const app: App = Testing.app();
  const built = buildApp(app, { environments: { dev: env } });
  app.synth();
  const names = [...built.environments.flatMap((e) => [e.data, e.platform, ...e.devices]), ...built.bootstrap, ...built.baselines, ...built.ciAccess].map((s) => s.node.id);
  return { built, stacks: Object.fromEntries(names.map((n) => [n, JSON.parse(readFileSync(join(app.outdir, "stacks", n, "cdk.tf.json"), "utf8"))])) };
}

/** `<type>.<name>` of every resource in a synthesized stack. */
function addresses(stack: TfJson): string[] {
  return Object.entries(stack.resource ?? {}).flatMap(([type, byName]) => Object.keys(byName as object).map((n) => `${type}.${n}`));
}

/** Does an IAM resource pattern (`*` wildcard) cover this ARN? */
const covers = (pattern: string, arn: string) => new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`).test(arn);

describe("device sharding: assignment", () => {
  const names = Array.from({ length: 2000 }, (_, i) => `Thermostat-${i}`);

  it("depends on the name and the shard count only, and spreads names evenly", () => {
    const loads = assignShards(names, 5).map((s) => s.length);
    expect(loads.reduce((a, b) => a + b, 0)).toBe(names.length);
    for (const load of loads) expect(Math.abs(load - 400)).toBeLessThan(80);
    expect(assignShards([...names].reverse(), 5)).toEqual(assignShards(names, 5));
  });

  it("growing the shard count from n to n + 1 moves devices only into the new shard, about 1/(n + 1) of them", () => {
    for (const n of [1, 4, 7]) {
      const moved = names.filter((name) => shardOf(name, n) !== shardOf(name, n + 1));
      for (const name of moved) expect(shardOf(name, n + 1)).toBe(n);
      expect(Math.abs(moved.length - names.length / (n + 1))).toBeLessThan(names.length / (n + 1) / 4);
    }
  });
});

describe("device sharding: 5,000 devices in 5 shards", () => {
  const { built, stacks } = synth(fleet(5000, { shards: 5, shardSize: 1250 }));
  const [env] = built.environments;

  it("puts every device's thing, certificate and attachments into one of 5 device stacks <prefix>-<env>-devices-<n>", () => {
    expect(env.devices.map((d) => d.node.id)).toEqual([0, 1, 2, 3, 4].map((n) => `iot-dev-devices-${n}`));
    const things = env.devices.map((d) => resourcesOf(stacks[d.node.id], "aws_iot_thing").map(([, t]) => t.name));
    expect(things.flat().sort()).toEqual(env.config.devices.things.map((t) => t.name).sort());
    for (const [i, d] of env.devices.entries()) {
      const s = stacks[d.node.id];
      expect(things[i].length).toBeLessThanOrEqual(1250);
      for (const type of ["aws_iot_certificate", "aws_iot_thing_principal_attachment", "aws_iot_policy_attachment", "aws_iot_thing_group_membership"]) {
        expect([type, resourcesOf(s, type).length]).toEqual([type, things[i].length]);
      }
      // The shared resources come from the platform stack's state.
      const thing = resourcesOf(s, "aws_iot_thing")[0][1];
      expect(thing.thing_type_name).toMatch(/^\$\{data\.terraform_remote_state\.cross-stack-reference-input-iot-dev-platform\.outputs\./);
      expect(Object.keys(s.data.terraform_remote_state)).toEqual(["cross-stack-reference-input-iot-dev-platform"]);
    }
  });

  it("keeps the thing type, groups, policy, rules and processor in the platform stack, and no device there", () => {
    const platform = stacks[env.platform.node.id];
    for (const type of ["aws_iot_thing_type", "aws_iot_thing_group", "aws_iot_policy", "aws_iot_topic_rule", "aws_lambda_function"]) expect([type, resourcesOf(platform, type).length > 0]).toEqual([type, true]);
    for (const type of ["aws_iot_thing", "aws_iot_certificate", "aws_iot_thing_principal_attachment", "aws_iot_policy_attachment"]) expect([type, resourcesOf(platform, type)]).toEqual([type, []]);
  });

  it("lists the shards in the stack list and both plan matrices, applied after the platform stack they read", () => {
    const doc = stackListDocument(built);
    const shardNames = env.devices.map((d) => d.node.id);
    const entries = doc.stacks.filter((s) => s.kind === "devices");
    expect(entries.map((s) => s.name)).toEqual(shardNames);
    for (const s of entries) {
      expect(s.dependencies).toEqual([env.platform.node.id]);
      expect(s.stateKey).toBe(`iot-shadow-platform/${s.name}.tfstate`);
    }
    expect(deployOrderViolations(doc.stacks)).toEqual([]);
    const [dev] = doc.deployments;
    expect(dev.stacks.slice(-shardNames.length)).toEqual(shardNames);
    for (const plans of [doc.pullRequestPlans, doc.driftPlans]) expect(plans.filter((p) => shardNames.includes(p.stack)).map((p) => p.stack)).toEqual(shardNames);
  });

  it("grants the dev CI roles the shards' state (bucket policy and role policies) and expires their orphaned locks", () => {
    const bucket = "acme-iot-tfstate-111111111111-eu-west-1";
    const shardState = env.devices.map((d) => `arn:aws:s3:::${bucket}/iot-shadow-platform/${d.node.id}.tfstate`);
    const bootstrap = stacks[built.bootstrap[0].node.id];
    const own = JSON.parse(bootstrap.resource.aws_s3_bucket_policy.state_bucket_policy.policy).Statement.find((s: TfJson) => s.Sid === "OnlyOwnStateDev");
    const access = resourcesOf(stacks[built.ciAccess[0].node.id], "aws_iam_role_policy");
    const deploy = access.find(([name]) => name.startsWith("ci_access_deploy_role_dev_policy"))![1];
    const write = JSON.parse(deploy.policy).Statement.find((s: TfJson) => s.Sid === "ReadWriteOwnState");
    for (const arn of [...shardState, ...shardState.map((a) => `${a}.tflock`)]) {
      expect([arn, own.NotResource.some((p: string) => covers(p, arn))]).toEqual([arn, true]);
      expect([arn, write.Resource.some((p: string) => covers(p, arn))]).toEqual([arn, true]);
    }
    // One pattern for all shards, and no other environment's state.
    expect(write.Resource.filter((p: string) => p.includes("devices"))).toEqual([`arn:aws:s3:::${bucket}/iot-shadow-platform/iot-dev-devices-*`]);
    expect(write.Resource.some((p: string) => covers(p, `arn:aws:s3:::${bucket}/iot-shadow-platform/iot-prod-devices-0.tfstate`))).toBe(false);
    const rules = bootstrap.resource.aws_s3_bucket_lifecycle_configuration.state_bucket_lifecycle.rule.map((r: TfJson) => r.filter[0].prefix);
    for (const d of env.devices) expect(rules).toContain(`iot-shadow-platform/${d.node.id}.tfstate.tflock`);
  });
});

describe("device sharding: adding a device", () => {
  const settings = { shards: 4, shardSize: 150 };
  const before = synth(fleet(400, settings));
  const newName = "Thermostat-AAAA-new";
  const after = synth(fleet(400, settings, [newName]));
  const shardNames = before.built.environments[0].devices.map((d) => d.node.id);

  it("inserted at the front of the list, changes exactly one shard's JSON (the one its name hashes to) and no existing address", () => {
    const changed = shardNames.filter((n) => JSON.stringify(before.stacks[n]) !== JSON.stringify(after.stacks[n]));
    expect(changed).toEqual([`iot-dev-devices-${shardOf(newName, 4)}`]);
    const target = after.stacks[changed[0]];
    const kept = before.stacks[changed[0]];
    for (const [type, byName] of Object.entries(kept.resource as Record<string, TfJson>)) {
      for (const [name, config] of Object.entries(byName)) expect(target.resource[type][name]).toEqual(config);
    }
    const added = addresses(target).filter((a) => !addresses(kept).includes(a));
    expect(added).toHaveLength(5);
    expect(added.every((a) => a.includes(newName))).toBe(true);
    expect(JSON.stringify(after.stacks[before.built.environments[0].platform.node.id])).toBe(JSON.stringify(before.stacks[before.built.environments[0].platform.node.id]));
  });

  it("keeps each device's Terraform address from the unsharded platform stack", () => {
    const unsharded = synth(fleet(400, { shardSize: 400 }));
    const platform = addresses(unsharded.stacks["iot-dev-platform"]).filter((a) => a.includes("_things_"));
    const sharded = shardNames.flatMap((n) => addresses(before.stacks[n]));
    expect(sharded.sort()).toEqual(platform.sort());
  });
});

describe("device sharding: config errors", () => {
  const problem = (env: EnvironmentConfigInput) => {
    try {
      resolveEnvironment(env, "dev");
    } catch (e) {
      return (e as Error).message;
    }
    return "no error";
  };

  it("more than shardSize things without devices.shards names the field and a shard count", () => {
    expect(problem(fleet(30, { shardSize: 20 }))).toMatch(/devices\.shards: 30 things are more than shardSize \(20\) in one stack; set shards: 2 /);
  });

  it("a shard fuller than shardSize names the shard and a larger count", () => {
    expect(problem(fleet(100, { shards: 2, shardSize: 50 }))).toMatch(/devices\.shards: shard \d would hold 5\d things, more than shardSize \(50\); raise shards to 3 /);
  });

  it("rejects shards with generated keys and a shard count outside 1-256", () => {
    const generate = fleet(3, { shards: 2 });
    const things = (generate.devices.things ?? []).map(({ name, groups }) => ({ name, groups }));
    expect(problem({ ...generate, devices: { ...generate.devices, certificateMode: "generate", things } })).toMatch(/devices\.shards: certificateMode "generate" keeps devices in the platform stack/);
    expect(problem(fleet(3, { shards: 0 }))).toMatch(/devices\.shards: /);
    expect(problem(fleet(3, { shards: 257 }))).toMatch(/devices\.shards: /);
  });
});

describe("device sharding: moving state from the platform stack (npm run -s shard-plan)", () => {
  const { planStateMoves, applyStateMoves } = require("../tools/device-shards") as typeof import("../tools/device-shards");
  const unsharded = synth(fleet(40, {}));
  const sharded = synth(fleet(40, { shards: 3 }));
  const source = { shardStackPrefix: "iot-dev-devices-", platformStack: "iot-dev-platform", shardOf };
  // A state as Terraform writes it: one entry per resource, with the attributes it read (a certificate's csr among them).
  const stateOf = (stack: TfJson, serial: number) => ({
    version: 4,
    terraform_version: "1.12.6",
    serial,
    lineage: "platform-lineage",
    outputs: {},
    resources: addresses(stack).map((a) => {
      const [type, name] = a.split(".");
      return { mode: "managed", type, name, provider: 'provider["registry.opentofu.org/hashicorp/aws"]', instances: [{ schema_version: 0, attributes: { id: `${name}-id`, csr: type === "aws_iot_certificate" ? "PEM" : undefined } }] };
    }),
  });

  it("moves every device resource entry, unchanged, from the platform state into its shard's, and leaves the shared ones", () => {
    const moves = planStateMoves(sharded.stacks, source);
    expect(moves).toHaveLength(40 * 5);
    const platformState = stateOf(unsharded.stacks["iot-dev-platform"], 7);
    let n = 0;
    const next = applyStateMoves({ "iot-dev-platform": platformState }, moves, () => `new-lineage-${n++}`);
    for (const shard of sharded.built.environments[0].devices.map((d) => d.node.id)) {
      const state = next[shard];
      expect(state.resources.map((r) => `${r.type}.${r.name}`).sort()).toEqual(addresses(sharded.stacks[shard]).sort());
      expect({ serial: state.serial, lineage: state.lineage }).toEqual({ serial: 1, lineage: expect.stringMatching(/^new-lineage-/) });
    }
    const kept = next["iot-dev-platform"];
    expect(kept.serial).toBe(8);
    expect(kept.lineage).toBe("platform-lineage");
    expect(kept.resources.map((r) => `${r.type}.${r.name}`).sort()).toEqual(addresses(sharded.stacks["iot-dev-platform"]).filter((a) => addresses(unsharded.stacks["iot-dev-platform"]).includes(a)).sort());
    const moved = Object.values(next).flatMap((s) => s.resources).find((r) => r.type === "aws_iot_certificate")!;
    expect(moved).toEqual(platformState.resources.find((r) => r.type === "aws_iot_certificate" && r.name === moved.name));
  });

  it("refuses to move a resource the source state does not hold (moved already), before changing anything", () => {
    const moves = planStateMoves(sharded.stacks, source);
    const state = stateOf(unsharded.stacks["iot-dev-platform"], 1);
    const partial = { ...state, resources: state.resources.filter((r) => `${r.type}.${r.name}` !== moves[3].address) };
    expect(() => applyStateMoves({ "iot-dev-platform": partial }, moves, () => "x")).toThrow(`iot-dev-platform: state has no ${moves[3].address}`);
  });

  it("raising shards moves only the devices whose shard changed, from their old shard", () => {
    const four = synth(fleet(40, { shards: 4 }));
    const moves = planStateMoves(four.stacks, { ...source, fromShards: 3 });
    const things = [...new Set(moves.map((m) => m.thing))];
    expect(things.sort()).toEqual(four.built.environments[0].config.devices.things.map((t) => t.name).filter((t) => shardOf(t, 3) !== shardOf(t, 4)).sort());
    for (const m of moves) expect({ from: m.from, to: m.to }).toEqual({ from: `iot-dev-devices-${shardOf(m.thing, 3)}`, to: "iot-dev-devices-3" });
  });
});

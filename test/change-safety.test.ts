import { findSingletonOwners, formatSingletonConflicts, SINGLETON_RESOURCE_TYPES } from "../modules/account-baseline";
import { environments } from "../environments";
import { synthAll, resourcesOf, TfJson } from "./helpers/synth-app";
import { testCsr } from "../tools/test-csr";

/** A copy of `device` under another name, with its own CSR (the CSR's subject CN must be the thing name). */
function newDeviceLike(device: { csrPath?: string }, name: string): object {
  const { csrPath: _copiedCsr, ...rest } = device;
  return { ...rest, name, csrPem: testCsr(name) };
}

const STATEFUL = ["aws_iot_certificate", "aws_iot_thing", "aws_iot_policy", "aws_dynamodb_table", "aws_kms_key"];

function statefulResources(stack: TfJson): [string, TfJson][] {
  return STATEFUL.flatMap((t) => resourcesOf(stack, t).map(([n, r]) => [`${t}.${n}`, r] as [string, TfJson]));
}

describe("change safety", () => {
  const { built, stacks } = synthAll();

  it.each(built.environments.map((e) => [e.config.label, e] as const))(
    "%s: every stateful resource carries prevent_destroy exactly when the environment's preventDestroy is on (staging and prod by default)",
    (_label, { config, data, platform }) => {
      const found = [data, platform].flatMap((s) => statefulResources(stacks[s.node.id]));
      expect(found.length).toBeGreaterThan(5);
      const expected = config.preventDestroy ? true : undefined;
      for (const [address, r] of found) expect({ address, preventDestroy: r.lifecycle?.prevent_destroy }).toEqual({ address, preventDestroy: expected });
    },
  );

  it("inserting a device at the front of the list changes no existing address or value", () => {
    const devCfg: any = JSON.parse(JSON.stringify(environments.dev));
    const before = synthAll({ environments: { dev: devCfg } }).stacks["iot-dev-platform"];
    devCfg.devices.things.unshift(newDeviceLike(devCfg.devices.things[0], "Thermostat-00"));
    const after = synthAll({ environments: { dev: devCfg } }).stacks["iot-dev-platform"];
    for (const [type, resources] of Object.entries<TfJson>(before.resource)) {
      for (const [name, config] of Object.entries<TfJson>(resources)) {
        expect({ address: `${type}.${name}`, config: after.resource[type]?.[name] }).toEqual({ address: `${type}.${name}`, config });
      }
    }
    const added = Object.entries<TfJson>(after.resource).flatMap(([t, rs]) => Object.keys(rs).filter((n) => !before.resource[t]?.[n]).map((n) => `${t}.${n}`));
    expect(added.length).toBeGreaterThan(0);
    expect(added.every((a) => /Thermostat-00/.test(a))).toBe(true);
  });
});

describe("account baseline", () => {
  const { built, stacks } = synthAll();

  it("exactly one stack per account and region declares each IoT singleton", () => {
    const conflicts = findSingletonOwners(stacks);
    if (conflicts.length) throw new Error(formatSingletonConflicts(conflicts));
    for (const where of new Set(built.environments.map(({ config: c }) => `${c.account.id}-${c.account.region}`))) {
      const name = `iot-${where}-baseline`;
      for (const type of SINGLETON_RESOURCE_TYPES) {
        const owners = Object.entries(stacks).filter(([, s]) => resourcesOf(s, type).length > 0).map(([n]) => n);
        expect(owners).toContain(name);
      }
    }
    for (const [name, s] of Object.entries(stacks)) {
      if (name.endsWith("-baseline")) continue;
      for (const type of SINGLETON_RESOURCE_TYPES) expect({ name, type, count: resourcesOf(s, type).length }).toEqual({ name, type, count: 0 });
    }
  });

  it("a second stack declaring a singleton is reported", () => {
    const copy = JSON.parse(JSON.stringify(stacks["iot-dev-platform"]));
    copy.resource.aws_iot_logging_options = stacks["iot-111111111111-eu-west-1-baseline"].resource.aws_iot_logging_options;
    const conflicts = findSingletonOwners({ ...stacks, "iot-dev-platform": copy });
    expect(conflicts).toEqual([expect.objectContaining({ type: "aws_iot_logging_options", stacks: expect.arrayContaining(["iot-dev-platform", "iot-111111111111-eu-west-1-baseline"]) })]);
  });

  it("indexes the named shadows environments route, with remote state and per-class log level", () => {
    const s = stacks["iot-333333333333-eu-west-1-baseline"];
    const [[, indexing]] = resourcesOf(s, "aws_iot_indexing_configuration");
    const thing = indexing.thing_indexing_configuration;
    expect(thing.thing_indexing_mode).toBe("REGISTRY_AND_SHADOW");
    expect(thing.thing_connectivity_indexing_mode).toBe("STATUS");
    expect(thing.named_shadow_indexing_mode).toBe("ON");
    // Union over product lines sharing the account: thermostats (config, schedule) and HVAC (maintenance, schedule).
    expect(thing.filter.named_shadow_names.sort()).toEqual(["config", "maintenance", "schedule"]);
    expect(resourcesOf(s, "aws_iot_logging_options")[0][1].default_log_level).toBe("WARN");
    expect(resourcesOf(stacks["iot-111111111111-eu-west-1-baseline"], "aws_iot_logging_options")[0][1].default_log_level).toBe("INFO");
    expect(s.terraform.backend.s3).toEqual(expect.objectContaining({ key: "iot-shadow-platform/iot-333333333333-eu-west-1-baseline.tfstate", encrypt: true, use_lockfile: true }));
  });

  it("the logging role is assumable only by iot.amazonaws.com from this account", () => {
    const s = stacks["iot-333333333333-eu-west-1-baseline"];
    const [[, role]] = resourcesOf(s, "aws_iam_role");
    const trustRef: string = role.assume_role_policy;
    const trust = trustRef.startsWith("${data.")
      ? s.data.aws_iam_policy_document[trustRef.split(".")[2]].statement
      : JSON.parse(trustRef).Statement;
    expect(trust).toHaveLength(1);
    const text = JSON.stringify(trust);
    expect(text).toContain("iot.amazonaws.com");
    expect(text).toContain("aws:SourceAccount");
    expect(text).toContain("333333333333");
    expect(text).not.toMatch(/"\*"/);
  });
});

describe("address locks (address-locks/<stack>.json)", () => {
  const { checkLocks, formatLockReport, lockedStackNames } = require("../tools/address-lock") as typeof import("../tools/address-lock");
  const locksDir = require("node:path").join(__dirname, "..", "address-locks");
  const { stacks } = synthAll();

  it("every stack keeps the stateful addresses its lock records; a stack without a lock yet (a new environment) passes", () => {
    const report = checkLocks(stacks, locksDir);
    if (!report.ok) throw new Error(formatLockReport(report, locksDir));
    // Every checked-in lock was enforced against a synthesized stack; only stacks without one are skipped.
    expect(report.checks.map((c) => c.stack)).toEqual(lockedStackNames(locksDir));
    expect(report.checks.length).toBeGreaterThan(0);
  });

  it("a new environment (new stacks, no lock files) needs no lock change; the existing locks still apply", () => {
    const qa = { ...JSON.parse(JSON.stringify(environments.staging)), namePrefix: "iotqa" };
    qa.account.region = "eu-central-1";
    const withQa = synthAll({ environments: { ...environments, qa } }).stacks;
    const report = checkLocks(withQa, locksDir);
    expect(report.ok).toBe(true);
    expect(report.unlocked).toEqual(["iot-222222222222-eu-central-1-baseline", "iotqa-staging-data", "iotqa-staging-platform"]);
    expect(report.checks.map((c) => c.stack)).toEqual(lockedStackNames(locksDir));
    // and a locked stack losing a stateful address still fails next to the new ones
    const data = JSON.parse(JSON.stringify(withQa["iot-staging-data"]));
    delete data.resource.aws_dynamodb_table;
    expect(checkLocks({ ...withQa, "iot-staging-data": data }, locksDir).ok).toBe(false);
  });

  it("adding a device at the front of the list keeps every lock satisfied", () => {
    const devCfg: any = JSON.parse(JSON.stringify(environments.dev));
    devCfg.devices.things.unshift(newDeviceLike(devCfg.devices.things[0], "Thermostat-00"));
    const report = checkLocks(synthAll({ environments: { ...environments, dev: devCfg } }).stacks, locksDir);
    expect(report.ok).toBe(true);
  });

  it("a renamed construct id (the table moved without a moved block) fails with how to move it safely", () => {
    const current = synthAll().stacks;
    const data = JSON.parse(JSON.stringify(current["iot-prod-data"]));
    const [[address, table]] = Object.entries<TfJson>(data.resource.aws_dynamodb_table);
    delete data.resource.aws_dynamodb_table[address];
    data.resource.aws_dynamodb_table.history_store_table_renamed = table;
    const report = checkLocks({ ...current, "iot-prod-data": data }, locksDir);
    expect(report.ok).toBe(false);
    const message = formatLockReport(report, locksDir);
    expect(message).toContain(`aws_dynamodb_table.${address}`);
    expect(message).toMatch(/moved/);
    expect(message).toContain("npm run synth && npm run locks -- update");
  });
});

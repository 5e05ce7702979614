import { environments } from "../environments";
import { synthAll, resourcesOf } from "./helpers/synth-app";

/**
 * Expectations come from the environment files (environments/index.ts), never from a list of
 * stack names, so adding an environment as the README says needs no change here.
 */
describe("per-environment stacks", () => {
  const { built, stacks } = synthAll();
  const byLabel = built.environments.map((e) => [e.config.label, e] as const);

  it("builds one data and one platform stack per environment file, named <namePrefix>-<environment>-<layer>", () => {
    expect(built.environments.map((e) => e.config.label)).toEqual(Object.keys(environments));
    for (const { config, data, platform } of built.environments) {
      const base = `${config.namePrefix}-${config.environment}`;
      expect({ label: config.label, stacks: [data.node.id, platform.node.id] }).toEqual({ label: config.label, stacks: [`${base}-data`, `${base}-platform`] });
    }
  });

  it.each(byLabel)("%s stacks keep encrypted, locked S3 state under distinct keys", (_label, { config, data, platform }) => {
    const keys = new Set<string>();
    for (const name of [data.node.id, platform.node.id]) {
      const s3 = stacks[name].terraform.backend.s3;
      expect(s3).toEqual(
        expect.objectContaining({
          bucket: config.state.bucket,
          key: `${config.state.keyPrefix}/${name}.tfstate`,
          encrypt: true,
          use_lockfile: true,
          region: config.state.region,
          ...(config.state.kmsKeyArn ? { kms_key_id: config.state.kmsKeyArn } : {}),
        }),
      );
      keys.add(s3.key);
    }
    expect(keys.size).toBe(2);
  });

  it("every state key is unique across all environments", () => {
    const keys = Object.values(stacks)
      .map((s) => s.terraform.backend?.s3?.key)
      .filter(Boolean);
    expect(new Set(keys).size).toBe(keys.length);
    // Every stack but the state bootstraps (local state): environments x (data, platform), account baselines, CI access stacks.
    expect(keys).toHaveLength(built.environments.length * 2 + built.baselines.length + built.ciAccess.length);
    expect(keys.length).toBe(Object.keys(stacks).length - built.bootstrap.length);
  });

  it.each(byLabel)("%s provider is pinned to its account, region and default tags; its role comes from a variable", (_label, { config, data, platform }) => {
    for (const name of [data.node.id, platform.node.id]) {
      const [provider] = stacks[name].provider.aws;
      expect(provider.allowed_account_ids).toEqual([config.account.id]);
      expect(provider.region).toBe(config.account.region);
      expect(provider.default_tags[0].tags).toEqual(
        expect.objectContaining({ project: "iot-shadow-platform", environment: config.environment, "product-line": config.productLine, "managed-by": "cdktf" }),
      );
      // CI sets TF_VAR_assume_role_arn ("" for plans, the deployer for applies); the default serves local runs.
      expect(provider.assume_role).toEqual([{ role_arn: "${var.assume_role_arn}", session_name: `cdktf-${name}` }]);
      expect(stacks[name].variable.assume_role_arn).toEqual(expect.objectContaining({ type: "string", default: config.account.assumeRoleArn ?? "", ephemeral: true }));
    }
  });

  it("IOT_STATE=local switch gives every environment stack a local backend instead", () => {
    const local = synthAll({ stateMode: "local" }).stacks;
    expect(local["iot-dev-data"].terraform.backend).toEqual({ local: { path: "../iot-dev-data/terraform.iot-dev-data.tfstate" } });
    expect(local["iot-prod-platform"].terraform.backend.s3).toBeUndefined();
  });

  it("bootstraps one hardened state bucket per account", () => {
    const boot = Object.keys(stacks).filter((n) => n.startsWith("iot-state-"));
    const buckets = new Map(built.environments.map(({ config: c }) => [c.state.bucket, `iot-state-${c.account.id}-${c.state.region}`]));
    expect(boot.sort()).toEqual([...new Set(buckets.values())].sort());
    expect(new Set(built.environments.map((e) => e.config.account.id)).size).toBe(boot.length);
    const s = stacks["iot-state-333333333333-eu-west-1"];
    expect(s.terraform.backend.local).toBeDefined();
    const [[, bucket]] = resourcesOf(s, "aws_s3_bucket");
    expect(bucket.bucket).toBe("acme-iot-tfstate-333333333333-eu-west-1");
    expect(bucket.lifecycle.prevent_destroy).toBe(true);
    expect(resourcesOf(s, "aws_s3_bucket_versioning")[0][1].versioning_configuration.status).toBe("Enabled");
    const sse = resourcesOf(s, "aws_s3_bucket_server_side_encryption_configuration")[0][1];
    expect(sse.rule[0].apply_server_side_encryption_by_default.sse_algorithm).toBe("aws:kms");
    expect(resourcesOf(s, "aws_s3_bucket_public_access_block")[0][1]).toEqual(
      expect.objectContaining({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true }),
    );
    const tls = JSON.parse(s.resource.aws_s3_bucket_policy.state_bucket_policy.policy).Statement[0];
    expect(tls).toEqual(expect.objectContaining({ Effect: "Deny", Action: "s3:*", Condition: { Bool: { "aws:SecureTransport": "false" } } }));
    expect(resourcesOf(s, "aws_kms_key")[0][1].enable_key_rotation).toBe(true);
    expect(resourcesOf(s, "aws_kms_alias")[0][1].name).toBe("alias/iot-terraform-state");
    const lc = resourcesOf(s, "aws_s3_bucket_lifecycle_configuration")[0][1];
    expect(lc.rule[0].noncurrent_version_expiration[0].noncurrent_days).toBe(90);
  });

  it("a bad environment file stops the build with a field-naming error", () => {
    const bad = { dev: { ...require("../environments/dev").dev, account: { id: "abc", region: "eu-west-1" } } };
    expect(() => synthAll({ environments: bad })).toThrow(/Invalid environment config "dev":[\s\S]*account\.id: must be a 12-digit AWS account id/);
  });
});

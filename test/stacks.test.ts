import { synthAll, resourcesOf } from "./helpers/synth-app";

describe("per-environment stacks", () => {
  const { built, stacks } = synthAll();

  it("builds one data and one platform stack per environment, with predictable names", () => {
    expect(built.environments.map((e) => [e.data.node.id, e.platform.node.id])).toEqual([
      ["iot-dev-data", "iot-dev-platform"],
      ["iot-staging-data", "iot-staging-platform"],
      ["iot-prod-data", "iot-prod-platform"],
      ["hvac-dev-data", "hvac-dev-platform"],
      ["hvac-prod-data", "hvac-prod-platform"],
    ]);
  });

  it.each(["dev", "staging", "prod"])("%s stacks keep encrypted, locked S3 state under distinct keys", (env) => {
    const keys = new Set<string>();
    for (const layer of ["data", "platform"]) {
      const s3 = stacks[`iot-${env}-${layer}`].terraform.backend.s3;
      expect(s3).toEqual(
        expect.objectContaining({
          bucket: expect.stringMatching(/^acme-iot-tfstate-\d{12}-eu-west-1$/),
          key: `iot-shadow-platform/iot-${env}-${layer}.tfstate`,
          encrypt: true,
          use_lockfile: true,
          region: "eu-west-1",
          kms_key_id: expect.stringMatching(/^arn:aws:kms:eu-west-1:\d{12}:alias\/iot-terraform-state$/),
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

  it.each([
    ["dev", "111111111111", undefined],
    ["staging", "222222222222", "arn:aws:iam::222222222222:role/iot-platform-deployer"],
    ["prod", "333333333333", "arn:aws:iam::333333333333:role/iot-platform-deployer"],
  ])("%s provider is pinned to its account, region and default tags; its role comes from a variable", (env, account, role) => {
    for (const layer of ["data", "platform"]) {
      const [provider] = stacks[`iot-${env}-${layer}`].provider.aws;
      expect(provider.allowed_account_ids).toEqual([account]);
      expect(provider.region).toBe("eu-west-1");
      expect(provider.default_tags[0].tags).toEqual(
        expect.objectContaining({ project: "iot-shadow-platform", environment: env, "product-line": "thermostat", "managed-by": "cdktf" }),
      );
      // CI sets TF_VAR_assume_role_arn ("" for plans, the deployer for applies); the default serves local runs.
      expect(provider.assume_role).toEqual([{ role_arn: "${var.assume_role_arn}", session_name: `cdktf-iot-${env}-${layer}` }]);
      expect(stacks[`iot-${env}-${layer}`].variable.assume_role_arn).toEqual(expect.objectContaining({ type: "string", default: role ?? "", ephemeral: true }));
    }
  });

  it("IOT_STATE=local switch gives every environment stack a local backend instead", () => {
    const local = synthAll({ stateMode: "local" }).stacks;
    expect(local["iot-dev-data"].terraform.backend).toEqual({ local: { path: "terraform.iot-dev-data.tfstate" } });
    expect(local["iot-prod-platform"].terraform.backend.s3).toBeUndefined();
  });

  it("bootstraps one hardened state bucket per account", () => {
    const boot = Object.keys(stacks).filter((n) => n.startsWith("iot-state-"));
    expect(boot.sort()).toEqual(["iot-state-111111111111-eu-west-1", "iot-state-222222222222-eu-west-1", "iot-state-333333333333-eu-west-1"]);
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

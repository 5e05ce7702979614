/**
 * Who reaches the Terraform state (security review, issue 20, item 6): the state bucket's
 * policy, its key's policy and its lifecycle in the synthesized bootstrap stacks, checked
 * against the CI roles the ci-access stacks create and the state keys CI deploys; and the
 * config field naming the break-glass role.
 */
import { App, Testing } from "cdktf";
import { EnvironmentConfigError, resolveEnvironment } from "../lib/config-schema";
import { environments } from "../environments";
import { dev } from "../environments/dev";
import { StateBootstrapStack } from "../stacks/state-bootstrap-stack";
import { synthAll, resourcesOf, TfJson } from "./helpers/synth-app";

interface Statement {
  readonly Sid: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: "*" | Record<string, string | string[]>;
  readonly Action?: string | string[];
  readonly NotAction?: string[];
  readonly Resource?: string | string[];
  readonly NotResource?: string[];
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

const ACCOUNTS = { dev: "111111111111", staging: "222222222222", prod: "333333333333" } as const;
const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const bootstrapOf = (account: string) => `iot-state-${account}-eu-west-1`;
const bucketOf = (account: string) => `acme-iot-tfstate-${account}-eu-west-1`;
const breakGlassOf = (account: string) => `arn:aws:iam::${account}:role/iot-state-break-glass`;
const bucketPolicy = (s: TfJson): Statement[] => JSON.parse(s.resource.aws_s3_bucket_policy.state_bucket_policy.policy).Statement;
const keyPolicy = (s: TfJson): Statement[] => JSON.parse(s.resource.aws_kms_key.state_key.policy).Statement;
const sid = (sts: Statement[], id: string): Statement => {
  const found = sts.find((s) => s.Sid === id);
  if (!found) throw new Error(`no statement ${id}; statements: ${sts.map((s) => s.Sid).join(", ")}`);
  return found;
};

describe("state bucket access", () => {
  const { built, stacks } = synthAll();
  const envs = Object.entries(ACCOUNTS) as [keyof typeof ACCOUNTS, string][];

  it.each(envs)("%s account: the bucket denies every principal but the break-glass role and that environment's plan and deploy roles (role ARNs)", (env, account) => {
    const policy = bucketPolicy(stacks[bootstrapOf(account)]);
    const bucket = `arn:aws:s3:::${bucketOf(account)}`;
    expect(sid(policy, "DenyAllButStateRoles")).toEqual({
      Sid: "DenyAllButStateRoles",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: [bucket, `${bucket}/*`],
      Condition: {
        ArnNotLike: {
          "aws:PrincipalArn": [breakGlassOf(account), `arn:aws:iam::${account}:role/iot-ci-plan-${env}`, `arn:aws:iam::${account}:role/iot-ci-deploy-${env}`],
        },
      },
    });
    // Role ARNs, never session ARNs; the deployer never reaches state (the backend runs as the CI role).
    const text = JSON.stringify(policy);
    expect(text).not.toContain("arn:aws:sts");
    expect(text).not.toContain("iot-platform-deployer");
    // The names are the ones the ci-access stack gives its roles.
    const ciRoles = resourcesOf(stacks[`iot-${account}-ci-access`], "aws_iam_role").map(([, r]) => r.name);
    expect(ciRoles).toEqual(expect.arrayContaining([`iot-ci-plan-${env}`, `iot-ci-deploy-${env}`]));
    // The TLS deny stays first (SEC014).
    expect(policy[0]).toEqual(expect.objectContaining({ Sid: "DenyInsecureTransport", Effect: "Deny", Action: "s3:*", Condition: { Bool: { "aws:SecureTransport": "false" } } }));
  });

  it.each(envs)("%s account: the environment's roles reach only its own state objects and lock files, whatever their IAM policies say", (env, account) => {
    const policy = bucketPolicy(stacks[bootstrapOf(account)]);
    const d = built.deployments.find((x) => x.environment === env)!;
    const own = d.stacks.flatMap((s) => [`arn:aws:s3:::${bucketOf(account)}/${s.stateKey}`, `arn:aws:s3:::${bucketOf(account)}/${s.stateKey}.tflock`]);
    const plan = `arn:aws:iam::${account}:role/iot-ci-plan-${env}`;
    const deploy = `arn:aws:iam::${account}:role/iot-ci-deploy-${env}`;
    const scope = sid(policy, `OnlyOwnState${env[0].toUpperCase()}${env.slice(1)}`);
    expect(scope).toEqual({
      Sid: scope.Sid,
      Effect: "Deny",
      Principal: "*",
      Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
      NotResource: own,
      Condition: { ArnLike: { "aws:PrincipalArn": [plan, deploy] } },
    });
    // The CI access stack's own state is the administrators' only.
    expect(scope.NotResource!.join(" ")).not.toContain("ci-access");
    // Same objects as the deploy role's IAM policy grants: the two sides cannot drift.
    const deployPolicy = resourcesOf(stacks[`iot-${account}-ci-access`], "aws_iam_role_policy").find(([name]) => name.startsWith(`ci_access_deploy_role_${env}_policy`))!;
    const write = (JSON.parse(deployPolicy[1].policy).Statement as Statement[]).find((s) => s.Sid === "ReadWriteOwnState")!;
    expect(list(write.Resource).sort()).toEqual([...own].sort());
    // Plan roles only list and read; deploy roles only list, read, write and delete objects: no bucket configuration, policy or version action.
    expect(sid(policy, "PlanRolesOnlyListAndRead")).toEqual(
      expect.objectContaining({ Effect: "Deny", NotAction: ["s3:ListBucket", "s3:GetObject"], Condition: { ArnLike: { "aws:PrincipalArn": [plan] } } }),
    );
    expect(sid(policy, "DeployRolesOnlyListReadWrite")).toEqual(
      expect.objectContaining({ Effect: "Deny", NotAction: ["s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Condition: { ArnLike: { "aws:PrincipalArn": [deploy] } } }),
    );
    // Nothing restricts the break-glass role but TLS.
    const restricting = policy.filter((s) => s.Sid !== "DenyInsecureTransport" && JSON.stringify(s.Condition).includes(breakGlassOf(account)));
    expect(restricting.map((s) => s.Sid)).toEqual(["DenyAllButStateRoles"]);
  });

  it.each(envs)("%s account: the state key encrypts and decrypts only through S3 (kms:ViaService) for the state roles; administration stays with IAM", (env, account) => {
    const policy = keyPolicy(stacks[bootstrapOf(account)]);
    const root = `arn:aws:iam::${account}:root`;
    expect(sid(policy, "StateObjectsThroughS3Only")).toEqual({
      Sid: "StateObjectsThroughS3Only",
      Effect: "Allow",
      Principal: { AWS: root },
      Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
      Resource: "*",
      Condition: {
        StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com", "kms:CallerAccount": account },
        ArnLike: { "aws:PrincipalArn": [breakGlassOf(account), `arn:aws:iam::${account}:role/iot-ci-plan-${env}`, `arn:aws:iam::${account}:role/iot-ci-deploy-${env}`] },
      },
    });
    const admin = sid(policy, "KeyAdministrationByIamPolicies");
    expect(admin.Principal).toEqual({ AWS: root });
    expect(admin.Condition).toBeUndefined();
    const actions = list(admin.Action);
    // Key administration keeps working: the bootstrap's refresh and updates, rotation, deletion.
    for (const a of ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:PutKeyPolicy", "kms:GetKeyRotationStatus", "kms:EnableKeyRotation", "kms:ListResourceTags", "kms:TagResource", "kms:ScheduleKeyDeletion", "kms:CreateAlias"]) {
      expect({ a, granted: actions.some((p) => new RegExp(`^${p.replace("*", ".*")}$`).test(a)) }).toEqual({ a, granted: true });
    }
    // ... but no statement lets anyone use the key outside S3, nor grant that use to itself.
    for (const a of ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:CreateGrant", "kms:*"]) {
      const unconditioned = policy.filter((s) => s.Effect === "Allow" && !s.Condition?.StringEquals?.["kms:ViaService"] && list(s.Action).some((p) => new RegExp(`^${p.replace(/[*]/g, ".*")}$`).test(a)));
      expect({ a, unconditioned: unconditioned.map((s) => s.Sid) }).toEqual({ a, unconditioned: [] });
    }
  });

  it.each(envs)("%s account: superseded versions are kept 90 days (and the 10 newest), orphaned locks expire after a day, no rule expires a current state object", (_env, account) => {
    const [[, lc]] = resourcesOf(stacks[bootstrapOf(account)], "aws_s3_bucket_lifecycle_configuration");
    const [all, ...locks] = lc.rule;
    expect(all).toEqual({
      id: "expire-noncurrent-state-versions",
      status: "Enabled",
      filter: [{ prefix: "" }],
      noncurrent_version_expiration: [{ noncurrent_days: 90, newer_noncurrent_versions: 10 }],
      expiration: [{ expired_object_delete_marker: true }],
      abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }],
    });
    // One rule per stack keeping state in this bucket (environment stacks, baseline, ci-access).
    const keys = Object.entries(stacks)
      .filter(([, s]) => s.terraform.backend.s3?.bucket === bucketOf(account))
      .map(([, s]) => s.terraform.backend.s3.key as string)
      .sort();
    expect(keys).toContain(`iot-shadow-platform/iot-${account}-ci-access.tfstate`);
    expect(locks).toEqual(
      keys.map((k) => ({
        id: `expire-orphaned-lock/${k}`,
        status: "Enabled",
        filter: [{ prefix: `${k}.tflock` }],
        expiration: [{ days: 1 }],
        noncurrent_version_expiration: [{ noncurrent_days: 1 }],
      })),
    );
    // A current object expires only when its filter names a lock file.
    for (const r of lc.rule) if (r.expiration?.[0]?.days !== undefined) expect(r.filter[0].prefix).toMatch(/\.tfstate\.tflock$/);
  });

  it("the bootstrap refuses to plan unless applied as the break-glass role, so its applier cannot lock itself out", () => {
    const s = stacks[bootstrapOf(ACCOUNTS.prod)];
    expect(s.data.aws_iam_session_context.caller_role.arn).toBe("${data.aws_caller_identity.caller.arn}");
    const [pre] = s.resource.aws_s3_bucket_policy.state_bucket_policy.lifecycle.precondition;
    expect(pre.condition).toBe(`\${(data.aws_iam_session_context.caller_role.issuer_arn == "${breakGlassOf(ACCOUNTS.prod)}")}`);
    expect(pre.error_message).toContain("state.breakGlassRoleArn");
  });

  it("the deployer may not change the break-glass role (it would make itself a way into the state)", () => {
    for (const account of Object.values(ACCOUNTS)) {
      const [[, guard]] = resourcesOf(stacks[`iot-${account}-ci-access`], "aws_iam_role_policy").filter(([n]) => n.includes("deployer_guard"));
      const [deny] = JSON.parse(guard.policy).Statement as Statement[];
      expect(deny.Effect).toBe("Deny");
      expect(list(deny.Resource)).toContain(breakGlassOf(account));
    }
  });

  it("without CI access in config only the break-glass role reaches the bucket and the key", () => {
    const noCi = Object.fromEntries(Object.entries(environments).map(([label, e]) => [label, { ...e, ci: undefined }]));
    const s = synthAll({ environments: noCi }).stacks[bootstrapOf(ACCOUNTS.dev)];
    const policy = bucketPolicy(s);
    expect(policy.map((st) => st.Sid)).toEqual(["DenyInsecureTransport", "DenyAllButStateRoles"]);
    expect(policy[1].Condition).toEqual({ ArnNotLike: { "aws:PrincipalArn": [breakGlassOf(ACCOUNTS.dev)] } });
    expect(sid(keyPolicy(s), "StateObjectsThroughS3Only").Condition!.ArnLike).toEqual({ "aws:PrincipalArn": [breakGlassOf(ACCOUNTS.dev)] });
  });

  it("environments sharing a bucket must name the same break-glass role", () => {
    const other = { ...environments["hvac-dev"], state: { ...(environments["hvac-dev"].state as object), breakGlassRoleArn: "arn:aws:iam::111111111111:role/someone-else" } };
    expect(() => synthAll({ environments: { ...environments, "hvac-dev": other } })).toThrow(
      /"dev" and "hvac-dev" keep state in bucket acme-iot-tfstate-111111111111-eu-west-1 but name different state\.breakGlassRoleArn/,
    );
  });

  it("the stack refuses a break-glass role of another account", () => {
    const app: App = Testing.app();
    expect(
      () => new StateBootstrapStack(app, "s", { accountId: "111111111111", region: "eu-west-1", bucketName: "b-111111111111", kmsAliasName: "alias/s", breakGlassRoleArn: "arn:aws:iam::222222222222:role/admin" }),
    ).toThrow(/s: breakGlassRoleArn: .* is a role of account 222222222222; use a role of account 111111111111/);
  });
});

describe("config field state.breakGlassRoleArn", () => {
  const devWith = (mutate: (c: any) => void): unknown => {
    const copy = JSON.parse(JSON.stringify(dev));
    mutate(copy);
    return copy;
  };
  const problemsOf = (input: unknown) => {
    try {
      resolveEnvironment(input, "dev");
    } catch (e) {
      expect(e).toBeInstanceOf(EnvironmentConfigError);
      return (e as EnvironmentConfigError).problems;
    }
    throw new Error("expected the config to be rejected");
  };

  it("is set in every checked-in environment, to a role of its own account", () => {
    for (const [label, raw] of Object.entries(environments)) {
      const c = resolveEnvironment(raw, label);
      expect(c.state.breakGlassRoleArn).toBe(breakGlassOf(c.account.id));
    }
  });

  it.each([
    ["missing", (c: any) => delete c.state.breakGlassRoleArn, /required: the ARN of the role administrators use for the state bucket/],
    ["a user, not a role", (c: any) => (c.state.breakGlassRoleArn = "arn:aws:iam::111111111111:user/admin"), /must be an IAM role ARN without wildcards/],
    ["a wildcard", (c: any) => (c.state.breakGlassRoleArn = "arn:aws:iam::111111111111:role/*"), /must be an IAM role ARN without wildcards/],
    ["a session ARN", (c: any) => (c.state.breakGlassRoleArn = "arn:aws:sts::111111111111:assumed-role/admin/me"), /must be an IAM role ARN without wildcards/],
    ["a role of another account", (c: any) => (c.state.breakGlassRoleArn = "arn:aws:iam::222222222222:role/admin"), /is a role of account 222222222222; use a role of account 111111111111, which owns the state bucket/],
  ])("rejects a break-glass role that is %s, naming the field", (_case, mutate, message) => {
    const problems = problemsOf(devWith(mutate));
    expect(problems).toEqual([{ field: "state.breakGlassRoleArn", message: expect.stringMatching(message) }]);
  });

  it("accepts a role with a path (e.g. an IAM Identity Center permission set role)", () => {
    const arn = "arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_BreakGlass_0123456789abcdef";
    expect(resolveEnvironment(devWith((c) => (c.state.breakGlassRoleArn = arn)), "dev").state.breakGlassRoleArn).toBe(arn);
  });
});

/**
 * CI access as code: the trust conditions of the plan, deploy and deployer roles in the
 * synthesized ci-access stacks, their permissions, the module's props, and the config field.
 */
import { TerraformStack, Testing } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { CiAccess, CiAccessProps, PLAN_DENIED_DATA_ACTIONS } from "../modules/ci-access";
import { environments } from "../environments";
import { grants } from "../tools/offline-checks/rules/security-access";
import { ciRepository } from "../stacks/ci-deployments";
import { resolveEnvironment } from "../lib/config-schema";
import { synthAll, resourcesOf, TfJson } from "./helpers/synth-app";

const OIDC = "token.actions.githubusercontent.com";
const REPO = "repo:acme/iot-shadow-platform";

interface Statement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: Record<string, string | string[]>;
  readonly Action: string | string[];
  readonly Resource?: string | string[];
  readonly NotResource?: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const statements = (json: string): Statement[] => JSON.parse(json).Statement;
const ref = (type: string, name: string, attr = "arn") => `\${${type}.${name}.${attr}}`;

/** A role of a synthesized stack by IAM name, with its address and inline policies. */
function role(stack: TfJson, name: string) {
  const found = resourcesOf(stack, "aws_iam_role").find(([, r]) => r.name === name);
  if (!found) throw new Error(`no role ${name}; roles: ${resourcesOf(stack, "aws_iam_role").map(([, r]) => r.name).join(", ")}`);
  const [address, config] = found;
  const inline = resourcesOf(stack, "aws_iam_role_policy").filter(([, p]) => p.role === ref("aws_iam_role", address, "id")).map(([, p]) => statements(p.policy));
  const attached = resourcesOf(stack, "aws_iam_role_policy_attachment").filter(([, a]) => a.role === ref("aws_iam_role", address, "name")).map(([, a]) => a.policy_arn);
  return { address, config, arn: ref("aws_iam_role", address), trust: statements(config.assume_role_policy), inline: inline.flat(), attached };
}

function allows(sts: readonly Statement[], action: string): Statement[] {
  return sts.filter((s) => s.Effect === "Allow" && list(s.Action).some((a) => grants(a, action)));
}

describe("synthesized ci-access stacks", () => {
  const { built, stacks } = synthAll();
  const cases = built.deployments.map((d) => [d.environment, d.accountId] as const);

  it("one ci-access stack per account, with its own state key, and one GitHub OIDC provider per account", () => {
    expect(built.ciAccess.map((s) => s.node.id).sort()).toEqual(["iot-111111111111-ci-access", "iot-222222222222-ci-access", "iot-333333333333-ci-access"]);
    for (const account of ["111111111111", "222222222222", "333333333333"]) {
      const s = stacks[`iot-${account}-ci-access`];
      expect(s.terraform.backend.s3).toEqual(expect.objectContaining({ key: `iot-shadow-platform/iot-${account}-ci-access.tfstate`, encrypt: true, use_lockfile: true }));
      const owners = Object.entries(stacks).filter(([, st]) => st.provider.aws[0].allowed_account_ids[0] === account && resourcesOf(st, "aws_iam_openid_connect_provider").length > 0);
      expect(owners.map(([n]) => n)).toEqual([`iot-${account}-ci-access`]);
      const [[, provider]] = resourcesOf(s, "aws_iam_openid_connect_provider");
      expect(provider).toEqual(expect.objectContaining({ url: `https://${OIDC}`, client_id_list: ["sts.amazonaws.com"] }));
    }
  });

  it.each(cases)("%s plan role (account %s) trusts only environment:plan-<env>, audience sts.amazonaws.com, and ref main outside dev", (env, account) => {
    const s = stacks[`iot-${account}-ci-access`];
    const [[providerAddress]] = resourcesOf(s, "aws_iam_openid_connect_provider");
    const plan = role(s, `iot-ci-plan-${env}`);
    expect(plan.trust).toHaveLength(1);
    const [st] = plan.trust;
    expect(st).toEqual({
      Sid: expect.any(String),
      Effect: "Allow",
      Principal: { Federated: ref("aws_iam_openid_connect_provider", providerAddress) },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: { StringEquals: expect.any(Object) },
    });
    const equals = st.Condition!.StringEquals;
    expect(equals[`${OIDC}:aud`]).toBe("sts.amazonaws.com");
    expect(equals[`${OIDC}:sub`]).toBe(`${REPO}:environment:plan-${env}`);
    // Pull requests may plan dev only: staging and prod plan roles require main.
    expect(equals[`${OIDC}:ref`]).toBe(env === "dev" ? undefined : "refs/heads/main");
  });

  it.each(cases)("%s deploy role (account %s) trusts only environment:<env> on refs/heads/main", (env, account) => {
    const s = stacks[`iot-${account}-ci-access`];
    const deploy = role(s, `iot-ci-deploy-${env}`);
    expect(deploy.trust).toHaveLength(1);
    expect(deploy.trust[0].Action).toBe("sts:AssumeRoleWithWebIdentity");
    expect(Object.keys(deploy.trust[0].Condition!)).toEqual(["StringEquals"]);
    expect(deploy.trust[0].Condition!.StringEquals).toEqual({
      [`${OIDC}:aud`]: "sts.amazonaws.com",
      [`${OIDC}:sub`]: `${REPO}:environment:${env}`,
      [`${OIDC}:ref`]: "refs/heads/main",
    });
  });

  it.each(cases)("%s (account %s): the deployer the providers assume trusts only the deploy role ARN, never the plan role", (env, account) => {
    const s = stacks[`iot-${account}-ci-access`];
    const deployer = role(s, "iot-platform-deployer");
    expect(deployer.trust).toEqual([{ Sid: expect.any(String), Effect: "Allow", Principal: { AWS: [role(s, `iot-ci-deploy-${env}`).arn] }, Action: "sts:AssumeRole" }]);
    expect(JSON.stringify(deployer.trust)).not.toContain(role(s, `iot-ci-plan-${env}`).address);
    // It is the role the environments' providers name (account.assumeRoleArn), where they name one.
    for (const e of built.environments.filter((x) => x.config.account.id === account && x.config.account.assumeRoleArn)) {
      expect(e.config.account.assumeRoleArn).toBe(`arn:aws:iam::${account}:role/${deployer.config.name}`);
    }
  });

  it.each(cases)("%s plan role (account %s) is read-only: no Allow of sts:AssumeRole or writes, an explicit deny of role assumption", (env, account) => {
    const s = stacks[`iot-${account}-ci-access`];
    const plan = role(s, `iot-ci-plan-${env}`);
    expect(plan.attached).toEqual(["arn:aws:iam::aws:policy/ReadOnlyAccess"]);
    expect(allows(plan.inline, "sts:AssumeRole")).toEqual([]);
    for (const write of ["s3:PutObject", "s3:DeleteObject", "kms:Encrypt", "kms:GenerateDataKey", "iam:PassRole"]) expect({ write, allowed: allows(plan.inline, write) }).toEqual({ write, allowed: [] });
    expect(plan.inline).toEqual(expect.arrayContaining([expect.objectContaining({ Effect: "Deny", Action: ["sts:AssumeRole"], Resource: "*" })]));
    const dataDeny = plan.inline.find((st) => st.Effect === "Deny" && list(st.Action).includes("dynamodb:Scan"));
    expect(list(dataDeny?.Action)).toEqual([...PLAN_DENIED_DATA_ACTIONS]);
    const objectDeny = plan.inline.find((st) => st.Effect === "Deny" && list(st.Action).includes("s3:GetObject"));
    expect(list(objectDeny?.NotResource)).toEqual(list(allows(plan.inline, "s3:GetObject")[0].Resource));
  });

  it.each(cases)("%s roles (account %s) reach exactly the state objects of the stacks CI deploys there", (env, account) => {
    const s = stacks[`iot-${account}-ci-access`];
    const d = built.deployments.find((x) => x.environment === env)!;
    const bucket = d.stacks[0].state.bucket;
    const objects = d.stacks.flatMap((st) => [`arn:aws:s3:::${bucket}/${st.stateKey}`, `arn:aws:s3:::${bucket}/${st.stateKey}.tflock`]);
    const plan = role(s, `iot-ci-plan-${env}`);
    const deploy = role(s, `iot-ci-deploy-${env}`);
    expect(list(allows(plan.inline, "s3:GetObject")[0].Resource).sort()).toEqual([...objects].sort());
    expect(list(allows(deploy.inline, "s3:PutObject")[0].Resource).sort()).toEqual([...objects].sort());
    // The CI access stack's own state is not among them.
    expect(JSON.stringify([plan.inline, deploy.inline])).not.toContain("ci-access.tfstate");
    const key = allows(deploy.inline, "kms:GenerateDataKey")[0];
    expect(key.Condition).toEqual({ StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" }, "ForAnyValue:StringEquals": { "kms:ResourceAliases": "alias/iot-terraform-state" } });
  });

  it.each(cases)("%s deploy role (account %s) may assume the deployer and nothing else", (env, account) => {
    const s = stacks[`iot-${account}-ci-access`];
    const deploy = role(s, `iot-ci-deploy-${env}`);
    expect(deploy.attached).toEqual([]);
    expect(allows(deploy.inline, "sts:AssumeRole").map((st) => st.Resource)).toEqual([role(s, "iot-platform-deployer").arn]);
    const actions = deploy.inline.filter((st) => st.Effect === "Allow").flatMap((st) => list(st.Action));
    expect(actions.filter((a) => !/^(s3:(ListBucket|GetObject|PutObject|DeleteObject)|kms:(Decrypt|Encrypt|GenerateDataKey)|sts:AssumeRole)$/.test(a))).toEqual([]);
  });

  it.each(cases)("%s (account %s): the deployer may not change the CI roles, itself, the OIDC provider or the state break-glass role", (env, account) => {
    const s = stacks[`iot-${account}-ci-access`];
    const deployer = role(s, "iot-platform-deployer");
    const [[providerAddress]] = resourcesOf(s, "aws_iam_openid_connect_provider");
    const guard = deployer.inline.find((st) => st.Effect === "Deny");
    expect(list(guard?.Action)).toEqual(["iam:*"]);
    expect(list(guard?.Resource).sort()).toEqual(
      [
        ref("aws_iam_openid_connect_provider", providerAddress),
        deployer.arn,
        role(s, `iot-ci-plan-${env}`).arn,
        role(s, `iot-ci-deploy-${env}`).arn,
        `arn:aws:iam::${account}:role/iot-state-break-glass`,
      ].sort(),
    );
  });

  it("every stack's provider assumes the role of the ephemeral assume_role_arn variable, defaulting to the config (none for administrator stacks)", () => {
    for (const e of built.environments) {
      for (const st of [e.data, e.platform]) expect(stacks[st.node.id].variable.assume_role_arn.default).toBe(e.config.account.assumeRoleArn ?? "");
    }
    for (const st of [...built.ciAccess, ...built.bootstrap]) expect(stacks[st.node.id].variable.assume_role_arn).toEqual(expect.objectContaining({ default: "", ephemeral: true, type: "string" }));
  });
});

describe("CiAccess module", () => {
  const BASE: CiAccessProps = {
    namePrefix: "iot-ci",
    accountId: "111111111111",
    githubOwner: "acme",
    githubRepo: "iot-shadow-platform",
    environments: [{ name: "dev", stateObjectKeys: ["iot-shadow-platform/iot-dev-data.tfstate"] }],
    stateBucket: "acme-iot-tfstate-111111111111-eu-west-1",
  };

  function synth(props: Partial<CiAccessProps> = {}): TfJson {
    const app = Testing.app();
    const stack = new TerraformStack(app, "test");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    new CiAccess(stack, "ci", { ...BASE, ...props });
    return JSON.parse(Testing.synth(stack));
  }

  it("defaults: a created OIDC provider, plans from main only, ReadOnlyAccess, an AdministratorAccess deployer, 1-hour sessions", () => {
    const s = synth();
    expect(resourcesOf(s, "aws_iam_openid_connect_provider")).toHaveLength(1);
    const plan = role(s, "iot-ci-plan-dev");
    expect(plan.trust[0].Condition!.StringEquals[`${OIDC}:ref`]).toBe("refs/heads/main");
    expect(plan.attached).toEqual(["arn:aws:iam::aws:policy/ReadOnlyAccess"]);
    expect(role(s, "iot-platform-deployer").attached).toEqual(["arn:aws:iam::aws:policy/AdministratorAccess"]);
    for (const [, r] of resourcesOf(s, "aws_iam_role")) expect(r.max_session_duration).toBe(3600);
    // Without a state key ARN there is no KMS statement.
    expect(JSON.stringify(plan.inline)).not.toContain("kms:");
  });

  it("trusts an existing OIDC provider instead of creating one, and accepts other refs, policies and names", () => {
    const existing = "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com";
    const s = synth({
      existingOidcProviderArn: existing,
      deployRef: "refs/heads/release",
      environments: [{ name: "dev", stateObjectKeys: ["iot/dev-*"], planFromMainOnly: false }],
      planManagedPolicyArns: ["arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"],
      deployer: { name: "custom-deployer", managedPolicyArns: ["arn:aws:iam::aws:policy/PowerUserAccess"] },
      stateKmsKeyArn: "arn:aws:kms:eu-west-1:111111111111:key/0e1c5b7a-1234-4f00-9abc-123456789abc",
    });
    expect(resourcesOf(s, "aws_iam_openid_connect_provider")).toEqual([]);
    const plan = role(s, "iot-ci-plan-dev");
    expect(plan.trust[0].Principal).toEqual({ Federated: existing });
    expect(plan.trust[0].Condition!.StringEquals[`${OIDC}:ref`]).toBeUndefined();
    expect(plan.attached).toEqual(["arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"]);
    expect(list(allows(plan.inline, "s3:GetObject")[0].Resource)).toEqual(["arn:aws:s3:::acme-iot-tfstate-111111111111-eu-west-1/iot/dev-*"]);
    expect(allows(plan.inline, "kms:Decrypt")[0].Resource).toBe("arn:aws:kms:eu-west-1:111111111111:key/0e1c5b7a-1234-4f00-9abc-123456789abc");
    expect(role(s, "iot-ci-deploy-dev").trust[0].Condition!.StringEquals[`${OIDC}:ref`]).toBe("refs/heads/release");
    expect(role(s, "custom-deployer").attached).toEqual(["arn:aws:iam::aws:policy/PowerUserAccess"]);
  });

  it("one plan and one deploy role per environment; the deployer trusts every deploy role and no plan role", () => {
    const s = synth({
      environments: [
        { name: "dev", stateObjectKeys: ["a/dev.tfstate"] },
        { name: "qa", stateObjectKeys: ["a/qa.tfstate"] },
      ],
    });
    expect(resourcesOf(s, "aws_iam_role").map(([, r]) => r.name).sort()).toEqual(["iot-ci-deploy-dev", "iot-ci-deploy-qa", "iot-ci-plan-dev", "iot-ci-plan-qa", "iot-platform-deployer"]);
    expect(role(s, "iot-platform-deployer").trust[0].Principal).toEqual({ AWS: [role(s, "iot-ci-deploy-dev").arn, role(s, "iot-ci-deploy-qa").arn] });
    expect(list(allows(role(s, "iot-ci-deploy-qa").inline, "s3:PutObject")[0].Resource)).toEqual(["arn:aws:s3:::acme-iot-tfstate-111111111111-eu-west-1/a/qa.tfstate", "arn:aws:s3:::acme-iot-tfstate-111111111111-eu-west-1/a/qa.tfstate.tflock"]);
  });

  it.each([
    [{ namePrefix: "iot_ci" }, /namePrefix "iot_ci" is invalid/],
    [{ accountId: "123" }, /accountId: "123" must be a 12-digit AWS account id/],
    [{ githubOwner: "acme-" }, /githubOwner "acme-" is not a GitHub user or organization name/],
    [{ githubOwner: "acme/*" }, /githubOwner "acme\/\*"/],
    [{ githubRepo: ".." }, /githubRepo "\.\." is not a GitHub repository name/],
    [{ environments: [] }, /environments must name at least one GitHub environment/],
    [{ environments: [{ name: "plan-dev", stateObjectKeys: ["k"] }] }, /starts with "plan-", which names the plan environments/],
    [{ environments: [{ name: "Prod", stateObjectKeys: ["k"] }] }, /environment name "Prod" is invalid/],
    [{ environments: [{ name: "dev", stateObjectKeys: ["k"] }, { name: "dev", stateObjectKeys: ["k"] }] }, /environment "dev" is listed twice/],
    [{ environments: [{ name: "dev", stateObjectKeys: [] }] }, /environment "dev" needs stateObjectKeys/],
    [{ environments: [{ name: "dev", stateObjectKeys: ["*"] }] }, /stateObjectKeys "\*" is invalid/],
    [{ environments: [{ name: "dev", stateObjectKeys: ["a/*/b"] }] }, /stateObjectKeys "a\/\*\/b" is invalid/],
    [{ stateBucket: "Bad_Bucket" }, /CiAccess: stateBucket/],
    [{ stateKmsKeyArn: "alias/iot" }, /stateKmsKeyArn "alias\/iot" is not a KMS key or alias ARN/],
    [{ deployRef: "refs/heads/*" }, /deployRef "refs\/heads\/\*" must be a full branch or tag ref without wildcards/],
    [{ deployRef: "main" }, /deployRef "main"/],
    [{ existingOidcProviderArn: "arn:aws:iam::111111111111:oidc-provider/example.com" }, /existingOidcProviderArn .* is not the ARN of a token.actions.githubusercontent.com OIDC provider/],
    [{ maxSessionDurationSeconds: 900 }, /maxSessionDurationSeconds must be an integer from 3600 to 43200/],
    [{ planManagedPolicyArns: ["ReadOnlyAccess"] }, /planManagedPolicyArns "ReadOnlyAccess" is not an IAM managed policy ARN/],
    [{ deployer: { name: "x".repeat(65) } }, /deployer\.name/],
    [{ deployer: { protectedRoleArns: ["arn:aws:iam::111111111111:role/*"] } }, /deployer\.protectedRoleArns "arn:aws:iam::111111111111:role\/\*" is not an IAM role ARN/],
    [{ namePrefix: "a".repeat(60) }, /plan role name \(shorten namePrefix or the environment name\)/],
  ] as [Partial<CiAccessProps>, RegExp][])("rejects %j", (props, message) => {
    expect(() => synth(props)).toThrow(message);
  });
});

describe("ci config", () => {
  const prodInput = environments.prod as Record<string, unknown>;

  it("names the repository in every environment; a bad owner or repository stops synth with the field", () => {
    expect(resolveEnvironment(prodInput, "prod").ci).toEqual({ githubOwner: "acme", githubRepo: "iot-shadow-platform" });
    expect(() => resolveEnvironment({ ...prodInput, ci: { githubOwner: "ac me", githubRepo: "iot" } }, "prod")).toThrow(
      /Invalid environment config "prod":[\s\S]*ci\.githubOwner: must be a GitHub user or organization name/,
    );
    expect(() => resolveEnvironment({ ...prodInput, ci: { githubOwner: "acme", githubRepo: "iot shadow" } }, "prod")).toThrow(/ci\.githubRepo: must be a GitHub repository name/);
    expect(() => resolveEnvironment({ ...prodInput, ci: { githubOwner: "acme" } }, "prod")).toThrow(/ci\.githubRepo:/);
    expect(() => resolveEnvironment({ ...prodInput, ci: { githubOwner: "acme", githubRepo: "x", branch: "main" } }, "prod")).toThrow(/ci/);
  });

  it("every environment names the same repository, or none does (then no ci-access stack)", () => {
    const configs = Object.entries(environments).map(([label, raw]) => resolveEnvironment(raw, label));
    expect(ciRepository(configs)).toEqual({ githubOwner: "acme", githubRepo: "iot-shadow-platform" });
    const other = configs.map((c, i) => (i === 0 ? { ...c, ci: { githubOwner: "acme", githubRepo: "fork" } } : c));
    expect(() => ciRepository(other)).toThrow(/name different repositories in ci \(acme\/fork, acme\/iot-shadow-platform\)/);
    const missing = configs.map((c, i) => (i === 1 ? { ...c, ci: undefined } : c));
    expect(() => ciRepository(missing)).toThrow(/environment "staging" has no ci\.githubOwner\/ci\.githubRepo while others do/);
    const none = configs.map((c) => ({ ...c, ci: undefined }));
    expect(ciRepository(none)).toBeUndefined();
    const withoutCi = Object.fromEntries(Object.entries(environments).map(([k, v]) => [k, { ...v, ci: undefined }]));
    const { built } = synthAll({ environments: withoutCi });
    expect(built.ciAccess).toEqual([]);
    expect(built.deployments.length).toBe(3);
  });

  it("refuses, as a config error naming the environments by label, a class in two accounts or an account with two state buckets", () => {
    // A copy of staging (README "Add an environment") put in another account, then in staging's account with its own bucket.
    const qa = { ...JSON.parse(JSON.stringify(environments.staging)), namePrefix: "iotqa" };
    const elsewhere = JSON.parse(JSON.stringify(qa).replace(/222222222222/g, "444444444444"));
    expect(() => synthAll({ environments: { ...environments, qa: elsewhere } })).toThrow(
      expect.objectContaining({
        name: "ConfigError",
        message: expect.stringContaining('GitHub environment "staging" would deploy to accounts 222222222222 ("staging") and 444444444444 ("qa")'),
      }),
    );
    const ownBucket = { ...qa, account: { ...qa.account, region: "eu-central-1" }, state: { ...qa.state, bucket: "acme-qa-tfstate-222222222222" } };
    expect(() => synthAll({ environments: { ...environments, qa: ownBucket } })).toThrow(
      expect.objectContaining({
        name: "ConfigError",
        message: expect.stringMatching(/account 222222222222 keep state in different buckets or keys \("staging": acme-iot-tfstate-222222222222-eu-west-1 .*"qa": acme-qa-tfstate-222222222222 .*same state\.bucket/),
      }),
    );
  });
});

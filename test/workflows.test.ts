/**
 * Lints the GitHub workflows offline: they parse, grant least privilege per job, use OIDC instead
 * of keys, pin actions by commit SHA, plan and apply the stacks the app lists, run in the GitHub
 * environments the synthesized CI roles trust, and reference npm scripts and script files that exist.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { synthAll, resourcesOf, TfJson } from "./helpers/synth-app";

interface Step {
  readonly name?: string;
  readonly id?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly if?: string;
  readonly with?: Readonly<Record<string, unknown>>;
  readonly env?: Readonly<Record<string, unknown>>;
  readonly "working-directory"?: string;
}
interface Job {
  readonly uses?: string;
  readonly with?: Readonly<Record<string, unknown>>;
  readonly needs?: string | readonly string[];
  readonly if?: string;
  readonly environment?: string | { readonly name: string };
  readonly permissions?: Readonly<Record<string, string>> | string;
  readonly outputs?: Readonly<Record<string, string>>;
  readonly concurrency?: string | { readonly group: string; readonly "cancel-in-progress"?: boolean };
  readonly strategy?: { readonly matrix?: Readonly<Record<string, unknown>> };
  readonly env?: Readonly<Record<string, string>>;
  readonly "timeout-minutes"?: number;
  readonly steps?: readonly Step[];
}
interface Workflow {
  readonly name?: string;
  readonly on: Readonly<Record<string, unknown>>;
  readonly permissions?: Readonly<Record<string, string>> | string;
  readonly concurrency?: { readonly group: string; readonly "cancel-in-progress"?: boolean };
  readonly jobs: Readonly<Record<string, Job>>;
}

const ROOT = path.resolve(__dirname, "..");
const WORKFLOW_DIR = path.join(ROOT, ".github", "workflows");
const files = fs.readdirSync(WORKFLOW_DIR).filter((f) => /\.ya?ml$/.test(f)).sort();
const raw: Record<string, string> = Object.fromEntries(files.map((f) => [f, fs.readFileSync(path.join(WORKFLOW_DIR, f), "utf8")]));
const workflows: Record<string, Workflow> = Object.fromEntries(files.map((f) => [f, parse(raw[f]) as Workflow]));
const packageScripts = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts?: Record<string, string> }).scripts ?? {};

const stepsOf = (wf: Workflow): Step[] => Object.values(wf.jobs).flatMap((job) => job.steps ?? []);
const allSteps = (): [string, Step][] => files.flatMap((f) => stepsOf(workflows[f]).map((s): [string, Step] => [f, s]));
const allJobs = (): [string, string, Job][] => files.flatMap((f) => Object.entries(workflows[f].jobs).map(([id, j]): [string, string, Job] => [f, id, j]));
const runs = (): [string, string][] => allSteps().flatMap(([f, s]) => (s.run ? [[f, s.run] as [string, string]] : []));
const usesOf = (prefix: string): [string, Step][] => allSteps().filter(([, s]) => s.uses?.startsWith(`${prefix}@`));
const usesAction = (step: Step | undefined, action: string): boolean => step?.uses?.startsWith(`${action}@`) ?? false;
const needsOf = (job: Job): string[] => (job.needs === undefined ? [] : typeof job.needs === "string" ? [job.needs] : [...job.needs]);
const envName = (job: Job): string | undefined => (typeof job.environment === "string" ? job.environment : job.environment?.name);
const assumesRole = (job: Job): boolean => (job.steps ?? []).some((s) => usesAction(s, "aws-actions/configure-aws-credentials"));
const calledWorkflow = (job: Job): Workflow => workflows[path.basename(job.uses!)];

const { built, stacks } = synthAll();
const ciAccessStacks = Object.entries(stacks).filter(([name]) => built.ciAccess.some((s) => s.node.id === name));

/** The `sub` values the synthesized roles trust, as GitHub environment names, split by role kind. */
function trustedEnvironments(kind: "plan" | "deploy"): Set<string> {
  const out = new Set<string>();
  for (const [, s] of ciAccessStacks) {
    for (const [, role] of resourcesOf(s, "aws_iam_role")) {
      if (!String(role.name).includes(`-ci-${kind}-`)) continue;
      for (const st of JSON.parse(role.assume_role_policy).Statement) {
        const sub: string = st.Condition.StringEquals["token.actions.githubusercontent.com:sub"];
        const m = /^repo:([^:]+)\/([^:]+):environment:(.+)$/.exec(sub);
        expect(m).not.toBeNull();
        out.add(m![3]);
      }
    }
  }
  return out;
}

describe("workflow files", () => {
  it("include the pull-request, deploy and reusable apply workflows, all parseable", () => {
    expect(files).toEqual(expect.arrayContaining(["pr.yml", "deploy.yml", "apply-environment.yml"]));
    for (const f of files) {
      expect(typeof workflows[f].name).toBe("string");
      expect(Object.keys(workflows[f].jobs ?? {}).length).toBeGreaterThan(0);
    }
  });

  it("grant permissions per job, none at the top, and id-token: write only where a role is assumed", () => {
    for (const f of files) expect({ f, top: workflows[f].permissions }).toEqual({ f, top: {} });
    for (const [f, id, job] of allJobs()) {
      const perms = job.permissions;
      expect({ f, id, type: typeof perms }).toEqual({ f, id, type: "object" });
      expect(Object.values(perms as Record<string, string>).every((p) => p === "read" || p === "write" || p === "none")).toBe(true);
      // A caller job of a reusable workflow grants what the called jobs need, and no more.
      const needsToken = job.uses ? Object.values(calledWorkflow(job).jobs).some(assumesRole) : assumesRole(job);
      expect({ f, id, idToken: (perms as Record<string, string>)["id-token"] === "write" }).toEqual({ f, id, idToken: needsToken });
    }
    // Jobs that run the repository's code without assuming a role get no write permission at all.
    for (const [f, id, job] of allJobs().filter(([, , j]) => j.steps?.some((s) => /\bnpm (ci|test)\b/.test(s.run ?? "")) && !assumesRole(j))) {
      expect({ f, id, perms: job.permissions }).toEqual({ f, id, perms: { contents: "read" } });
    }
  });

  it("use GitHub OIDC roles from variables, never long-lived AWS keys or other secrets", () => {
    for (const f of files) {
      expect(raw[f]).not.toMatch(/AWS_ACCESS_KEY_ID:|AWS_SECRET_ACCESS_KEY:|aws-access-key-id|aws-secret-access-key/i);
      const secrets = [...raw[f].matchAll(/secrets\.([A-Za-z0-9_]+)/g)].map((m) => m[1]);
      expect(secrets.filter((s) => s !== "GITHUB_TOKEN")).toEqual([]);
    }
    const credentialSteps = usesOf("aws-actions/configure-aws-credentials");
    expect(credentialSteps.length).toBeGreaterThanOrEqual(3);
    for (const [, step] of credentialSteps) {
      expect(String(step.with?.["role-to-assume"])).toMatch(/^\$\{\{\s*vars[.[]/);
      expect(Object.keys(step.with ?? {}).filter((k) => /key|token/i.test(k))).toEqual([]);
    }
  });

  it("run only npm scripts that exist in package.json and install with npm ci", () => {
    const named = runs().flatMap(([, r]) => [...r.matchAll(/\bnpm run ([\w:-]+)/g)].map((m) => m[1]));
    expect(named).toEqual(expect.arrayContaining(["synth", "check"]));
    for (const script of new Set(named)) expect({ script, exists: script in packageScripts }).toEqual({ script, exists: true });
    if (runs().some(([, r]) => /\bnpm test\b/.test(r))) expect(packageScripts).toHaveProperty("test");
    for (const [, r] of runs()) expect(r).not.toMatch(/\bnpm (install|i)\b/);
  });

  it("reference only scripts/ files that exist", () => {
    const referenced = new Set(runs().flatMap(([, r]) => [...r.matchAll(/\bscripts\/[\w./-]+\.(?:ts|mjs|js|sh)\b/g)].map((m) => m[0])));
    expect([...referenced]).toEqual(expect.arrayContaining(["scripts/plan-summary.ts", "scripts/synth-diff.ts", "scripts/ci-stacks.ts"]));
    for (const file of referenced) expect({ file, exists: fs.existsSync(path.join(ROOT, file)) }).toEqual({ file, exists: true });
  });

  it("pin every action to a full commit SHA with its tag in a comment, the same SHA everywhere", () => {
    const lines = files.flatMap((f) => raw[f].split("\n").filter((l) => /^\s*(-\s+)?uses:/.test(l)).map((l) => [f, l.trim()] as const));
    expect(lines.length).toBeGreaterThan(10);
    const shaOf = new Map<string, string>();
    for (const [f, line] of lines) {
      const ref = line.replace(/^(-\s+)?uses:\s*/, "");
      if (ref.startsWith("./")) {
        expect(fs.existsSync(path.join(ROOT, ref))).toBe(true);
        continue;
      }
      const m = /^([\w.-]+\/[\w./-]+)@([0-9a-f]{40}) # v\d+(\.\d+){0,2}$/.exec(ref);
      expect({ f, line, pinned: m !== null }).toEqual({ f, line, pinned: true });
      const [, action, sha] = m!;
      expect({ action, sha }).toEqual({ action, sha: shaOf.get(action) ?? sha });
      shaOf.set(action, sha);
    }
    // The parsed `uses:` values are the bare pins (the comment is YAML comment, not part of the value).
    for (const [, s] of allSteps()) if (s.uses && !s.uses.startsWith("./")) expect(s.uses).toMatch(/@[0-9a-f]{40}$/);
  });

  it("have Dependabot keep the action pins current", () => {
    const config = parse(fs.readFileSync(path.join(ROOT, ".github", "dependabot.yml"), "utf8")) as { version: number; updates: { "package-ecosystem": string; directory: string; schedule: { interval: string } }[] };
    expect(config.version).toBe(2);
    expect(config.updates).toEqual(expect.arrayContaining([expect.objectContaining({ "package-ecosystem": "github-actions", directory: "/", schedule: expect.objectContaining({ interval: expect.any(String) }) })]));
  });

  it("check out without leaving the token in .git/config", () => {
    const checkouts = usesOf("actions/checkout");
    expect(checkouts.length).toBeGreaterThanOrEqual(3);
    for (const [f, step] of checkouts) expect({ f, persist: step.with?.["persist-credentials"] }).toEqual({ f, persist: false });
  });

  it("install Terraform >= 1.11 (S3-native state locking, ephemeral variables) at an exact version, without the wrapper", () => {
    const steps = usesOf("hashicorp/setup-terraform");
    expect(steps.map(([f]) => f)).toEqual(expect.arrayContaining(["pr.yml", "apply-environment.yml"]));
    for (const [, step] of steps) {
      const version = String(step.with?.terraform_version);
      const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
      expect(m).not.toBeNull();
      const [major, minor] = [Number(m![1]), Number(m![2])];
      expect(major > 1 || (major === 1 && minor >= 11)).toBe(true);
      expect(step.with?.terraform_wrapper).toBe(false);
    }
  });

  it("set up Node 20 with the npm cache", () => {
    const steps = usesOf("actions/setup-node");
    expect(steps.length).toBeGreaterThanOrEqual(3);
    for (const [, step] of steps) expect(step.with).toEqual(expect.objectContaining({ "node-version": 20, cache: "npm" }));
  });

  it("never interpolate pull-request event data straight into shell (script injection)", () => {
    for (const [, r] of runs()) expect(r).not.toMatch(/\$\{\{\s*github\.event/);
  });

  it("bound every job that runs steps with a timeout", () => {
    for (const f of files) for (const job of Object.values(workflows[f].jobs)) if (job.steps) expect(job["timeout-minutes"]).toBeGreaterThan(0);
  });
});

describe("GitHub environments and the roles that trust them", () => {
  const deployCallers = Object.values(workflows["deploy.yml"].jobs).filter((j) => j.uses);
  const deployed = deployCallers.map((j) => String(j.with?.environment));
  const prPlanned = [...new Set(built.deployments.filter((d) => d.planInPullRequests).map((d) => d.environment))];

  /** Environment names a job can run in, with `inputs.environment` / `matrix.environment` expanded. */
  function environmentsOf(file: string, job: Job): string[] {
    const name = envName(job);
    if (name === undefined) return [];
    if (name.includes("inputs.environment")) return deployed.map((e) => name.replace(/\$\{\{\s*inputs\.environment\s*\}\}/, e));
    if (name.includes("matrix.environment")) return prPlanned.map((e) => name.replace(/\$\{\{\s*matrix\.environment\s*\}\}/, e));
    expect({ file, name, literal: !name.includes("${{") }).toEqual({ file, name, literal: true });
    return [name];
  }

  const jobsAssuming = (variable: string) => allJobs().filter(([, , j]) => (j.steps ?? []).some((s) => String(s.with?.["role-to-assume"]).includes(`vars.${variable}`)));

  it("plan jobs run in exactly the environments the plan roles trust (plan-<env>)", () => {
    const used = new Set(jobsAssuming("PLAN_ROLE_ARN").flatMap(([f, , j]) => environmentsOf(f, j)));
    expect([...used].sort()).toEqual([...trustedEnvironments("plan")].sort());
    for (const e of used) expect(e).toMatch(/^plan-/);
  });

  it("apply jobs run in exactly the environments the deploy roles trust (<env>)", () => {
    const used = new Set(jobsAssuming("DEPLOY_ROLE_ARN").flatMap(([f, , j]) => environmentsOf(f, j)));
    expect([...used].sort()).toEqual([...trustedEnvironments("deploy")].sort());
    expect([...used].sort()).toEqual([...new Set(built.deployments.map((d) => d.environment))].sort());
  });

  it("every job that assumes a role runs in a GitHub environment (the role trusts no other subject)", () => {
    for (const [f, id, job] of allJobs().filter(([, , j]) => assumesRole(j))) expect({ f, id, environment: envName(job) !== undefined }).toEqual({ f, id, environment: true });
  });

  it("pull requests plan only environments whose plan role accepts any ref", () => {
    const refFree = new Set<string>();
    for (const [, s] of ciAccessStacks) {
      for (const [, role] of resourcesOf(s, "aws_iam_role").filter(([, r]) => String(r.name).includes("-ci-plan-"))) {
        const [st] = JSON.parse(role.assume_role_policy).Statement;
        const sub: string = st.Condition.StringEquals["token.actions.githubusercontent.com:sub"];
        if (st.Condition.StringEquals["token.actions.githubusercontent.com:ref"] === undefined) refFree.add(sub.split(":environment:plan-")[1]);
      }
    }
    expect(prPlanned.sort()).toEqual([...refFree].sort());
    expect(prPlanned).toEqual(["dev"]);
  });
});

describe("pull-request workflow", () => {
  const wf = workflows["pr.yml"];
  const test = wf.jobs.test;
  const plan = wf.jobs.plan;
  const planSteps = plan.steps ?? [];
  const stepRunning = (steps: readonly Step[], pattern: RegExp) => steps.findIndex((s) => pattern.test(s.run ?? ""));

  it("runs on pull requests", () => {
    expect(wf.on).toHaveProperty("pull_request");
  });

  it("tests, synthesizes, runs the offline checks and uploads cdktf.out, in that order", () => {
    const steps = test.steps ?? [];
    expect(usesAction(steps[0], "actions/checkout")).toBe(true);
    const order = [/^npm ci\b/, /^npm test\b/, /^npm run synth\b/, /^npm run check\b/].map((p) => stepRunning(steps, p));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    const upload = steps.findIndex((s) => usesAction(s, "actions/upload-artifact") && s.with?.path === "cdktf.out");
    expect(upload).toBeGreaterThan(order[3]);
  });

  it("diffs the synthesized JSON against the base commit and posts it from a job that runs no pull-request code", () => {
    const steps = test.steps ?? [];
    expect(steps[0].with?.["fetch-depth"]).toBe(0);
    const diff = steps.find((s) => /scripts\/synth-diff\.ts/.test(s.run ?? ""));
    expect(diff?.run).toMatch(/"\$BASE_SHA" --head-dir cdktf\.out > synth-diff\.md/);
    expect(diff?.env?.BASE_SHA).toBe("${{ github.event.pull_request.base.sha }}");
    expect(steps.some((s) => usesAction(s, "marocchino/sticky-pull-request-comment"))).toBe(false);
    const comment = wf.jobs["synth-diff-comment"];
    expect(comment.permissions).toEqual({ "pull-requests": "write" });
    expect((comment.steps ?? []).every((s) => s.run === undefined && !usesAction(s, "actions/checkout"))).toBe(true);
    const post = comment.steps?.find((s) => usesAction(s, "marocchino/sticky-pull-request-comment"));
    expect(post?.with).toEqual({ header: "synth-diff", path: "synth-diff.md" });
  });

  it("plans one job per stack of the stacks the app lists for pull requests", () => {
    expect(needsOf(plan)).toEqual(["test"]);
    expect(test.outputs?.["plan-matrix"]).toBe("${{ steps.stacks.outputs.matrix }}");
    const list = (test.steps ?? []).find((s) => s.id === "stacks");
    expect(list?.run).toMatch(/npx tsx scripts\/ci-stacks\.ts > cdktf\.out\/ci-stacks\.json/);
    expect(list?.run).toMatch(/matrix=\$\(jq -c '\.pullRequestPlans' cdktf\.out\/ci-stacks\.json\)" >> "\$GITHUB_OUTPUT"/);
    expect(plan.strategy?.matrix).toEqual({ include: "${{ fromJSON(needs.test.outputs.plan-matrix) }}" });
    expect(plan.env?.STACK).toBe("${{ matrix.stack }}");
    expect(envName(plan)).toBe("plan-${{ matrix.environment }}");
    expect(plan.if).toMatch(/head\.repo\.full_name == github\.repository/);
    expect(plan.if).toMatch(/dependabot\[bot\]/);
  });

  it("assumes the environment's read-only plan role, with the provider's assume_role left empty", () => {
    const creds = planSteps.find((s) => usesAction(s, "aws-actions/configure-aws-credentials"));
    expect(creds?.with?.["role-to-assume"]).toBe("${{ vars.PLAN_ROLE_ARN }}");
    expect(plan.env?.TF_VAR_assume_role_arn).toBe("");
    // Dependencies are installed before any credentials exist.
    expect(stepRunning(planSteps, /^npm ci\b/)).toBeLessThan(planSteps.indexOf(creds!));
  });

  it("runs terraform init and a lock-free plan inside the stack's directory", () => {
    const step = planSteps.find((s) => s.id === "plan");
    expect(step?.["working-directory"]).toBe("cdktf.out/stacks/${{ env.STACK }}");
    expect(step?.run).toMatch(/terraform init -input=false/);
    expect(step?.run).toMatch(/terraform plan [^\n]*-lock=false[^\n]*-out=tfplan/);
    const show = planSteps.find((s) => /terraform show -json tfplan > plan\.json/.test(s.run ?? ""));
    expect(show?.run).toMatch(/terraform show -no-color tfplan > plan\.txt/);
  });

  it("drops the AWS credentials before repository scripts and third-party actions run", () => {
    const drop = stepRunning(planSteps, /AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN[\s\S]*>> "\$GITHUB_ENV"/);
    expect(drop).toBeGreaterThan(planSteps.findIndex((s) => /terraform show -json/.test(s.run ?? "")));
    expect(drop).toBeLessThan(stepRunning(planSteps, /scripts\/plan-summary\.ts/));
    expect(drop).toBeLessThan(planSteps.findIndex((s) => usesAction(s, "marocchino/sticky-pull-request-comment")));
  });

  it("summarizes the plan, uploads only its text, and posts one sticky comment per stack", () => {
    const summarize = stepRunning(planSteps, /scripts\/plan-summary\.ts/);
    const run = planSteps[summarize].run ?? "";
    expect(run).toMatch(/plan-summary\.ts "\$dir\/plan\.json" --stack "\$STACK" --plan-text "\$dir\/plan\.txt" --artifact-url "\$ARTIFACT_URL" > plan-summary\.md/);
    expect(run).toMatch(/--plan-error "\$dir\/plan-error\.txt"/);
    const upload = planSteps.findIndex((s) => usesAction(s, "actions/upload-artifact"));
    expect(upload).toBeGreaterThan(-1);
    expect(upload).toBeLessThan(summarize);
    expect(String(planSteps[upload].with?.path)).not.toMatch(/plan\.json|tfplan\b/);
    const post = planSteps.findIndex((s) => usesAction(s, "marocchino/sticky-pull-request-comment"));
    expect(post).toBeGreaterThan(summarize);
    expect(planSteps[post].with).toEqual({ header: "${{ env.STACK }}", path: "plan-summary.md" });
  });
});

describe("deploy workflow", () => {
  const wf = workflows["deploy.yml"];
  const called = workflows["apply-environment.yml"];
  const planJob = called.jobs.plan;
  const applyJob = called.jobs.apply;
  const runOf = (job: Job, pattern: RegExp) => (job.steps ?? []).find((s) => pattern.test(s.run ?? ""))?.run ?? "";
  const STACK_LIST = `jq -r --arg env "$ENVIRONMENT" '.deployments[] | select(.environment == $env) | .stacks[]' cdktf.out/ci-stacks.json`;

  it("runs on pushes to main and never cancels a running deploy", () => {
    expect(wf.on).toEqual({ push: { branches: ["main"] } });
    expect(wf.concurrency?.["cancel-in-progress"]).toBe(false);
  });

  it("deploys dev, then staging, then prod, each through the reusable plan-and-apply workflow", () => {
    expect(needsOf(wf.jobs.dev)).toEqual(["synth"]);
    expect(needsOf(wf.jobs.staging)).toEqual(["dev"]);
    expect(needsOf(wf.jobs.prod)).toEqual(["staging"]);
    for (const env of ["dev", "staging", "prod"]) {
      expect(wf.jobs[env].uses).toBe("./.github/workflows/apply-environment.yml");
      expect(wf.jobs[env].with).toEqual({ environment: env });
    }
    expect(called.on).toHaveProperty("workflow_call");
    expect(wf.jobs.dev.if).toBeUndefined();
  });

  it("plans in plan-<env> with the plan role, then applies in <env> (protection rules) with the deploy role", () => {
    expect(envName(planJob)).toBe("plan-${{ inputs.environment }}");
    expect(envName(applyJob)).toBe("${{ inputs.environment }}");
    expect(needsOf(applyJob)).toEqual(["plan"]);
    const role = (job: Job) => (job.steps ?? []).find((s) => usesAction(s, "aws-actions/configure-aws-credentials"))?.with?.["role-to-assume"];
    expect(role(planJob)).toBe("${{ vars.PLAN_ROLE_ARN }}");
    expect(role(applyJob)).toBe("${{ vars.DEPLOY_ROLE_ARN }}");
    expect(applyJob.concurrency).toEqual({ group: "apply-${{ inputs.environment }}", "cancel-in-progress": false });
  });

  it("applies exactly the saved plans of its plan job, which approvers see in the plan job's summary", () => {
    const plan = runOf(planJob, /terraform -chdir="\$dir" plan/);
    expect(plan).toMatch(/terraform -chdir="\$dir" plan -input=false -lock=false -no-color -out=tfplan/);
    expect(plan).toMatch(/cp "\$dir\/tfplan" "saved-plans\/\$stack\/tfplan"/);
    expect(plan).toMatch(/cp "\$dir\/\.terraform\.lock\.hcl" "saved-plans\/\$stack\/terraform\.lock\.hcl"/);
    expect(plan).toMatch(/>> "\$GITHUB_STEP_SUMMARY"/);
    expect(plan).not.toMatch(/terraform[^\n]* apply/);
    const upload = (planJob.steps ?? []).find((s) => usesAction(s, "actions/upload-artifact"));
    expect(upload?.with).toEqual(expect.objectContaining({ name: "saved-plans-${{ inputs.environment }}", path: "saved-plans", "retention-days": 1 }));

    const download = (applyJob.steps ?? []).find((s) => usesAction(s, "actions/download-artifact") && s.with?.name === "saved-plans-${{ inputs.environment }}");
    expect(download?.with).toEqual({ name: "saved-plans-${{ inputs.environment }}", path: "saved-plans" });
    const apply = runOf(applyJob, /terraform[^\n]* apply/);
    expect(apply).toMatch(/terraform -chdir="\$dir" init -input=false -no-color -lockfile=readonly/);
    expect(apply).toMatch(/terraform -chdir="\$dir" apply -input=false -no-color "\$PWD\/saved-plans\/\$stack\/tfplan"/);
    expect(apply).not.toMatch(/terraform[^\n]* plan\b/);
  });

  it("plans without assuming the deployer and applies through it (an ephemeral variable, not stored in the plan)", () => {
    expect(planJob.env?.TF_VAR_assume_role_arn).toBe("");
    expect(applyJob.env?.TF_VAR_assume_role_arn).toBe("${{ vars.DEPLOYER_ROLE_ARN }}");
    for (const [name, s] of Object.entries(stacks)) {
      expect({ name, role_arn: s.provider.aws[0].assume_role[0].role_arn }).toEqual({ name, role_arn: "${var.assume_role_arn}" });
      expect({ name, ephemeral: s.variable.assume_role_arn.ephemeral }).toEqual({ name, ephemeral: true });
    }
  });

  it("plans and applies the stacks the app lists for the environment, in its order", () => {
    const synth = wf.jobs.synth.steps ?? [];
    const list = synth.findIndex((s) => /^npx tsx scripts\/ci-stacks\.ts > cdktf\.out\/ci-stacks\.json$/.test(s.run ?? ""));
    const upload = synth.findIndex((s) => usesAction(s, "actions/upload-artifact") && s.with?.name === "cdktf-out");
    expect(list).toBeGreaterThan(synth.findIndex((s) => /^npm run synth\b/.test(s.run ?? "")));
    expect(upload).toBeGreaterThan(list);
    expect(runOf(planJob, /terraform -chdir="\$dir" plan/)).toContain(STACK_LIST);
    expect(runOf(applyJob, /terraform[^\n]* apply/)).toContain(`for stack in $(${STACK_LIST}); do`);
  });

  it("stops before a stack whose dependency changed its outputs in the same run (its plan used the old values)", () => {
    expect(runOf(planJob, /outputs-changed/)).toMatch(/show -json tfplan \| jq -e '\[\(\.output_changes \/\/ \{\}\)\[\] \| select\(\.actions != \["no-op"\]\)\] \| length > 0'/);
    const apply = runOf(applyJob, /terraform[^\n]* apply/);
    expect(apply).toMatch(/\.stacks\[\$s\]\.dependencies\[\]\?' cdktf\.out\/manifest\.json/);
    expect(apply).toMatch(/grep -qx "\$dep" saved-plans\/outputs-changed\.txt/);
    expect(apply.indexOf("outputs-changed")).toBeLessThan(apply.indexOf("terraform -chdir"));
  });

  it("uses exactly what the synth job tested", () => {
    const synth = wf.jobs.synth.steps ?? [];
    expect(synth.some((s) => usesAction(s, "actions/upload-artifact") && s.with?.name === "cdktf-out")).toBe(true);
    for (const job of [planJob, applyJob]) {
      expect(job.steps?.[0]).toEqual(expect.objectContaining({ with: { name: "cdktf-out", path: "cdktf.out" } }));
      expect(usesAction(job.steps?.[0], "actions/download-artifact")).toBe(true);
      expect((job.steps ?? []).some((s) => usesAction(s, "actions/checkout") || /\bnpm\b|\bnpx\b/.test(s.run ?? ""))).toBe(false);
    }
  });
});

describe("what CI deploys (built.deployments, printed by scripts/ci-stacks.ts)", () => {
  const s3Stacks = (s: TfJson) => s.terraform.backend?.s3 !== undefined;
  const listed = built.deployments.flatMap((d) => d.stacks.map((s) => s.name));

  it("every stack with remote state, once, except the CI access stacks (applied by an administrator)", () => {
    const expected = Object.entries(stacks)
      .filter(([name, s]) => s3Stacks(s) && !ciAccessStacks.some(([n]) => n === name))
      .map(([name]) => name);
    expect([...listed].sort()).toEqual(expected.sort());
    expect(new Set(listed).size).toBe(listed.length);
    expect(listed).toEqual(expect.arrayContaining(["hvac-dev-data", "hvac-prod-platform", "iot-333333333333-eu-west-1-baseline"]));
    expect(listed.some((n) => n.includes("-state-") || n.endsWith("-ci-access"))).toBe(false);
  });

  it("per environment: the baseline first, data stacks before platform stacks, one account, its stacks' state keys", () => {
    for (const d of built.deployments) {
      const names = d.stacks.map((s) => s.name);
      expect(names[0]).toMatch(/-baseline$/);
      const lastData = Math.max(...names.map((n, i) => (n.endsWith("-data") ? i : -1)));
      const firstPlatform = names.findIndex((n) => n.endsWith("-platform"));
      expect(lastData).toBeLessThan(firstPlatform);
      for (const s of d.stacks) {
        expect(stacks[s.name].terraform.backend.s3.key).toBe(s.stateKey);
        expect(stacks[s.name].provider.aws[0].allowed_account_ids).toEqual([d.accountId]);
      }
    }
  });

  it("matches what scripts/ci-stacks.ts prints (the file the workflows read)", () => {
    const { spawnSync } = require("node:child_process") as typeof import("node:child_process");
    const out = spawnSync(process.execPath, [require.resolve("tsx/cli"), "scripts/ci-stacks.ts"], { cwd: ROOT, encoding: "utf8" });
    expect({ status: out.status, stderr: out.status === 0 ? "" : out.stderr }).toEqual({ status: 0, stderr: "" });
    const printed = JSON.parse(out.stdout);
    expect(printed.deployments.map((d: { environment: string; stacks: string[] }) => [d.environment, d.stacks])).toEqual(
      built.deployments.map((d) => [d.environment, d.stacks.map((s) => s.name)]),
    );
    expect(printed.pullRequestPlans).toEqual(built.deployments.filter((d) => d.planInPullRequests).flatMap((d) => d.stacks.map((s) => ({ environment: d.environment, stack: s.name }))));
  });
});

/**
 * Lints the GitHub workflows offline: they parse, grant least privilege, use OIDC instead of
 * keys, pin actions, and reference npm scripts and script files that exist.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

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
const runs = (): [string, string][] => allSteps().flatMap(([f, s]) => (s.run ? [[f, s.run] as [string, string]] : []));
const usesOf = (prefix: string): [string, Step][] => allSteps().filter(([, s]) => s.uses?.startsWith(`${prefix}@`));
const needsOf = (job: Job): string[] => (job.needs === undefined ? [] : typeof job.needs === "string" ? [job.needs] : [...job.needs]);
const envName = (job: Job): string | undefined => (typeof job.environment === "string" ? job.environment : job.environment?.name);

describe("workflow files", () => {
  it("include the pull-request, deploy and reusable apply workflows, all parseable", () => {
    expect(files).toEqual(expect.arrayContaining(["pr.yml", "deploy.yml", "apply-environment.yml"]));
    for (const f of files) {
      expect(typeof workflows[f].name).toBe("string");
      expect(Object.keys(workflows[f].jobs ?? {}).length).toBeGreaterThan(0);
    }
  });

  it("declare least-privilege permissions at the top", () => {
    expect(workflows["pr.yml"].permissions).toEqual({ contents: "read", "pull-requests": "write", "id-token": "write" });
    expect(workflows["deploy.yml"].permissions).toEqual({ contents: "read", "id-token": "write" });
    for (const f of files) {
      const perms = workflows[f].permissions;
      expect(typeof perms).toBe("object");
      expect(Object.values(perms as Record<string, string>).every((p) => p === "read" || p === "write" || p === "none")).toBe(true);
    }
  });

  it("use GitHub OIDC roles from variables, never long-lived AWS keys or other secrets", () => {
    for (const f of files) {
      expect(raw[f]).not.toMatch(/AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|aws-access-key-id|aws-secret-access-key/i);
      const secrets = [...raw[f].matchAll(/secrets\.([A-Za-z0-9_]+)/g)].map((m) => m[1]);
      expect(secrets.filter((s) => s !== "GITHUB_TOKEN")).toEqual([]);
    }
    const credentialSteps = usesOf("aws-actions/configure-aws-credentials");
    expect(credentialSteps.length).toBeGreaterThanOrEqual(2);
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
    expect([...referenced]).toEqual(expect.arrayContaining(["scripts/plan-summary.ts", "scripts/synth-diff.ts"]));
    for (const file of referenced) expect({ file, exists: fs.existsSync(path.join(ROOT, file)) }).toEqual({ file, exists: true });
  });

  it("pin every action to a major version (or a commit) and point local workflows at existing files", () => {
    const refs = files.flatMap((f) => [
      ...stepsOf(workflows[f]).flatMap((s) => (s.uses ? [s.uses] : [])),
      ...Object.values(workflows[f].jobs).flatMap((j) => (j.uses ? [j.uses] : [])),
    ]);
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) {
      if (ref.startsWith("./")) expect(fs.existsSync(path.join(ROOT, ref))).toBe(true);
      else expect(ref).toMatch(/^[\w.-]+\/[\w./-]+@(v\d+|[0-9a-f]{40})$/);
    }
  });

  it("install Terraform >= 1.11 (S3-native state locking) at an exact version, without the wrapper", () => {
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
    expect(steps[0].uses).toBe("actions/checkout@v4");
    const order = [/^npm ci\b/, /^npm test\b/, /^npm run synth\b/, /^npm run check\b/].map((p) => stepRunning(steps, p));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    const upload = steps.findIndex((s) => s.uses === "actions/upload-artifact@v4" && s.with?.path === "cdktf.out");
    expect(upload).toBeGreaterThan(order[3]);
  });

  it("diffs the synthesized JSON against the base commit and posts it as its own sticky comment", () => {
    const steps = test.steps ?? [];
    expect(steps[0].with?.["fetch-depth"]).toBe(0);
    const diff = steps.find((s) => /scripts\/synth-diff\.ts/.test(s.run ?? ""));
    expect(diff?.run).toMatch(/"\$BASE_SHA" --head-dir cdktf\.out > synth-diff\.md/);
    expect(diff?.env?.BASE_SHA).toBe("${{ github.event.pull_request.base.sha }}");
    const post = steps.find((s) => s.uses === "marocchino/sticky-pull-request-comment@v2");
    expect(post?.with).toEqual({ header: "synth-diff", path: "synth-diff.md" });
  });

  it("plans every environment stack, and only those, after the tests pass", () => {
    expect(needsOf(plan)).toEqual(["test"]);
    const matrix = plan.strategy?.matrix as { environment: string[]; layer: string[]; include: { environment: string; plan_role_var: string }[] };
    expect(matrix.environment).toEqual(["dev", "staging", "prod"]);
    expect(matrix.layer).toEqual(["data", "platform"]);
    expect(matrix.include).toEqual(matrix.environment.map((e) => ({ environment: e, plan_role_var: `PLAN_ROLE_ARN_${e.toUpperCase()}` })));
    expect(plan.env?.STACK).toMatch(/-\$\{\{ matrix\.environment \}\}-\$\{\{ matrix\.layer \}\}$/);
    expect(JSON.stringify(plan)).not.toMatch(/-state-/);
  });

  it("assumes the environment's read-only plan role from a repository variable", () => {
    const creds = planSteps.find((s) => s.uses === "aws-actions/configure-aws-credentials@v4");
    expect(creds?.with?.["role-to-assume"]).toBe("${{ vars[matrix.plan_role_var] }}");
  });

  it("runs terraform init and a lock-free plan inside the stack's directory", () => {
    const step = planSteps.find((s) => s.id === "plan");
    expect(step?.["working-directory"]).toBe("cdktf.out/stacks/${{ env.STACK }}");
    expect(step?.run).toMatch(/terraform init -input=false/);
    expect(step?.run).toMatch(/terraform plan [^\n]*-lock=false[^\n]*-out=tfplan/);
    const show = planSteps.find((s) => /terraform show -json tfplan > plan\.json/.test(s.run ?? ""));
    expect(show?.run).toMatch(/terraform show -no-color tfplan > plan\.txt/);
  });

  it("summarizes the plan, uploads only its text, and posts one sticky comment per stack", () => {
    const summarize = stepRunning(planSteps, /scripts\/plan-summary\.ts/);
    const run = planSteps[summarize].run ?? "";
    expect(run).toMatch(/plan-summary\.ts "\$dir\/plan\.json" --stack "\$STACK" --plan-text "\$dir\/plan\.txt" --artifact-url "\$ARTIFACT_URL" > plan-summary\.md/);
    expect(run).toMatch(/--plan-error "\$dir\/plan-error\.txt"/);
    const upload = planSteps.findIndex((s) => s.uses === "actions/upload-artifact@v4");
    expect(upload).toBeGreaterThan(-1);
    expect(upload).toBeLessThan(summarize);
    expect(String(planSteps[upload].with?.path)).not.toMatch(/plan\.json|tfplan\b/);
    const post = planSteps.findIndex((s) => s.uses === "marocchino/sticky-pull-request-comment@v2");
    expect(post).toBeGreaterThan(summarize);
    expect(planSteps[post].with).toEqual({ header: "${{ env.STACK }}", path: "plan-summary.md" });
  });
});

describe("deploy workflow", () => {
  const wf = workflows["deploy.yml"];

  /** A job's steps and environment, following `uses:` into a local reusable workflow. */
  function resolve(jobId: string): { environment?: string; steps: readonly Step[]; job: Job } {
    const job = wf.jobs[jobId];
    if (!job.uses) return { environment: envName(job), steps: job.steps ?? [], job };
    const called = workflows[path.basename(job.uses)];
    expect(called.on).toHaveProperty("workflow_call");
    const [inner] = Object.values(called.jobs);
    const environment = envName(inner)?.replace(/\$\{\{\s*inputs\.environment\s*\}\}/, String(job.with?.environment));
    return { environment, steps: inner.steps ?? [], job: inner };
  }

  it("runs on pushes to main and never cancels a running deploy", () => {
    expect(wf.on).toEqual({ push: { branches: ["main"] } });
    expect(wf.concurrency?.["cancel-in-progress"]).toBe(false);
  });

  it("applies dev, then staging, then prod, each in its GitHub environment", () => {
    expect(needsOf(wf.jobs.dev)).toEqual(["synth"]);
    expect(needsOf(wf.jobs.staging)).toEqual(["dev"]);
    expect(needsOf(wf.jobs.prod)).toEqual(["staging"]);
    expect(resolve("dev").environment).toBe("dev");
    // Staging and prod wait for their environment's protection rules (required reviewers).
    expect(resolve("staging").environment).toBe("staging");
    expect(resolve("prod").environment).toBe("prod");
    expect(wf.jobs.dev.if).toBeUndefined();
  });

  it("serializes applies per environment", () => {
    for (const env of ["dev", "staging", "prod"]) {
      const { job } = resolve(env);
      expect(job.concurrency).toEqual({ group: "apply-${{ inputs.environment }}", "cancel-in-progress": false });
    }
  });

  it("applies the data stack before the platform stack", () => {
    const { steps, job } = resolve("prod");
    const data = steps.findIndex((s) => s["working-directory"] === "cdktf.out/stacks/${{ env.DATA_STACK }}");
    const platform = steps.findIndex((s) => s["working-directory"] === "cdktf.out/stacks/${{ env.PLATFORM_STACK }}");
    expect(data).toBeGreaterThan(-1);
    expect(platform).toBeGreaterThan(data);
    for (const i of [data, platform]) expect(steps[i].run).toMatch(/terraform init[\s\S]*terraform apply -input=false -no-color tfplan/);
    expect(job.env?.DATA_STACK).toMatch(/-\$\{\{ inputs\.environment \}\}-data$/);
    expect(job.env?.PLATFORM_STACK).toMatch(/-\$\{\{ inputs\.environment \}\}-platform$/);
  });

  it("applies exactly what the synth job tested", () => {
    const synth = wf.jobs.synth.steps ?? [];
    expect(synth.some((s) => s.uses === "actions/upload-artifact@v4" && s.with?.name === "cdktf-out")).toBe(true);
    const { steps } = resolve("dev");
    expect(steps[0]).toEqual(expect.objectContaining({ uses: "actions/download-artifact@v4", with: { name: "cdktf-out", path: "cdktf.out" } }));
  });
});

/**
 * Lints the GitHub workflows offline: they parse, grant least privilege per job, use OIDC instead
 * of keys, pin actions by commit SHA, plan and apply the stacks the app lists, run in the GitHub
 * environments the synthesized CI roles trust, and reference npm scripts and script files that exist.
 *
 * The plan matrices and the deploy order are read the way GitHub reads them: a job output written
 * by `echo "<name>=$(jq -c '<filter>' cdktf.out/ci-stacks.json)"` after `npm run -s stacks -- --json`,
 * then `fromJSON(needs.<job>.outputs.<name>)`, evaluated here on what that command prints.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { TerraformStack, Testing } from "cdktf";
import { parse } from "yaml";
import { ENVIRONMENT_NAMES } from "../lib/config-schema";
import { environments } from "../environments";
import { buildApp } from "../stacks/app";
import { StackListDocument, StackListEntry, deployOrderViolations, listStacks, stackListDocument } from "../stacks/ci-deployments";
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
  readonly name?: string;
  readonly uses?: string;
  readonly with?: Readonly<Record<string, unknown>>;
  readonly needs?: string | readonly string[];
  readonly if?: string;
  readonly environment?: string | { readonly name: string };
  readonly permissions?: Readonly<Record<string, string>> | string;
  readonly outputs?: Readonly<Record<string, string>>;
  readonly concurrency?: string | { readonly group: string; readonly "cancel-in-progress"?: boolean };
  readonly strategy?: { readonly matrix?: Readonly<Record<string, unknown>>; readonly "fail-fast"?: boolean; readonly "max-parallel"?: number };
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

/** What `npm run -s stacks -- --json` prints (package.json: stacks = tsx scripts/ci-stacks.ts), as the workflows read it. */
const LIST_COMMAND = "npm run -s stacks -- --json > cdktf.out/ci-stacks.json";
const listRun = spawnSync(process.execPath, [require.resolve("tsx/cli"), "scripts/ci-stacks.ts", "--json"], { cwd: ROOT, encoding: "utf8" });
const printed: StackListDocument = listRun.status === 0 ? JSON.parse(listRun.stdout) : ({ stacks: [], deployments: [] } as unknown as StackListDocument);
const entry = (name: string): StackListEntry => {
  const found = printed.stacks.find((s) => s.name === name);
  if (!found) throw new Error(`the stack list has no stack ${name}`);
  return found;
};
/** Every stack of the app, with its cdktf dependencies (after synth: cross-stack references included). */
const appStacks = built.environments[0].data.node.root.node.children.filter((c): c is TerraformStack => TerraformStack.isStack(c));

/** A `jq -c` filter of the workflows on the printed list: `.key` or `.key | length`, nothing else. */
function jq(filter: string): unknown {
  const m = /^\.(\w+)( \| length)?$/.exec(filter);
  if (!m) throw new Error(`jq filter ${filter}: keep workflow filters to .<key> or .<key> | length (this test evaluates them)`);
  const value = (printed as unknown as Record<string, unknown[]>)[m[1]];
  if (value === undefined) throw new Error(`jq filter ${filter}: the stack list has no key ${m[1]}`);
  return m[2] ? value.length : value;
}

/** The run-time value of output `output` of job `jobId`: a step writes it from the stack list the job printed before. */
function jobOutput(wf: Workflow, jobId: string, output: string): unknown {
  const job = wf.jobs[jobId];
  const ref = /^\$\{\{ steps\.([\w-]+)\.outputs\.([\w-]+) \}\}$/.exec(job?.outputs?.[output] ?? "");
  expect({ jobId, output, fromStep: ref !== null }).toEqual({ jobId, output, fromStep: true });
  const steps = job.steps ?? [];
  const step = steps.findIndex((s) => s.id === ref![1]);
  const listedAt = steps.findIndex((s) => (s.run ?? "").split("\n").some((l) => l.trim() === LIST_COMMAND));
  expect({ jobId, listsBefore: listedAt >= 0 && listedAt <= step }).toEqual({ jobId, listsBefore: true });
  const write = new RegExp(`echo "${ref![2]}=\\$\\(jq -c '([^']+)' cdktf\\.out/ci-stacks\\.json\\)" >> "\\$GITHUB_OUTPUT"`).exec(steps[step].run ?? "");
  expect({ jobId, output, written: write !== null }).toEqual({ jobId, output, written: true });
  return jq(write![1]);
}

/** `${{ fromJSON(needs.<job>.outputs.<name>) }}`, optionally indexed `[i]`, as GitHub evaluates it for `job`. */
function fromJson(wf: Workflow, job: Job, expression: string): unknown {
  const m = /^\$\{\{ fromJSON\(needs\.([\w-]+)\.outputs\.([\w-]+)\)(?:\[(\d+)\])? \}\}$/.exec(expression);
  if (!m) throw new Error(`${expression} is not \${{ fromJSON(needs.<job>.outputs.<name>) }}`);
  expect(needsOf(job)).toContain(m[1]);
  const value = jobOutput(wf, m[1], m[2]);
  return m[3] === undefined ? value : (value as unknown[])[Number(m[3])];
}

/** The matrix entries of a job whose matrix is `include: ${{ fromJSON(...) }}`. */
function matrixOf(wf: Workflow, job: Job): Record<string, string>[] {
  expect(Object.keys(job.strategy?.matrix ?? {})).toEqual(["include"]);
  return fromJson(wf, job, String(job.strategy!.matrix!.include)) as Record<string, string>[];
}

/** The jobs of deploy.yml that call apply-environment.yml, in their `needs` chain, and the GitHub environment each applies (undefined: skipped). */
function deployChain(): { id: string; job: Job; environment: string | undefined }[] {
  const wf = workflows["deploy.yml"];
  const callers = Object.entries(wf.jobs).filter(([, j]) => j.uses === "./.github/workflows/apply-environment.yml");
  const chain: [string, Job][] = [];
  let previous: string | undefined;
  for (;;) {
    const next = callers.filter(([, j]) => needsOf(j).filter((n) => n !== "synth").join() === (previous ?? ""));
    if (next.length === 0) break;
    expect(next.map(([id]) => id)).toHaveLength(1); // one job at a time: never two environments in parallel
    chain.push(next[0]);
    previous = next[0][0];
  }
  expect(chain.map(([id]) => id).sort()).toEqual(callers.map(([id]) => id).sort());
  return chain.map(([id, job]) => {
    let runs = true;
    if (job.if !== undefined) {
      const m = /^fromJSON\(needs\.synth\.outputs\.([\w-]+)\) >= (\d+)$/.exec(job.if);
      expect({ id, if: job.if, understood: m !== null }).toEqual({ id, if: job.if, understood: true });
      runs = (jobOutput(wf, "synth", m![1]) as number) >= Number(m![2]);
    }
    return { id, job, environment: runs ? String(fromJson(wf, job, String(job.with?.environment))) : undefined };
  });
}

/** GitHub environments whose synthesized plan role accepts any ref (no `ref` condition): the only ones a pull request may plan. */
function refFreePlanEnvironments(): Set<string> {
  const refFree = new Set<string>();
  for (const [, s] of ciAccessStacks) {
    for (const [, role] of resourcesOf(s, "aws_iam_role").filter(([, r]) => String(r.name).includes("-ci-plan-"))) {
      const [st] = JSON.parse(role.assume_role_policy).Statement;
      const sub: string = st.Condition.StringEquals["token.actions.githubusercontent.com:sub"];
      if (st.Condition.StringEquals["token.actions.githubusercontent.com:ref"] === undefined) refFree.add(sub.split(":environment:plan-")[1]);
    }
  }
  return refFree;
}

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
  it("include the pull-request, deploy, reusable apply and drift workflows, all parseable", () => {
    expect(files).toEqual(expect.arrayContaining(["pr.yml", "deploy.yml", "apply-environment.yml", "drift.yml"]));
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

  it("grant issues: write only to jobs that manage issues with gh, and those run no repository code and assume no role", () => {
    const managesIssues = (job: Job) => (job.steps ?? []).some((s) => /\bgh (issue|label) /.test(s.run ?? ""));
    const writers = allJobs().filter(([, , j]) => (j.permissions as Record<string, string>)?.issues === "write");
    expect(writers.map(([f, id]) => `${f}:${id}`)).toEqual(allJobs().filter(([, , j]) => managesIssues(j)).map(([f, id]) => `${f}:${id}`));
    expect(writers.map(([f, id]) => `${f}:${id}`)).toEqual(["drift.yml:issues"]);
    for (const [f, id, job] of writers) {
      expect({ f, id, perms: job.permissions }).toEqual({ f, id, perms: { issues: "write" } });
      const runsCode = (job.steps ?? []).some((s) => usesAction(s, "actions/checkout") || /\b(npm|npx|node|tsx)\b|scripts\//.test(s.run ?? ""));
      expect({ f, id, runsCode, assumesRole: assumesRole(job) }).toEqual({ f, id, runsCode: false, assumesRole: false });
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
    const named = runs().flatMap(([, r]) => [...r.matchAll(/\bnpm run (?:-s |--silent )?([\w:][\w:-]*)/g)].map((m) => m[1]));
    expect(named).toEqual(expect.arrayContaining(["synth", "check", "stacks"]));
    // `npm run -s stacks` is the stack list script (its stdout is the JSON the workflows read).
    expect(packageScripts.stacks).toBe("tsx scripts/ci-stacks.ts");
    for (const script of new Set(named)) expect({ script, exists: script in packageScripts }).toEqual({ script, exists: true });
    if (runs().some(([, r]) => /\bnpm test\b/.test(r))) expect(packageScripts).toHaveProperty("test");
    for (const [, r] of runs()) expect(r).not.toMatch(/\bnpm (install|i)\b/);
  });

  it("reference only scripts/ files that exist", () => {
    const referenced = new Set(runs().flatMap(([, r]) => [...r.matchAll(/\bscripts\/[\w./-]+\.(?:ts|mjs|js|sh)\b/g)].map((m) => m[0])));
    expect([...referenced]).toEqual(expect.arrayContaining(["scripts/plan-summary.ts", "scripts/synth-diff.ts"]));
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
    expect(checkouts.length).toBeGreaterThanOrEqual(5);
    expect(checkouts.filter(([f]) => f === "drift.yml")).toHaveLength(2);
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
  /** The GitHub environments deploy.yml applies (the callers of apply-environment.yml that run). */
  const deployed = () => deployChain().flatMap((c) => (c.environment === undefined ? [] : [c.environment]));
  const prPlanned = () => [...new Set(matrixOf(workflows["pr.yml"], workflows["pr.yml"].jobs.plan).map((m) => m.environment))];

  /** Environment names a job can run in, with `inputs.environment` (the callers' values) and `matrix.environment` (its matrix) expanded. */
  function environmentsOf(file: string, job: Job): string[] {
    const name = envName(job);
    if (name === undefined) return [];
    if (name.includes("inputs.environment")) {
      expect(file).toBe("apply-environment.yml");
      return deployed().map((e) => name.replace(/\$\{\{\s*inputs\.environment\s*\}\}/, e));
    }
    if (name.includes("matrix.environment")) return [...new Set(matrixOf(workflows[file], job).map((m) => name.replace(/\$\{\{\s*matrix\.environment\s*\}\}/, m.environment)))];
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
    expect(prPlanned().sort()).toEqual([...refFreePlanEnvironments()].sort());
    expect(prPlanned()).toEqual(["dev"]);
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

  it("plans one job per stack whose plan role a pull request may use, the matrix taken from the stack list", () => {
    expect(needsOf(plan)).toEqual(["test"]);
    expect(matrixOf(wf, plan)).toEqual(printed.pullRequestPlans);
    expect(matrixOf(wf, plan)).toEqual(
      printed.stacks.filter((s) => s.plannedBy.includes("pull-request")).sort((a, b) => a.deployOrder! - b.deployOrder!).map((s) => ({ environment: s.deployEnvironment, stack: s.name })),
    );
    // The list is written after the synth, into the artifact the plan jobs download.
    const steps = test.steps ?? [];
    const list = steps.findIndex((s) => (s.run ?? "").includes(LIST_COMMAND));
    expect(list).toBeGreaterThan(stepRunning(steps, /^npm run synth\b/));
    expect(list).toBeLessThan(steps.findIndex((s) => usesAction(s, "actions/upload-artifact") && s.with?.path === "cdktf.out"));
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

  it("deploys the GitHub environments of the stack list one after the other, in its order, through the reusable workflow", () => {
    const chain = deployChain();
    // Sequenced by `needs`, never by a matrix: GitHub may start matrix jobs in any order.
    for (const { job } of chain) expect(job.strategy).toBeUndefined();
    expect(chain.flatMap((c) => (c.environment === undefined ? [] : [c.environment]))).toEqual(printed.deployOrder);
    expect(printed.deployOrder).toEqual(built.deployments.map((d) => d.environment));
    expect(printed.deployOrder).toEqual(["dev", "staging", "prod"]);
    // The first job always runs; a job beyond the list is skipped, and every environment class has a job.
    expect(chain[0].job.if).toBeUndefined();
    expect(chain.length).toBeGreaterThanOrEqual(ENVIRONMENT_NAMES.length);
    for (const { job } of chain) expect(Object.keys(job.with ?? {})).toEqual(["environment"]);
    // More environments than jobs stop the synth job instead of being skipped silently.
    expect(runOf(wf.jobs.synth, /deployOrder/)).toContain(`jq -e '.deployOrder | length >= 1 and length <= ${chain.length}' cdktf.out/ci-stacks.json`);
    expect(called.on).toHaveProperty("workflow_call");
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
    const list = synth.findIndex((s) => (s.run ?? "").split("\n")[0] === LIST_COMMAND);
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

  it("matches what `npm run -s stacks -- --json` prints (the file the workflows read)", () => {
    expect({ status: listRun.status, stderr: listRun.status === 0 ? "" : listRun.stderr }).toEqual({ status: 0, stderr: "" });
    expect(printed).toEqual(JSON.parse(JSON.stringify(stackListDocument(built))));
    expect(printed.deployments.map((d) => [d.environment, d.stacks])).toEqual(built.deployments.map((d) => [d.environment, d.stacks.map((s) => s.name)]));
  });
});

describe("the stack list (`npm run -s stacks -- --json`), read from the app", () => {

  it("lists every stack of the app once, with environment, product line, account, region, backend and dependencies as synthesized", () => {
    expect(printed.stacks.map((s) => s.name).sort()).toEqual(Object.keys(stacks).sort());
    expect(printed.stacks).toHaveLength(19);
    for (const s of printed.stacks) {
      const tf = stacks[s.name];
      const [provider] = tf.provider.aws;
      expect({ name: s.name, environment: s.environment, productLine: s.productLine, accountId: s.accountId, region: s.region }).toEqual({
        name: s.name,
        environment: provider.default_tags[0].tags.environment,
        productLine: provider.default_tags[0].tags["product-line"],
        accountId: provider.allowed_account_ids[0],
        region: provider.region,
      });
      expect({ name: s.name, backend: s.backend, stateKey: s.stateKey }).toEqual({ name: s.name, backend: Object.keys(tf.terraform.backend)[0], stateKey: tf.terraform.backend.s3?.key ?? null });
      const stack = appStacks.find((a) => a.node.id === s.name)!;
      expect({ name: s.name, dependencies: s.dependencies }).toEqual({ name: s.name, dependencies: stack.dependencies.map((d) => d.node.id) });
    }
    expect(entry("hvac-prod-platform")).toEqual(
      expect.objectContaining({ kind: "platform", environment: "prod", productLine: "hvac", accountId: "333333333333", backend: "s3", dependencies: ["hvac-prod-data"] }),
    );
    expect(entry("iot-state-111111111111-eu-west-1")).toEqual(expect.objectContaining({ kind: "state-bootstrap", backend: "local", stateKey: null, planRoleVariable: null }));
  });

  it("refuses a stack of the app that buildApp does not return (nobody decided what CI does with it)", () => {
    const app = Testing.app();
    const other = buildApp(app, { environments });
    new TerraformStack(app, "iot-stray");
    expect(() => listStacks(other)).toThrow(/stack iot-stray is not one of the stacks buildApp returns; add it to BuiltApp and decide what CI does with it/);
  });

  it("names, for every stack CI plans, the GitHub environment and the variable of its plan role, and the deploy environment of the same account", () => {
    for (const s of printed.stacks.filter((x) => x.plannedBy.length > 0)) {
      const d = printed.deployments.find((x) => x.environment === s.deployEnvironment)!;
      expect({ name: s.name, inDeployment: d.stacks.includes(s.name), account: d.accountId }).toEqual({ name: s.name, inDeployment: true, account: s.accountId });
      expect({ name: s.name, planEnvironment: s.planEnvironment, planRoleVariable: s.planRoleVariable }).toEqual({ name: s.name, planEnvironment: `plan-${s.deployEnvironment}`, planRoleVariable: "PLAN_ROLE_ARN" });
    }
    // The workflows assume the plan role from exactly that variable.
    const planRoleSteps = usesOf("aws-actions/configure-aws-credentials").filter(([, st]) => String(st.with?.["role-to-assume"]).includes("PLAN_ROLE_ARN"));
    expect(planRoleSteps.map(([f]) => f).sort()).toEqual(["apply-environment.yml", "drift.yml", "pr.yml"]);
    for (const [, st] of planRoleSteps) expect(st.with?.["role-to-assume"]).toBe("${{ vars.PLAN_ROLE_ARN }}");
  });
});

/**
 * Which stacks are planned where, and why, as the workflows run (matrices and deploy order evaluated
 * from the stack list):
 * - pull requests (pr.yml) plan the stacks of every GitHub environment whose plan role accepts any ref:
 *   dev, with its account baseline and both product lines; staging and prod plan roles require
 *   refs/heads/main, so code under review never gets their read access;
 * - deploy.yml plans (and applies) every stack with remote state on main, and drift.yml plans the same
 *   stacks daily;
 * - never: the ci-access stacks (the root of trust, applied by an administrator; no CI role may read
 *   their state) and the state bootstraps (local state).
 */
describe("which stacks CI plans where, and why", () => {
  const PR_MAIN_DAILY = "pull requests, deploy, drift";
  const MAIN_DAILY = "deploy, drift";
  const WHERE: Record<string, string> = {
    "iot-111111111111-eu-west-1-baseline": PR_MAIN_DAILY,
    "iot-dev-data": PR_MAIN_DAILY,
    "hvac-dev-data": PR_MAIN_DAILY,
    "iot-dev-platform": PR_MAIN_DAILY,
    "hvac-dev-platform": PR_MAIN_DAILY,
    "iot-222222222222-eu-west-1-baseline": MAIN_DAILY,
    "iot-staging-data": MAIN_DAILY,
    "iot-staging-platform": MAIN_DAILY,
    "iot-333333333333-eu-west-1-baseline": MAIN_DAILY,
    "iot-prod-data": MAIN_DAILY,
    "hvac-prod-data": MAIN_DAILY,
    "iot-prod-platform": MAIN_DAILY,
    "hvac-prod-platform": MAIN_DAILY,
    "iot-111111111111-ci-access": "never",
    "iot-222222222222-ci-access": "never",
    "iot-333333333333-ci-access": "never",
    "iot-state-111111111111-eu-west-1": "never",
    "iot-state-222222222222-eu-west-1": "never",
    "iot-state-333333333333-eu-west-1": "never",
  };
  const planned = () => {
    const pr = matrixOf(workflows["pr.yml"], workflows["pr.yml"].jobs.plan);
    const drift = matrixOf(workflows["drift.yml"], workflows["drift.yml"].jobs.plan);
    const deploy = deployChain().flatMap((c) => (c.environment === undefined ? [] : printed.deployments.find((d) => d.environment === c.environment)!.stacks));
    return { pr, drift, deploy };
  };
  const whereOf = (name: string) => {
    const { pr, drift, deploy } = planned();
    const where = [pr.some((m) => m.stack === name) && "pull requests", deploy.includes(name) && "deploy", drift.some((m) => m.stack === name) && "drift"].filter(Boolean);
    return where.join(", ") || "never";
  };

  it("plans every stack with remote state on main and daily; only the ci-access stacks are never planned (the root of trust)", () => {
    const { drift, deploy } = planned();
    const remote = Object.entries(stacks).filter(([, s]) => s.terraform.backend?.s3 !== undefined).map(([n]) => n);
    expect(remote.filter((n) => !deploy.includes(n)).sort()).toEqual(ciAccessStacks.map(([n]) => n).sort());
    expect(remote.filter((n) => !drift.some((m) => m.stack === n)).sort()).toEqual(ciAccessStacks.map(([n]) => n).sort());
    for (const [n] of ciAccessStacks) expect(entry(n).why).toMatch(/root of trust.*no CI role may read its state/);
    expect(new Set(deploy).size).toBe(deploy.length);
  });

  it("plans in pull requests exactly the stacks whose plan role accepts any ref, in that role's GitHub environment", () => {
    const { pr } = planned();
    const refFree = refFreePlanEnvironments();
    expect(pr.map((m) => m.stack).sort()).toEqual(printed.stacks.filter((s) => s.deployEnvironment !== null && refFree.has(s.deployEnvironment)).map((s) => s.name).sort());
    for (const m of pr) expect(m.environment).toBe(entry(m.stack).deployEnvironment);
    expect(pr.length).toBeGreaterThan(0);
  });

  it("plans each stack with the plan role of its own GitHub environment (the role reaches only that environment's state keys)", () => {
    const { pr, drift } = planned();
    for (const m of [...pr, ...drift]) expect({ stack: m.stack, environment: m.environment }).toEqual({ stack: m.stack, environment: entry(m.stack).deployEnvironment });
  });

  it.each(Object.entries(WHERE))("%s: planned by %s", (name, where) => {
    expect(whereOf(name)).toBe(where);
    const why = entry(name).why;
    if (where === PR_MAIN_DAILY) expect(why).toMatch(/plan role of plan-dev accepts any ref: pull requests plan it/);
    if (where === MAIN_DAILY) expect(why).toMatch(/plan role of plan-(staging|prod) requires refs\/heads\/main/);
    if (where === "never") expect(why).toMatch(/^(the root of trust|local state)/);
  });

  it("the table above is every stack of the app", () => {
    expect(Object.keys(WHERE).sort()).toEqual(printed.stacks.map((s) => s.name).sort());
  });

  it("never applies a stack before a stack it depends on (the order deploy.yml and apply-environment.yml run)", () => {
    const { deploy } = planned();
    // The order the workflows run (from the printed list) and the app's own (built.deployments).
    const own = built.deployments.flatMap((d) => d.stacks.map((s) => s.name));
    expect(deploy).toEqual(own);
    for (const order of [deploy, own]) {
      expect(order.length).toBeGreaterThan(0);
      for (const [i, name] of order.entries()) {
        const stack = appStacks.find((a) => a.node.id === name)!;
        for (const dep of stack.dependencies.map((d) => d.node.id)) {
          const at = order.indexOf(dep);
          expect({ name, dep, appliedBefore: at >= 0 && at < i }).toEqual({ name, dep, appliedBefore: true });
        }
      }
    }
    expect(appStacks.filter((a) => a.dependencies.length > 0).length).toBeGreaterThanOrEqual(5);
    expect(deployOrderViolations(printed.stacks)).toEqual([]);
    // deployOrder is the position in that order.
    for (const [i, name] of deploy.entries()) expect({ name, deployOrder: entry(name).deployOrder }).toEqual({ name, deployOrder: i });
  });

  it("deployOrderViolations names a stack ordered before its dependency, and a dependency CI never deploys", () => {
    const late = printed.stacks.map((s) => (s.name === "iot-dev-data" ? { ...s, deployOrder: 99 } : s));
    expect(deployOrderViolations(late)).toEqual(["iot-dev-platform (deploy position 3) would be applied before iot-dev-data (position 99), which it depends on"]);
    const onCiAccess = printed.stacks.map((s) => (s.name === "iot-prod-data" ? { ...s, dependencies: ["iot-333333333333-ci-access"] } : s));
    expect(deployOrderViolations(onCiAccess)).toEqual(["iot-prod-data depends on iot-333333333333-ci-access, which CI never deploys"]);
  });
});

describe("drift workflow", () => {
  const wf: Workflow = workflows["drift.yml"] ?? { on: {}, jobs: {} };
  const list = wf.jobs.stacks ?? {};
  const plan = wf.jobs.plan ?? {};
  const issues = wf.jobs.issues ?? {};
  const planSteps = plan.steps ?? [];
  const stepRunning = (steps: readonly Step[], pattern: RegExp) => steps.findIndex((s) => pattern.test(s.run ?? ""));
  const issueRun = (issues.steps ?? []).map((s) => s.run ?? "").join("\n");

  it("runs daily on a schedule and on demand, never on pull requests or pushes", () => {
    expect(Object.keys(wf.on).sort()).toEqual(["schedule", "workflow_dispatch"]);
    const schedule = wf.on.schedule as { cron: string }[];
    expect(schedule).toHaveLength(1);
    // minute hour * * *: once a day.
    expect(schedule[0].cron).toMatch(/^([0-5]?\d) ([01]?\d|2[0-3]) \* \* \*$/);
  });

  it("runs one at a time, in its own concurrency group (never queued against a deploy)", () => {
    expect(wf.concurrency).toEqual({ group: "drift", "cancel-in-progress": false });
    expect(wf.concurrency?.group).not.toBe(workflows["deploy.yml"].concurrency?.group);
  });

  it("runs from main only: the staging and prod plan roles trust main, and the issues describe main", () => {
    const [first] = list.steps ?? [];
    expect(first.if).toBe("github.ref != 'refs/heads/main'");
    expect(first.run).toMatch(/exit 1/);
  });

  it("synthesizes, lists the stacks and uploads cdktf.out without running tests or holding credentials", () => {
    const steps = list.steps ?? [];
    const order = [/^npm ci\b/, /^npm run synth\b/].map((p) => stepRunning(steps, p));
    const listed = steps.findIndex((s) => (s.run ?? "").split("\n")[0] === LIST_COMMAND);
    const upload = steps.findIndex((s) => usesAction(s, "actions/upload-artifact") && s.with?.path === "cdktf.out");
    expect([...order, listed, upload].every((i) => i > 0)).toBe(true);
    expect([...order, listed, upload]).toEqual([...order, listed, upload].sort((x, y) => x - y));
    expect(list.permissions).toEqual({ contents: "read" });
    expect(assumesRole(list)).toBe(false);
  });

  it("plans every stack CI plans, one job each, the matrix taken from the stack list", () => {
    expect(needsOf(plan)).toEqual(["stacks"]);
    expect(plan.strategy?.matrix).toEqual({ include: "${{ fromJSON(needs.stacks.outputs.matrix) }}" });
    expect(plan.strategy?.["fail-fast"]).toBe(false);
    expect(matrixOf(wf, plan)).toEqual(printed.driftPlans);
    const deployed = printed.deployments.flatMap((d) => d.stacks.map((stack) => ({ environment: d.environment, stack })));
    expect([...matrixOf(wf, plan)].sort((a, b) => a.stack.localeCompare(b.stack))).toEqual(deployed.sort((a, b) => a.stack.localeCompare(b.stack)));
    expect(plan.env?.STACK).toBe("${{ matrix.stack }}");
    expect(plan.if).toBe("needs.stacks.outputs.matrix != '[]'");
  });

  it("assumes the read-only plan role of plan-<env>, never a deploy role, with the provider's assume_role left empty", () => {
    expect(envName(plan)).toBe("plan-${{ matrix.environment }}");
    expect(plan.permissions).toEqual({ contents: "read", "id-token": "write" });
    const creds = planSteps.filter((s) => usesAction(s, "aws-actions/configure-aws-credentials"));
    expect(creds.map((s) => s.with?.["role-to-assume"])).toEqual(["${{ vars.PLAN_ROLE_ARN }}"]);
    expect(plan.env?.TF_VAR_assume_role_arn).toBe("");
    expect(raw["drift.yml"]).not.toMatch(/DEPLOY_ROLE_ARN|DEPLOYER_ROLE_ARN/);
    expect(stepRunning(planSteps, /^npm ci\b/)).toBeLessThan(planSteps.indexOf(creds[0]));
  });

  it("plans lock-free with -detailed-exitcode: 0 clean, 2 drifted, anything else failed", () => {
    const step = planSteps.find((s) => s.id === "plan");
    expect(step?.["working-directory"]).toBe("cdktf.out/stacks/${{ env.STACK }}");
    expect(step?.run).toMatch(/terraform init -input=false/);
    expect(step?.run).toMatch(/terraform plan [^\n]*-lock=false[^\n]*-detailed-exitcode[^\n]*-out=tfplan/);
    expect(step?.run).toMatch(/0\) result=clean ;;/);
    expect(step?.run).toMatch(/2\) result=drifted ;;/);
    expect(step?.run).toMatch(/\*\) result=failed ;;/);
    expect(step?.run).not.toMatch(/terraform[^\n]* apply/);
    const show = planSteps.find((s) => /terraform show -json tfplan > plan\.json/.test(s.run ?? ""));
    expect(show?.if).toBe("steps.plan.outputs.result != 'failed'");
  });

  it("summarizes with scripts/plan-summary.ts after dropping the credentials, and uploads only the plan text", () => {
    const drop = stepRunning(planSteps, /AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN[\s\S]*>> "\$GITHUB_ENV"/);
    const summarize = stepRunning(planSteps, /scripts\/plan-summary\.ts/);
    expect(drop).toBeGreaterThan(planSteps.findIndex((s) => /terraform show -json/.test(s.run ?? "")));
    expect(drop).toBeLessThan(summarize);
    for (const [i, s] of planSteps.entries()) if (usesAction(s, "actions/upload-artifact")) expect(i).toBeGreaterThan(drop);
    const run = planSteps[summarize].run ?? "";
    // The same invocations as the pull-request comments.
    const prRun = (workflows["pr.yml"].jobs.plan.steps ?? []).find((s) => /scripts\/plan-summary\.ts/.test(s.run ?? ""))?.run ?? "";
    for (const call of prRun.split("\n").filter((l) => l.includes("plan-summary.ts"))) expect(run).toContain(call.trim());
    expect(run).toMatch(/echo "\$RESULT" > drift-result\/result\.txt/);
    expect(run).toMatch(/echo "<!-- drift:\$STACK -->"/);
    expect(run).toMatch(/-le 65536/);
    for (const s of planSteps.filter((st) => usesAction(st, "actions/upload-artifact"))) expect(String(s.with?.path)).not.toMatch(/plan\.json|tfplan\b/);
    const result = planSteps.find((s) => usesAction(s, "actions/upload-artifact") && s.with?.path === "drift-result");
    expect(result?.with?.name).toBe("drift-result-${{ env.STACK }}");
    // A failed plan fails the job, last, after its result is uploaded (the issue job leaves its issue alone).
    expect(planSteps[planSteps.length - 1].if).toBe("steps.plan.outputs.result == 'failed'");
    expect(planSteps[planSteps.length - 1].run).toMatch(/exit 1/);
  });

  it("keeps one issue per stack (label drift, title Drift: <stack>): opened or updated when drifted, closed when clean", () => {
    expect(needsOf(issues).sort()).toEqual(["plan", "stacks"]);
    expect(issues.if).toBe("${{ !cancelled() && needs.stacks.result == 'success' }}");
    expect(issues.permissions).toEqual({ issues: "write" });
    expect(issues.env).toEqual(expect.objectContaining({ GH_TOKEN: "${{ github.token }}", GH_REPO: "${{ github.repository }}", MATRIX: "${{ needs.stacks.outputs.matrix }}" }));
    const download = (issues.steps ?? []).find((s) => usesAction(s, "actions/download-artifact"));
    expect(download?.with).toEqual({ pattern: "drift-result-*", path: "drift-results" });
    expect(issueRun).toMatch(/gh label create drift /);
    expect(issueRun).toMatch(/gh issue list --label drift --state open [^\n]*--json number,title/);
    expect(issueRun).toMatch(/select\(\.title == \$t\)/);
    expect(issueRun).toMatch(/--arg t "Drift: \$1"/);
    expect(issueRun).toMatch(/dir="drift-results\/drift-result-\$stack"/);
    // drifted: edit the open issue or create one; clean: close it.
    const drifted = /drifted\)([\s\S]*?);;/.exec(issueRun)?.[1] ?? "";
    expect(drifted).toMatch(/gh issue edit "\$number" --body-file "\$dir\/report\.md"/);
    expect(drifted).toMatch(/gh issue create --title "Drift: \$stack" --label drift --body-file "\$dir\/report\.md"/);
    const clean = /clean\)([\s\S]*?);;/.exec(issueRun)?.[1] ?? "";
    expect(clean).toMatch(/gh issue close "\$number" --comment/);
    expect(clean).not.toMatch(/gh issue (create|edit)/);
    // The result values are those the plan job writes.
    for (const result of ["clean", "drifted"]) expect((planSteps.find((s) => s.id === "plan")?.run ?? "")).toContain(`result=${result}`);
    // No event data or repository code in the job that may write issues.
    expect(issueRun).not.toMatch(/\$\{\{/);
  });
});

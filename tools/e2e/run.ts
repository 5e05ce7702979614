/**
 * `npm run e2e`: every stack of every environment applied against the local AWS (moto on
 * 127.0.0.1, tools/local-aws) with OpenTofu and the mirrored provider through the real cdktf CLI;
 * then converge, a real change, change safety, traffic through what was deployed, real plans for
 * plan review, and destroy. See tools/e2e/README.md.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { Manifest, readManifest } from "../engine/manifest";
import { ToolPaths, toolPaths } from "../engine/paths";
import { LocalAws, localAwsPython, startLocalAws } from "../local-aws";
import { testCsrFile } from "../test-csr";
import { accountClientConfig, ensureRole } from "./aws";
import { environmentsWithChange, expectedChanges, planMismatches } from "./change";
import { convergenceExceptions, unexplainedChanges } from "./converge";
import { EngineContext, PlannedChange, StackPlan, deployStack, destroyStack, initStack, planStack, tofu } from "./engine";
import { RecordedResource, leftovers, listAccount, recordedResources } from "./inventory";
import { RealPlanKind, expectedCounts, reviewRealPlan } from "./plans";
import { expectSuccess, StepError } from "./process";
import { concurrentApplies, preventDestroyRefused } from "./safety";
import { DEPLOY_PHASES, E2eStack, TfJson, synthesizeForLocalAws } from "./stacks";
import { runTrafficThroughDeployed } from "./traffic";

export interface E2eOptions {
  readonly repoRoot: string;
  readonly environments: Readonly<Record<string, unknown>>;
  /** Where the e2e synth goes. @default <repo>/.e2e */
  readonly workDir?: string;
  /** Per engine command. @default 15 min */
  readonly stepTimeoutMs?: number;
  readonly log?: (line: string) => void;
  /** Keep the local AWS running after the steps, print how to reach it, and stop on Ctrl-C. @default false */
  readonly keep?: boolean;
  /** Stacks of one phase applied or planned at once. @default 3 */
  readonly parallel?: number;
  /** Stop after these steps (benchmarks deploy only). @default every step */
  readonly steps?: readonly E2eStep[];
}

export type E2eStep = "deploy" | "converge" | "change" | "safety" | "traffic" | "plans" | "destroy";
export const E2E_STEPS: readonly E2eStep[] = ["deploy", "converge", "change", "safety", "traffic", "plans", "destroy"];

export interface StackOutcome {
  readonly name: string;
  applied: boolean;
  converged: boolean;
  destroyed: boolean;
  readonly notes: string[];
  applyMs?: number;
  planMs?: number;
}

export interface E2eResult {
  readonly outcomes: readonly StackOutcome[];
  readonly errors: readonly string[];
  readonly summary: string;
}

export function summaryLine(outcomes: readonly StackOutcome[], errors: readonly string[]): string {
  const n = (f: (o: StackOutcome) => boolean) => outcomes.filter(f).length;
  return `e2e: ${n((o) => o.applied)} stacks applied, ${n((o) => o.converged)} converged, ${n((o) => o.destroyed)} destroyed, ${errors.length} errors`;
}

/** What is missing before anything starts, with the command that provides it. */
export function preflight(paths: ToolPaths = toolPaths()): { manifest: Manifest } {
  const manifest = readManifest(paths);
  if (!manifest) throw new Error(`e2e: no engine toolchain in ${paths.root}; run \`npm run tools:terraform\` first`);
  localAwsPython(paths.venv);
  return { manifest };
}

/** The environment the change, traffic and plan-review steps use: the first dev environment. */
function devEnvironment(stacks: readonly E2eStack[]): { label: string; data: E2eStack; platform: E2eStack } {
  const platform = stacks.find((s) => s.kind === "platform" && s.environment === "dev");
  const data = platform && stacks.find((s) => s.name === platform.dependencies[0]);
  if (!platform || !data) throw new Error("e2e: no dev environment with a data and a platform stack");
  return { label: "dev", data, platform };
}

export async function runE2e(options: E2eOptions): Promise<E2eResult> {
  const log = options.log ?? ((l: string) => console.log(l));
  const paths = toolPaths();
  const { manifest } = preflight(paths);
  const steps = new Set(options.steps ?? E2E_STEPS);
  const workDir = options.workDir ?? join(options.repoRoot, ".e2e");
  const outDir = join(workDir, "out");
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const errors: string[] = [];
  const outcomes: StackOutcome[] = [];
  const fail = (message: string) => {
    errors.push(message);
    log(`FAILED: ${message}`);
  };
  let aws: LocalAws | undefined;
  try {
    aws = await startLocalAws();
    const endpoint = aws.endpoint;
    log(`local AWS: ${endpoint} (moto, 127.0.0.1 only)`);
    const ctx: EngineContext = { repoRoot: options.repoRoot, outDir, endpoint, manifest, paths, timeoutMs: options.stepTimeoutMs ?? 15 * 60_000 };
    let environments = options.environments;
    let stacks = synthesizeForLocalAws({ outDir, endpoint, environments, manifest });
    for (const s of stacks) outcomes.push({ name: s.name, applied: false, converged: false, destroyed: false, notes: [] });
    const outcome = (s: { name: string }) => outcomes.find((o) => o.name === s.name)!;
    const region = stacks[0].region;
    for (const role of new Set(stacks.filter((s) => s.kind === "state-bootstrap").map((s) => s.roleArn))) await ensureRole(endpoint, region, role);
    const dev = devEnvironment(stacks);
    const parallel = options.parallel ?? 3;
    const realPlans: { kind: RealPlanKind; stack: E2eStack; plan: StackPlan }[] = [];

    // 1. Deploy, phase by phase: state buckets, roots of trust, baselines, then data and platform
    // stacks. Within a phase no stack depends on another, so up to `parallel` run at once.
    await initStack(ctx, stacks[0]);
    for (const phase of DEPLOY_PHASES) {
      await inParallel(stacks.filter((s) => s.kind === phase), parallel, async (stack) => {
        if (steps.has("plans") && stack.name === dev.platform.name) {
          await initStack(ctx, stack);
          realPlans.push({ kind: "create", stack, plan: await planStack(ctx, stack, { name: "create" }) });
        }
        const started = Date.now();
        await deployStack(ctx, stack, log);
        const o = outcome(stack);
        o.applied = true;
        o.applyMs = Date.now() - started;
        log(`apply    ${stack.name}: ok in ${seconds(o.applyMs)}`);
      });
    }

    // 2. Converge: every stack re-plans with 0 changes (or only moto-fidelity exceptions).
    const converge = async (stack: E2eStack, label: string): Promise<boolean> => {
      const started = Date.now();
      const plan = await planStack(ctx, stack, { name: "converge" });
      const ms = Date.now() - started;
      const { unexplained, explained } = unexplainedChanges(stack, plan.changes, convergenceExceptions);
      if (unexplained.length > 0) {
        fail(`${stack.name}: ${label}: ${unexplained.length} changes: ${unexplained.map(describeChange).join("; ")}`);
        return false;
      }
      log(`${label.padEnd(8)} ${stack.name}: 0 changes${explained.length ? ` (${explained.length} moto exceptions: ${explained.join("; ")})` : ""} in ${seconds(ms)}`);
      outcome(stack).planMs ??= ms;
      return true;
    };
    if (steps.has("converge")) await inParallel(stacks, parallel, async (stack) => void (outcome(stack).converged = await converge(stack, "converge")));

    // 3. A real change: a device added to dev and its processor's memory changed.
    if (steps.has("change")) {
      const device = { name: "Thermostat-E2E", csrPath: testCsrFile("Thermostat-E2E") };
      const memory = 512;
      environments = environmentsWithChange(environments, dev.label, { device, processorMemoryMb: memory });
      const before = dev.platform.tfJson;
      stacks = synthesizeForLocalAws({ outDir, endpoint, environments, manifest });
      const platform = stacks.find((s) => s.name === dev.platform.name)!;
      const expected = expectedChanges(before, platform.tfJson);
      const plan = await planStack(ctx, platform, { name: "update" });
      const mismatches = planMismatches(plan.changes, expected);
      const creates = expected.filter((e) => e.actions[0] === "create");
      const updates = expected.filter((e) => e.actions[0] === "update");
      if (!creates.length || !creates.every((c) => JSON.stringify(resourceAt(platform.tfJson, c.address)?.["//"] ?? "").includes(device.name))) {
        mismatches.push(`the created addresses are not all the new device's: ${creates.map((c) => c.address).join(", ")}`);
      }
      if (updates.length !== 1 || !updates[0].address.startsWith("aws_lambda_function.") || resourceAt(platform.tfJson, updates[0].address)?.memory_size !== memory) {
        mismatches.push(`the updates are not exactly the processor function: ${updates.map((u) => u.address).join(", ")}`);
      }
      if (mismatches.length) fail(`${platform.name}: change: ${mismatches.join("; ")}`);
      else log(`change   ${platform.name}: plan is exactly ${creates.length} creates for ${device.name} and the processor's memory update`);
      realPlans.push({ kind: "update", stack: platform, plan });
      await deployStack(ctx, platform, log);
      await converge(platform, "re-plan");
    }

    // 4. Change safety.
    if (steps.has("safety")) {
      for (const stack of stacks.filter((s) => s.preventDestroy && (s.environment === "staging" || s.environment === "prod") && s.kind === "data")) {
        const problem = await preventDestroyRefused(ctx, stack);
        if (problem) fail(problem);
        else log(`safety   ${stack.name}: plan -destroy refused by prevent_destroy`);
      }
      const data = stacks.find((s) => s.name === dev.data.name)!;
      const problems = await concurrentApplies(ctx, data, await accountClientConfig(endpoint, region, data.roleArn));
      if (problems.length) fail(`${data.name}: concurrent applies: ${problems.join("; ")}`);
      else log(`safety   ${data.name}: a second apply failed on the S3 lock, a waiting one applied after it, the state is whole`);
    }

    // 5. Traffic through what was deployed.
    if (steps.has("traffic")) {
      const platform = stacks.find((s) => s.name === dev.platform.name)!;
      const data = stacks.find((s) => s.name === dev.data.name)!;
      const state = JSON.parse(expectSuccess(await tofu(ctx, platform, ["show", "-json"]), platform.name, "tofu show -json").stdout);
      const report = await runTrafficThroughDeployed({ platform, data, platformState: state, config: await accountClientConfig(endpoint, region, platform.roleArn), workDir });
      if (report.problems.length) fail(`${platform.name}: traffic: ${report.problems.join("; ")}`);
      else log(`traffic  ${platform.name}: ${report.functions.map((f) => f.name).join(", ")} (deployed zips) stored ${report.stored} of ${report.accepted} accepted updates; ${report.itemsInTable} items in the table Terraform created`);
    }

    // 6. Real plans through the plan-review comment.
    if (steps.has("plans")) {
      const data = stacks.find((s) => s.name === dev.data.name)!;
      const table = Object.keys(data.tfJson.resource?.aws_dynamodb_table ?? {})[0];
      const file = join(data.dir, "cdk.tf.json");
      const original = readFileSync(file, "utf8");
      const renamed = JSON.parse(original);
      renamed.resource.aws_dynamodb_table[table].name = `${renamed.resource.aws_dynamodb_table[table].name}-renamed`;
      writeFileSync(file, JSON.stringify(renamed, null, 2));
      try {
        realPlans.push({ kind: "replace", stack: data, plan: await planStack(ctx, data, { name: "replace" }) });
      } finally {
        writeFileSync(file, original);
      }
      for (const p of realPlans) {
        const check = await reviewRealPlan({ repoRoot: options.repoRoot, workDir, kind: p.kind, stack: p.stack.name, plan: p.plan.json, changes: p.plan.changes, endpoint, fixtureDir: join(options.repoRoot, "test", "fixtures", "plans") });
        if (check.problems.length) fail(`${p.stack.name}: ${p.kind} plan review: ${check.problems.join("; ")}`);
        else log(`review   ${p.stack.name}: ${p.kind} plan (${describeCounts(expectedCounts(p.plan.changes))}) summarized as planned; fixture ${relative(options.repoRoot, check.fixture)}`);
      }
    }

    // 7. Destroy every stack without prevent_destroy, newest first; then nothing of theirs may be listed.
    if (steps.has("destroy")) {
      const doomed = [...stacks].reverse().filter((s) => !s.preventDestroy);
      const recorded: RecordedResource[] = [];
      await inParallel(doomed, parallel, async (stack) => {
        const state = JSON.parse(expectSuccess(await tofu(ctx, stack, ["show", "-json"]), stack.name, "tofu show -json").stdout);
        recorded.push(...recordedResources(stack.name, state));
      });
      // Phase by phase in reverse: consumers go before the producers whose state they read.
      for (const phase of [...DEPLOY_PHASES].reverse()) {
        await inParallel(doomed.filter((s) => s.kind === phase), parallel, async (stack) => {
          await destroyStack(ctx, stack);
          outcome(stack).destroyed = true;
          log(`destroy  ${stack.name}: ok`);
        });
      }
      for (const s of stacks.filter((x) => x.preventDestroy)) log(`kept     ${s.name}: prevent_destroy`);
      const left: RecordedResource[] = [];
      for (const account of new Set(doomed.map((s) => s.accountId))) {
        const listed = await listAccount(await accountClientConfig(endpoint, region, `arn:aws:iam::${account}:role/iot-e2e-inventory`));
        left.push(...leftovers(recorded.filter((r) => stacks.find((s) => s.name === r.stack)?.accountId === account), listed));
      }
      if (left.length) fail(`destroy left ${left.length} resources: ${left.map((r) => `${r.stack} ${r.address} (${r.identifier})`).join(", ")}`);
      else log(`destroy  checked ${recorded.length} resources of ${doomed.length} stacks through the SDK: none left`);
    }
    if (options.keep) await keepRunning(endpoint, region, stacks, log);
  } catch (err) {
    fail(err instanceof StepError ? err.message : `${(err as Error).stack ?? err}`);
  } finally {
    await aws?.stop();
  }
  const summary = summaryLine(outcomes, errors);
  log(summary);
  return { outcomes, errors, summary };
}

/** Runs `fn` over `items` with at most `limit` at a time; the first failure rejects once the running ones finish. */
export async function inParallel<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const item = items[next++];
      try {
        await fn(item);
      } catch (e) {
        failure ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure !== undefined) throw failure;
}

/** Prints the environment that reaches the dev account of the local AWS, then waits for SIGINT/SIGTERM. */
async function keepRunning(endpoint: string, region: string, stacks: readonly E2eStack[], log: (l: string) => void): Promise<void> {
  const dev = devEnvironment(stacks).platform;
  const { credentials } = await accountClientConfig(endpoint, region, dev.roleArn);
  const c = credentials as { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  log(`local AWS kept running at ${endpoint}; account ${dev.accountId} (${dev.environment}) as ${dev.roleArn}:`);
  log(`  export AWS_ENDPOINT_URL=${endpoint} AWS_REGION=${region} AWS_ACCESS_KEY_ID=${c.accessKeyId} AWS_SECRET_ACCESS_KEY=${c.secretAccessKey} AWS_SESSION_TOKEN=${c.sessionToken}`);
  log("  then e.g.: \"$IOT_TOOLS_VENV/bin/python\" -c \"import boto3; print([t['thingName'] for t in boto3.client('iot').list_things()['things']])\"");
  log("Ctrl-C stops it.");
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function describeCounts(c: Record<string, number>): string {
  return Object.entries(c).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`).join(", ") || "no changes";
}

function resourceAt(tfJson: TfJson, address: string): TfJson | undefined {
  const dot = address.indexOf(".");
  return tfJson.resource?.[address.slice(0, dot)]?.[address.slice(dot + 1)];
}

export function describeChange(c: PlannedChange): string {
  return `${c.actions.join("/")} ${c.address}${c.changedAttributes.length ? ` (${c.changedAttributes.join(", ")})` : ""}`;
}

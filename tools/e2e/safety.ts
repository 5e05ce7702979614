/**
 * Change safety against the real engine and the real S3 backend:
 * - planning the destruction of a stack with `prevent_destroy` resources fails, naming it;
 * - two applies of one stack at once: the second fails on the S3 lock file (`use_lockfile`),
 *   a third that may wait gets the lock once the first is done, and the state stays whole.
 */
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { EngineContext, planStack, tofu } from "./engine";
import { outputTail, stripAnsi } from "./process";
import type { ClientConfig } from "./aws";
import type { E2eStack, TfJson } from "./stacks";

export async function preventDestroyRefused(ctx: EngineContext, stack: E2eStack): Promise<string | undefined> {
  const result = await tofu(ctx, stack, ["plan", "-destroy", "-input=false", "-no-color", "-lock-timeout=60s"]);
  const text = stripAnsi(`${result.stdout}\n${result.stderr}`);
  if (result.code === 0) return `${stack.name}: planning its destruction succeeded; prevent_destroy should refuse it`;
  if (!/prevent_destroy/.test(text)) return `${stack.name}: plan -destroy failed, but not because of prevent_destroy:\n${outputTail(result)}`;
  return undefined;
}

function stateLocation(stack: E2eStack): { bucket: string; key: string } {
  const s3 = (stack.tfJson.terraform as TfJson).backend?.s3 as TfJson | undefined;
  if (!s3) throw new Error(`${stack.name} has no S3 backend`);
  return { bucket: s3.bucket as string, key: s3.key as string };
}

async function pullState(ctx: EngineContext, stack: E2eStack): Promise<TfJson> {
  const r = await tofu(ctx, stack, ["state", "pull"]);
  if (r.code !== 0) throw new Error(`${stack.name}: tofu state pull failed:\n${outputTail(r)}`);
  return JSON.parse(r.stdout) as TfJson;
}

async function waitFor(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Returns the problems found, [] when the lock held and the state stayed whole. */
export async function concurrentApplies(ctx: EngineContext, stack: E2eStack, s3Config: ClientConfig): Promise<string[]> {
  const problems: string[] = [];
  const { bucket, key } = stateLocation(stack);
  const lockKey = `${key}.tflock`;
  const s3 = new S3Client(s3Config);
  const lockExists = async () => {
    try {
      await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: lockKey }));
      return true;
    } catch {
      return false;
    }
  };
  try {
    const before = await pullState(ctx, stack);
    const apply = (lockTimeout: string) => tofu(ctx, stack, ["apply", "-auto-approve", "-input=false", "-no-color", `-lock-timeout=${lockTimeout}`]);
    const first = apply("0s");
    await waitFor(`s3://${bucket}/${lockKey}`, 120_000, lockExists);
    // While the first apply holds the lock: one that may not wait fails, one that may wait queues.
    const [second, third] = await Promise.all([apply("0s"), apply("5m")]);
    const firstResult = await first;
    if (firstResult.code !== 0) problems.push(`first apply failed:\n${outputTail(firstResult)}`);
    const secondText = stripAnsi(`${second.stdout}\n${second.stderr}`);
    if (second.code === 0) problems.push("a second apply with -lock-timeout=0s succeeded while the first held the lock");
    else if (!/Error acquiring the state lock/i.test(secondText)) problems.push(`the second apply failed, but not on the lock:\n${outputTail(second)}`);
    if (third.code !== 0) problems.push(`an apply that may wait for the lock failed:\n${outputTail(third)}`);
    if (await lockExists()) problems.push(`s3://${bucket}/${lockKey} is still there after every apply finished`);
    const after = await pullState(ctx, stack);
    if (after.lineage !== before.lineage) problems.push(`state lineage changed: ${before.lineage} -> ${after.lineage}`);
    if (!(after.serial >= before.serial)) problems.push(`state serial went back: ${before.serial} -> ${after.serial}`);
    const resources = (s: TfJson) => JSON.stringify(((s.resources ?? []) as TfJson[]).map((r) => `${r.mode}.${r.type}.${r.name}`).sort());
    if (resources(after) !== resources(before)) problems.push("the state's resources changed");
    const plan = await planStack(ctx, stack, { name: "after-lock" });
    if (plan.changes.length > 0) problems.push(`re-plan after the concurrent applies shows ${plan.changes.length} changes`);
  } finally {
    s3.destroy();
  }
  return problems;
}

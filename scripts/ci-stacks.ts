/**
 * `npx tsx scripts/ci-stacks.ts > cdktf.out/ci-stacks.json`
 * Prints what CI plans and applies, from the app itself (no synth, no credentials):
 *   { "deployments": [{ "environment", "accountId", "planInPullRequests", "stacks": [...] }],
 *     "pullRequestPlans": [{ "environment", "stack" }] }
 * Stacks are in apply order (baselines, data, platform). Build first (`npm run synth`).
 * The workflows run it in their credential-free synth job and read the file with jq.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "cdktf";
import { environments } from "../environments";
import { buildApp } from "../stacks/app";

const outdir = mkdtempSync(join(tmpdir(), "ci-stacks-"));
try {
  const built = buildApp(new App({ outdir }), { environments });
  const deployments = built.deployments.map((d) => ({
    environment: d.environment,
    accountId: d.accountId,
    planInPullRequests: d.planInPullRequests,
    stacks: d.stacks.map((s) => s.name),
  }));
  const pullRequestPlans = deployments.filter((d) => d.planInPullRequests).flatMap((d) => d.stacks.map((stack) => ({ environment: d.environment, stack })));
  console.log(JSON.stringify({ deployments, pullRequestPlans }, null, 2));
} finally {
  rmSync(outdir, { recursive: true, force: true });
}

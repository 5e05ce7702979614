/**
 * `npm run e2e`: deploys every environment against a local AWS (moto on 127.0.0.1), re-plans,
 * makes a real change, checks change safety, runs traffic through what was deployed, makes real
 * plans for plan review, and destroys. No AWS account. tools/e2e/README.md has the steps.
 */
import { environments } from "../environments";
import { parseFlags, runScript } from "../tools/cli";
import { E2E_STEPS, E2eStep, runE2e } from "../tools/e2e/run";
import { findRepoRoot } from "../lib/repo-root";

const USAGE = `usage: npm run e2e [-- --steps deploy,converge,...] [--step-timeout <minutes>] [--keep]
  every stack applied against moto on 127.0.0.1 with OpenTofu and the mirrored provider, then
  ${E2E_STEPS.join(", ")}; needs \`npm run tools:terraform\` first.
  --keep: leave the local AWS running afterwards (use with --steps deploy) and print how to reach it.
  One line per stack, then: e2e: S stacks applied, C converged, D destroyed, E errors (exit 1 on any error).`;

runScript({ name: "e2e", usage: USAGE }, async (argv) => {
  const { values } = parseFlags(argv, { steps: { type: "string" }, "step-timeout": { type: "string" }, keep: { type: "boolean" } });
  const steps = values.steps?.split(",").map((s) => s.trim()) as E2eStep[] | undefined;
  const unknown = steps?.filter((s) => !E2E_STEPS.includes(s));
  if (unknown?.length) throw new Error(`--steps: unknown step ${unknown.join(", ")}; steps are ${E2E_STEPS.join(", ")}`);
  const minutes = values["step-timeout"] === undefined ? undefined : Number(values["step-timeout"]);
  if (minutes !== undefined && !(minutes > 0)) throw new Error(`--step-timeout ${values["step-timeout"]}: a number of minutes > 0`);
  const result = await runE2e({ repoRoot: findRepoRoot(__dirname), environments, steps, stepTimeoutMs: minutes && minutes * 60_000, keep: values.keep });
  return result.errors.length > 0 ? 1 : 0;
});

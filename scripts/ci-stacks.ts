/**
 * `npm run -s stacks`          every stack of the app and what CI does with it, as a table
 * `npm run -s stacks -- --json > cdktf.out/ci-stacks.json`   the same as JSON, for the workflows
 *
 * From the app itself (stacks/app.ts, no credentials): each stack's environment, product line,
 * account, region, backend, dependencies, plan role variable and the workflows that plan it
 * (stackListDocument in stacks/ci-deployments.ts), plus what the workflows read with jq:
 *   deployments       per GitHub environment, its stacks in apply order (apply-environment.yml)
 *   deployOrder       the GitHub environments deploy.yml applies, one after the other
 *   pullRequestPlans  the plan matrix of pr.yml (stacks whose plan role a pull request may use)
 *   driftPlans        the plan matrix of drift.yml (every stack CI plans)
 * Exits 1 when CI would apply a stack before one it depends on. Needs the function bundles
 * (`npm run build` or `npm run synth` first): it synthesizes into a temporary directory to
 * learn the dependencies cross-stack references add.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "cdktf";
import { environments } from "../environments";
import { buildApp } from "../stacks/app";
import { StackListEntry, deployOrderViolations, stackListDocument } from "../stacks/ci-deployments";
import { parseFlags, runScript } from "../tools/cli";

const USAGE = `usage: npm run -s stacks [-- --json]
  every stack of the app and what CI does with it; --json: the document the workflows read`;

function table(stacks: readonly StackListEntry[]): string {
  const rows = stacks.map((s) => [
    s.name,
    s.kind,
    s.environment,
    s.productLine,
    s.accountId,
    s.region,
    s.backend,
    s.dependencies.join(",") || "-",
    s.planEnvironment ? `${s.planEnvironment}/${s.planRoleVariable}` : "-",
    s.plannedBy.join(",") || "-",
  ]);
  const head = ["stack", "kind", "environment", "product line", "account", "region", "backend", "depends on", "plan role", "planned by"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  const notes = stacks.filter((s) => s.plannedBy.length === 0).map((s) => `  ${s.name}: ${s.why}`);
  return [line(head), ...rows.map(line), "", "Not planned by CI:", ...notes].join("\n");
}

runScript({ name: "stacks", usage: USAGE }, (argv) => {
  const { values } = parseFlags(argv, { json: { type: "boolean" } });
  const outdir = mkdtempSync(join(tmpdir(), "ci-stacks-"));
  try {
    const app = new App({ outdir });
    const built = buildApp(app, { environments });
    app.synth();
    const doc = stackListDocument(built);
    const violations = deployOrderViolations(doc.stacks);
    if (violations.length > 0) {
      console.error(`CI would deploy stacks before their dependencies:\n  ${violations.join("\n  ")}\nFix the order in stacks/ci-deployments.ts (ciDeployments).`);
      return 1;
    }
    console.log(values.json ? JSON.stringify(doc, null, 2) : table(doc.stacks));
    return 0;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
});

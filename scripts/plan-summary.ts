/**
 * Turns `terraform show -json <planfile>` output into the Markdown of a sticky PR comment.
 *
 *   tsx scripts/plan-summary.ts <plan.json> --stack <name> [--plan-text <file>] [--artifact-url <url>]
 *   tsx scripts/plan-summary.ts --stack <name> --plan-error <file> [--artifact-url <url>]   # plan failed
 *
 * Files may be UTF-8 (with or without a BOM) or UTF-16 LE/BE with a BOM (PowerShell's `>`);
 * a plan JSON in any other encoding fails with a message that names it.
 */
import { UsageError, optional, parseCliArgs, readText, runCli } from "../tools/plan-review/cli";
import { summarizePlan, summarizePlanFailure } from "../tools/plan-review";

const USAGE = `usage: tsx scripts/plan-summary.ts <plan.json> --stack <name> [--plan-text <file>] [--artifact-url <url>]
       tsx scripts/plan-summary.ts --stack <name> --plan-error <file> [--artifact-url <url>]`;

runCli(USAGE, () => {
  const { values, positionals } = parseCliArgs({
    stack: { type: "string" },
    "plan-text": { type: "string" },
    "plan-error": { type: "string" },
    "artifact-url": { type: "string" },
  });
  const stack = optional(values.stack);
  if (stack === undefined) throw new UsageError("--stack is required");
  const artifactUrl = optional(values["artifact-url"]);
  const errorFile = optional(values["plan-error"]);

  if (errorFile !== undefined) {
    if (positionals.length > 0) throw new UsageError("--plan-error replaces <plan.json>; pass one or the other");
    return summarizePlanFailure({ stack, artifactUrl, errorText: readText(errorFile, "plan error output", { lenient: true }) });
  }
  if (positionals.length !== 1) throw new UsageError("pass exactly one <plan.json> (the output of terraform show -json <planfile>)");
  const planFile = positionals[0];
  let plan: unknown;
  try {
    plan = JSON.parse(readText(planFile, "plan JSON"));
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    throw new Error(`${planFile} is not JSON (${(e as Error).message}); pass the output of terraform show -json <planfile>`);
  }
  const textFile = optional(values["plan-text"]);
  return summarizePlan(plan, { stack, artifactUrl, planText: textFile === undefined ? undefined : readText(textFile, "plan text", { lenient: true }) });
});

/** `npm run cost`: monthly fixed cost and cost per million shadow updates per environment, direct vs buffered (tools/cost). */
import { environments } from "../environments";
import { findRepoRoot } from "../lib/repo-root";
import { UsageError, runScript } from "../tools/cli";
import { measuredHandler, readBenchmarks } from "../tools/cost/inputs";
import { buildCostReport, formatCostReport } from "../tools/cost/report";

const USAGE = `usage: npm run cost
  prices every environment's direct and buffered ingestion: the monthly fixed cost, the cost per
  million shadow updates and the fleet size from which buffered is cheaper (Markdown table on stdout).
  Prices: tools/cost/prices.ts; assumptions: tools/cost/assumptions.ts; processor duration from
  BENCHMARKS.md when it has one (npm run bench), else a documented constant.`;

async function main(argv: readonly string[]): Promise<void> {
  if (argv.length > 0) throw new UsageError(`unknown argument ${argv.join(" ")}`);
  const measured = measuredHandler(readBenchmarks(findRepoRoot(__dirname)));
  console.log(formatCostReport(buildCostReport(environments, measured)));
}

runScript({ name: "cost", usage: USAGE }, main);

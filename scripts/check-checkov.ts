/**
 * `npm run check:checkov`: real checkov over cdktf.out/stacks, waivers from
 * tools/engine/checkov-waivers.ts. Lists waived findings, then
 * `checkov: P passed, F failed, W waived`. Exit 1 on any unwaived failure.
 */
import { resolve } from "node:path";
import { checkovSummaryLine, runCheckov } from "../tools/engine/checkov";
import { CHECKOV_WAIVERS } from "../tools/engine/checkov-waivers";
import { toolPaths } from "../tools/engine/paths";
import { UsageError, runScript } from "../tools/cli";

const USAGE = `usage: npm run check:checkov
  real checkov over cdktf.out/stacks (npm run tools:terraform first), waivers from
  tools/engine/checkov-waivers.ts; exit 1 on any unwaived failure`;

function main(argv: readonly string[]): number {
  if (argv.length > 0) throw new UsageError(`unknown argument ${argv.join(" ")}`);
  const result = runCheckov(resolve("cdktf.out/stacks"), toolPaths().venvBin, CHECKOV_WAIVERS);
  console.log(`checkov ${result.version}, framework terraform_json`);
  for (const e of result.parsingErrors) console.log(`parsing error: ${e}`);
  for (const { failure, waiver } of result.waived) {
    console.log(`waived ${failure.checkId} ${failure.stack} ${failure.address}: ${waiver.reason.split(";")[0]}`);
  }
  for (const f of result.unwaived) console.log(`FAILED ${f.checkId} ${f.stack} ${f.address}: ${f.checkName}`);
  for (const w of result.unusedWaivers) console.log(`warning: waiver ${w.check} on ${w.addresses.join(", ")} matched nothing; delete it`);
  console.log(checkovSummaryLine(result));
  return result.unwaived.length || result.parsingErrors.length ? 1 : 0;
}

runScript({ name: "check:checkov", usage: USAGE, failureExitCode: 2 }, main);

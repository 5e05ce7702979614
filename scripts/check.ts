/**
 * `npx tsx scripts/check.ts [cdktf.out] [--failures-only] [--rules]`
 * Checks every synthesized stack offline and prints a table per stack.
 * Exit codes: 0 clean, 1 unwaived findings, 2 nothing to check / bad input.
 */
import { blockingFindings, checkSynthDir, formatReport, ruleTableMarkdown } from "../tools/offline-checks";

function main(argv: readonly string[]): number {
  if (argv.includes("--rules")) {
    console.log(ruleTableMarkdown());
    return 0;
  }
  const dir = argv.find((a) => !a.startsWith("--")) ?? "cdktf.out";
  const result = checkSynthDir(dir);
  const rows = result.stacks.flatMap((s) => [...s.findings, ...s.passes]);
  console.log(formatReport(rows, { failuresOnly: argv.includes("--failures-only") }));
  for (const w of result.unusedWaivers) {
    console.warn(`warning: waiver ${w.ruleId} on ${w.stack} ${w.address} matched nothing; delete it from tools/offline-checks/waivers.ts`);
  }
  const blocking = blockingFindings(result.findings);
  const waived = result.findings.filter((f) => f.status === "waived").length;
  console.log(`${result.stacks.length} stack(s): ${blocking.length} unwaived finding(s), ${waived} waived.`);
  return blocking.length ? 1 : 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  console.error(`check: ${(e as Error).message}`);
  process.exitCode = 2;
}

/**
 * `npm run check [-- --verbose]`, or `npx tsx scripts/check.ts [cdktf.out] [--verbose] [--rules]`
 * Checks every synthesized stack offline. Prints the findings (FAIL, info, waived) per stack and a
 * summary; `--verbose` also prints every pass. Exit codes: 0 clean, 1 unwaived findings,
 * 2 nothing to check / bad input.
 */
import { blockingFindings, checkSynthDir, formatReport, ruleTableMarkdown } from "../tools/offline-checks";
import { parseFlags, runScript } from "../tools/cli";

const USAGE = `usage: npm run check [-- --verbose]
       npx tsx scripts/check.ts [<cdktf.out dir>] [--verbose] [--rules]
  --verbose   print every pass too (the default prints findings and a summary)
  --rules     print the rule table and exit`;

runScript({ name: "check", usage: USAGE, failureExitCode: 2 }, (argv) => {
  const { values, positionals } = parseFlags(
    argv,
    // --failures-only was the opt-in before failures-only became the default; still accepted.
    { verbose: { type: "boolean" }, rules: { type: "boolean" }, "failures-only": { type: "boolean" } },
    { allowPositionals: true },
  );
  if (values.rules) {
    console.log(ruleTableMarkdown());
    return 0;
  }
  const dir = positionals[0] ?? "cdktf.out";
  const result = checkSynthDir(dir);
  const rows = result.stacks.flatMap((s) => [...s.findings, ...s.passes]);
  console.log(formatReport(rows, { verbose: values.verbose }));
  for (const w of result.unusedWaivers) {
    console.warn(`warning: waiver ${w.ruleId} on ${w.stack} ${w.address} matched nothing; delete it from tools/offline-checks/waivers.ts`);
  }
  const blocking = blockingFindings(result.findings);
  const waived = result.findings.filter((f) => f.status === "waived").length;
  const passes = result.stacks.reduce((n, s) => n + s.passes.length, 0);
  const passNote = values.verbose ? "" : " (--verbose lists them)";
  console.log(`${result.stacks.length} stack(s): ${blocking.length} unwaived finding(s), ${waived} waived, ${passes} pass(es)${passNote}.`);
  return blocking.length ? 1 : 0;
});

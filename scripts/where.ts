/**
 * `npm run -s where -- <address> [--stack <name>] [--out cdktf.out]`
 * Which stack holds a Terraform address, its construct path (the `//` metadata in cdk.tf.json)
 * and the module (modules/<dir>) that owns it, from the construct tree of the app as built now.
 * The address may also be a construct path, with or without the stack ("processor/function").
 * Exit codes: 0 found (or no arguments: the usage), 1 not found (the message lists close matches), 2 usage.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { UsageError, parseFlags, runScript } from "../tools/cli";
import { readSynthDir } from "../tools/plan-review";
import { AddressNotFoundError, buildOwnerIndex, formatLocated, locate } from "../tools/where";

const REPO_ROOT = path.resolve(__dirname, "..");
const USAGE = `usage: npm run -s where -- <address> [--stack <name>] [--out <cdktf.out dir>]
  e.g. npm run -s where -- aws_lambda_function.processor_function_D7E0E582 --stack iot-dev-platform
  prints the stack(s), the construct path and the module that owns the resource or data source;
  without --stack every synthesized stack is searched (npm run synth first)`;

runScript({ name: "where", usage: USAGE }, (argv) => {
  const { values, positionals } = parseFlags(argv, { stack: { type: "string" }, out: { type: "string", default: "cdktf.out" } }, { allowPositionals: true });
  if (argv.length === 0) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? "pass the address" : `pass one address, got ${positionals.join(" ")}`);
  const outDir = values.out;
  let appDir: string | undefined;
  try {
    const located = locate({
      stacks: readSynthDir(outDir),
      address: positionals[0],
      stack: values.stack,
      outDir,
      // The tree only (no synth): construct classes tell which module made each resource. Loaded
      // here, not at the top, so usage and not-found answers need not load the provider classes.
      app: () => {
        const { App } = require("cdktf") as typeof import("cdktf");
        const { environments } = require("../environments") as typeof import("../environments");
        const { buildApp } = require("../stacks/app") as typeof import("../stacks/app");
        appDir = mkdtempSync(path.join(tmpdir(), "where-"));
        const app = new App({ outdir: appDir });
        buildApp(app, { environments });
        return app;
      },
      index: () => buildOwnerIndex(REPO_ROOT),
    });
    console.log(formatLocated(located));
    return 0;
  } catch (e) {
    if (!(e instanceof AddressNotFoundError)) throw e;
    console.error(e.message);
    return 1;
  } finally {
    if (appDir) rmSync(appDir, { recursive: true, force: true });
  }
});

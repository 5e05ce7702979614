/**
 * What every CLI in scripts/ does the same way: `--help` (or `-h`) prints the usage on stdout and
 * exits 0; a usage mistake (unknown flag, missing argument) prints the error and the usage on
 * stderr and exits 2; any other error prints `<name>: <message>` and exits `failureExitCode`.
 * test/cli-help.test.ts runs every script in package.json and scripts/ with `--help` and a bogus flag.
 */
import { ParseArgsConfig, parseArgs } from "node:util";
import { silenceSdkNodeVersionWarning } from "./sdk-node-warning";

export { silenceSdkNodeVersionWarning } from "./sdk-node-warning";

/** A usage mistake: printed with the usage text, exit code 2. */
export class UsageError extends Error {}

/** True when the command line asks for help (before a `--` that ends the options). */
export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf("--");
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === "--help" || a === "-h");
}

/** node:util parseArgs, strict; its errors (unknown option, missing value) become usage errors. */
export function parseFlags<O extends NonNullable<ParseArgsConfig["options"]>>(argv: readonly string[], options: O, opts: { allowPositionals?: boolean } = {}) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: opts.allowPositionals ?? false });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export interface ScriptOptions {
  /** Prefix of error messages, e.g. "check". */
  readonly name: string;
  /** Printed for --help (stdout) and after a usage error (stderr). Starts with "usage:". */
  readonly usage: string;
  /** Exit code for an error that is not a usage mistake. @default 1 */
  readonly failureExitCode?: number;
  /** @default process.argv.slice(2) */
  readonly argv?: readonly string[];
}

/** Runs a script's main with the conventions above; main returns the exit code (default 0). */
export function runScript(opts: ScriptOptions, main: (argv: readonly string[]) => number | void | Promise<number | void>): Promise<void> {
  const argv = opts.argv ?? process.argv.slice(2);
  // The platform's tooling runs on Node 20; see sdk-node-warning.ts.
  silenceSdkNodeVersionWarning();
  if (wantsHelp(argv)) {
    process.stdout.write(`${opts.usage}\n`);
    process.exitCode = 0;
    return Promise.resolve();
  }
  return Promise.resolve()
    .then(() => main(argv))
    .then(
      (code) => {
        process.exitCode = code ?? 0;
      },
      (e: unknown) => {
        if (e instanceof UsageError) {
          process.stderr.write(`error: ${e.message}\n\n${opts.usage}\n`);
          process.exitCode = 2;
          return;
        }
        process.stderr.write(`${opts.name}: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exitCode = opts.failureExitCode ?? 1;
      },
    );
}

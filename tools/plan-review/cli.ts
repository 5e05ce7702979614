/** Shared CLI plumbing for the plan-review scripts: --help exits 0, usage errors exit 2, failures exit 1. */
import * as fs from "node:fs";
import { ParseArgsConfig, parseArgs } from "node:util";
import { UsageError, wantsHelp } from "../cli";
import { DecodeOptions, TextEncodingError, decodeText } from "./text-encoding";

export { UsageError } from "../cli";

/** Runs `main`, printing its Markdown to stdout and any error to stderr. */
export function runCli(usage: string, main: () => string): void {
  if (wantsHelp(process.argv.slice(2))) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  try {
    process.stdout.write(main());
  } catch (e) {
    const usageError = e instanceof UsageError;
    process.stderr.write(`error: ${(e as Error).message}\n${usageError ? `\n${usage}\n` : ""}`);
    process.exitCode = usageError ? 2 : 1;
  }
}

/** node:util parseArgs with positionals allowed; its errors become usage errors (exit 2). */
export function parseCliArgs<O extends NonNullable<ParseArgsConfig["options"]>>(options: O) {
  try {
    return parseArgs({ allowPositionals: true, options });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/**
 * Reads a text file as UTF-8, UTF-8 with a BOM, or UTF-16 LE/BE with a BOM (what PowerShell's `>`
 * writes). Strict by default: other encodings fail with a message that names them (exit 1).
 */
export function readText(file: string, what: string, opts: DecodeOptions = {}): string {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${JSON.stringify(file)}: ${(e as Error).message}`);
  }
  try {
    return decodeText(bytes, opts).text;
  } catch (e) {
    if (e instanceof TextEncodingError) throw new Error(`${what} ${JSON.stringify(file)} ${e.message}`);
    throw e;
  }
}

/** Empty strings count as absent: workflows pass `"$VAR"` whether or not it is set. */
export function optional(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

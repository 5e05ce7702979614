/** Size of the built processor bundle and what fills it (esbuild metafile of `npm run build`). */
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { ROOT } from "./proc";

const BUNDLE = join(ROOT, "dist", "functions", "shadow-history", "index.js");
const METAFILE = join(ROOT, "dist", "functions", "shadow-history.meta.json");
export const BUNDLE_BUDGET_BYTES = 150 * 1024;

export interface BundleSize {
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly budgetBytes: number;
  /** Bytes in the output per package ("(source)" for repository files), largest first. */
  readonly byPackage: readonly { readonly name: string; readonly bytes: number }[];
  /** What the bundle would weigh with @aws-sdk/* bundled instead of taken from the runtime. */
  readonly withSdkBytes: number;
  readonly withSdkGzipBytes: number;
}

export async function bundleSize(): Promise<BundleSize> {
  const code = readFileSync(BUNDLE);
  const meta = JSON.parse(readFileSync(METAFILE, "utf8")) as { outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }> };
  const output = meta.outputs["dist/functions/shadow-history/index.js"];
  if (!output) throw new Error(`${METAFILE} has no output dist/functions/shadow-history/index.js: run \`npm run build\``);
  const sizes = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const name = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1] ?? "(source)";
    sizes.set(name, (sizes.get(name) ?? 0) + bytesInOutput);
  }
  // Same entry and settings as scripts/build-functions.mjs, but with the SDK inside: the size it saves.
  const withSdk = await build({
    absWorkingDir: ROOT,
    entryPoints: [join(ROOT, "functions", "shadow-history", "handler.ts")],
    bundle: true,
    platform: "node",
    target: "node22",
    format: "cjs",
    minify: true,
    legalComments: "none",
    write: false,
    logLevel: "silent",
  });
  const withSdkCode = withSdk.outputFiles[0].contents;
  return {
    bytes: statSync(BUNDLE).size,
    gzipBytes: gzipSync(code, { level: 9 }).length,
    budgetBytes: BUNDLE_BUDGET_BYTES,
    byPackage: [...sizes.entries()].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes),
    withSdkBytes: withSdkCode.length,
    withSdkGzipBytes: gzipSync(withSdkCode, { level: 9 }).length,
  };
}

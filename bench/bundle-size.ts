/**
 * Size of the built processor bundle and what fills it (esbuild metafile of `npm run build`), and of
 * the zip as deployed: made from the bundle directory by the same packageDirectory() synth uses.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { packageDirectory, readZip } from "../modules/shadow-processor/zip";
import { ROOT } from "./proc";

const BUNDLE_DIR = join(ROOT, "dist", "functions", "shadow-history");
const BUNDLE = join(BUNDLE_DIR, "index.js");
const METAFILE = join(ROOT, "dist", "functions", "shadow-history.meta.json");
/** A build artifact beside the bundle directory, not deployed. */
const SOURCE_MAP = join(ROOT, "dist", "functions", "shadow-history.js.map");
export const BUNDLE_BUDGET_BYTES = 150 * 1024;

export interface BundleSize {
  /** index.js, minified. */
  readonly bytes: number;
  readonly gzipBytes: number;
  /** The deployed zip (stored entries, so about the sum of its files). */
  readonly zipBytes: number;
  /** What the deployed zip holds. */
  readonly zipEntries: readonly { readonly name: string; readonly bytes: number }[];
  /** The source map, kept as a build artifact outside the zip; undefined when the build wrote none. */
  readonly sourceMapBytes: number | undefined;
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
  const zip = deployedZip();
  return {
    bytes: statSync(BUNDLE).size,
    gzipBytes: gzipSync(code, { level: 9 }).length,
    ...zip,
    sourceMapBytes: statSync(SOURCE_MAP, { throwIfNoEntry: false })?.size,
    budgetBytes: BUNDLE_BUDGET_BYTES,
    byPackage: [...sizes.entries()].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes),
    withSdkBytes: withSdkCode.length,
    withSdkGzipBytes: gzipSync(withSdkCode, { level: 9 }).length,
  };
}

/** The zip synth deploys, built into a scratch directory (dist/functions/<name>.zip is only as fresh as the last synth). */
function deployedZip(): { zipBytes: number; zipEntries: { name: string; bytes: number }[] } {
  const dir = mkdtempSync(join(tmpdir(), "bench-bundle-"));
  try {
    const zip = readFileSync(packageDirectory(BUNDLE_DIR, join(dir, "shadow-history.zip")).zipPath);
    return { zipBytes: zip.length, zipEntries: readZip(zip).map((e) => ({ name: e.name, bytes: e.data.length })) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

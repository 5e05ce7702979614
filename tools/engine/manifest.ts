/** The toolchain manifest: what `npm run tools:terraform` installed, read by every engine-backed script. */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { delimiter } from "node:path";
import { BuildMeasurement } from "./go-build";
import { ToolPaths, toolPaths } from "./paths";

export interface EngineChoice {
  /** built: OpenTofu and the provider mirror from the cache; system: the user's own engine with registry access. */
  readonly kind: "built" | "system";
  /** Binary name for TERRAFORM_BINARY_NAME (cdktf CLI). */
  readonly binaryName: "tofu" | "terraform";
  readonly path: string;
  readonly version: string;
}

export interface ProviderChoice {
  /** Version installed in the mirror (built) or resolved from the registry (system). */
  readonly version: string;
  /** Version the synthesized stacks pin. */
  readonly pinned: string;
  /** Why the version differs from the pin, when it does. */
  readonly substitution?: string;
}

export interface Manifest {
  readonly engine: EngineChoice;
  readonly provider: ProviderChoice;
  readonly python: { readonly venv: string; readonly packages: readonly string[] };
  /** Measured when each artifact was last built (cold): kept across warm runs. */
  readonly builds: Readonly<Record<string, BuildMeasurement>>;
  readonly warmRunSeconds?: number;
}

export function readManifest(paths: ToolPaths = toolPaths()): Manifest | undefined {
  return existsSync(paths.manifest) ? (JSON.parse(readFileSync(paths.manifest, "utf8")) as Manifest) : undefined;
}

export function requireManifest(paths: ToolPaths = toolPaths()): Manifest {
  const manifest = readManifest(paths);
  if (!manifest) throw new Error(`no toolchain in ${paths.root}: run \`npm run tools:terraform\` first (or set IOT_TOOLS_CACHE)`);
  return manifest;
}

export function writeManifest(paths: ToolPaths, manifest: Manifest): void {
  writeFileSync(paths.manifest, JSON.stringify(manifest, null, 2) + "\n");
}

/** The variables every engine-backed script, test and person uses. */
export function engineEnv(manifest: Manifest, paths: ToolPaths = toolPaths(), base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const dirs = [paths.venvBin, ...(manifest.engine.kind === "built" ? [paths.bin] : [])];
  const env: Record<string, string> = {
    PATH: [...dirs, base.PATH ?? ""].join(delimiter),
    TERRAFORM_BINARY_NAME: manifest.engine.binaryName,
    IOT_TOOLS_VENV: paths.venv,
  };
  if (manifest.engine.kind === "built") env.TF_CLI_CONFIG_FILE = paths.cliConfig;
  return env;
}

export function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]*$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

export function exportLines(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([k, v]) => `export ${k}=${shellQuote(v)}`)
    .join("\n");
}

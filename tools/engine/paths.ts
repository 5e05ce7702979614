/** Where the toolchain lives: one cache directory outside the repository, never committed. */
import { homedir } from "node:os";
import { join, resolve } from "node:path";

export const CACHE_ENV = "IOT_TOOLS_CACHE";

export interface ToolPaths {
  readonly root: string;
  readonly goModCache: string;
  readonly goBuildCache: string;
  readonly src: string;
  readonly bin: string;
  readonly tofu: string;
  readonly mirror: string;
  readonly pluginCache: string;
  readonly cliConfig: string;
  readonly venv: string;
  readonly venvBin: string;
  readonly work: string;
  readonly manifest: string;
}

export function toolPaths(env: NodeJS.ProcessEnv = process.env): ToolPaths {
  const root = resolve(env[CACHE_ENV] || join(homedir(), ".cache", "iot-shadow-platform", "tools"));
  const venv = join(root, "venv");
  return {
    root,
    goModCache: join(root, "go", "mod"),
    goBuildCache: join(root, "go", "build"),
    src: join(root, "src"),
    bin: join(root, "bin"),
    tofu: join(root, "bin", "tofu"),
    mirror: join(root, "mirror"),
    pluginCache: join(root, "plugin-cache"),
    cliConfig: join(root, "tofu.tfrc"),
    venv,
    venvBin: join(venv, "bin"),
    work: join(root, "work"),
    manifest: join(root, "manifest.json"),
  };
}

/** `<mirror>/registry.opentofu.org/hashicorp/aws/<v>/linux_amd64/terraform-provider-aws_v<v>`: the unpacked mirror layout. */
export function providerBinaryPath(paths: ToolPaths, version: string, platform = "linux_amd64"): string {
  return join(paths.mirror, "registry.opentofu.org", "hashicorp", "aws", version, platform, `terraform-provider-aws_v${version}`);
}

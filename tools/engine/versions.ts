/**
 * What the real-engine toolchain is built from. Every source is a package registry:
 * the Go module proxy (OpenTofu, the AWS provider) and PyPI (checkov, moto).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** A Go main package built from a wrapper module (the upstream go.mod has `replace` lines, so `go install` is refused). */
export interface GoBuild {
  /** Module path of the upstream project. */
  readonly module: string;
  /** Exact version string the module proxy serves (tag or pseudo-version). */
  readonly goVersion: string;
  /** Package holding `main`. */
  readonly mainPackage: string;
  /** `go` directive of the wrapper: the upstream one, so the toolchain check matches. */
  readonly goDirective: string;
  /** Upstream `godebug` settings: they apply only when set by the main module, i.e. the wrapper. */
  readonly godebug: readonly string[];
  /** Upstream `replace` lines, repeated because replaces only apply in the main module. */
  readonly replaces: readonly string[];
  readonly ldflags: string;
}

export const OPENTOFU_VERSION = "1.12.6";

export const OPENTOFU: GoBuild = {
  module: "github.com/opentofu/opentofu",
  goVersion: `v${OPENTOFU_VERSION}`,
  mainPackage: "github.com/opentofu/opentofu/cmd/tofu",
  goDirective: "1.26.6",
  godebug: ["tlsmlkem=0", "winsymlink=0"],
  replaces: ["github.com/hashicorp/hcl/v2 v2.20.1 => github.com/opentofu/hcl/v2 v2.20.2-0.20251021132045-587d123c2828"],
  ldflags: "-s -w -X github.com/opentofu/opentofu/version.dev=no",
};

const PROVIDER_MODULE = "github.com/hashicorp/terraform-provider-aws";

/** A build of the AWS provider: the version it reports and where its source comes from. */
export interface ProviderSource {
  /** Version the binary reports and the mirror directory it is installed under. */
  readonly version: string;
  /** Upstream commit the source is taken from. */
  readonly commit: string;
  /** The proxy's version string for that commit, or undefined when the proxy serves none. */
  readonly build?: GoBuild;
  readonly note: string;
}

/** The build spec of the provider at a proxy version string, reporting itself as `providerVersion`. */
export function providerBuild(goVersion: string, providerVersion: string): GoBuild {
  return {
    module: PROVIDER_MODULE,
    goVersion,
    mainPackage: PROVIDER_MODULE,
    goDirective: "1.26.3",
    godebug: ["tlsmlkem=0"],
    replaces: [],
    ldflags: `-s -w -X ${PROVIDER_MODULE}/version.ProviderVersion=${providerVersion}`,
  };
}

/**
 * The provider version @cdktf/provider-aws generated its bindings for, and so the
 * `required_providers` constraint of every synthesized stack.
 */
export function pinnedProviderVersion(repoRoot: string): string {
  const pkg = JSON.parse(readFileSync(join(repoRoot, "node_modules/@cdktf/provider-aws/package.json"), "utf8"));
  const version = pkg?.cdktf?.provider?.version;
  if (typeof version !== "string") throw new Error("node_modules/@cdktf/provider-aws/package.json has no cdktf.provider.version: run npm ci");
  return version;
}

/**
 * Candidate sources, preferred first. The module path has no /v6 suffix, so Go
 * refuses the v6 tags and a release is reachable only as a pseudo-version of its
 * commit. This registry lists one v6 commit (its /@v/list shows it); asked by
 * hash for the v6.25.0 tag commit it answers 403 "This module version is not available".
 */
export const PROVIDER_SOURCES: readonly ProviderSource[] = [
  {
    version: "6.25.0",
    commit: "cabf449bda59d1378c29acc4d8aecf45a105a811",
    note: "tag v6.25.0; the Go module proxy here answers 403 for this commit",
  },
  {
    version: "6.48.0-dev",
    commit: "5f2286d6d836",
    build: providerBuild("v1.60.1-0.20260602190131-5f2286d6d836", "6.48.0-dev"),
    note: "main on 2026-06-02 (after v6.47.0), the one v6 commit the Go module proxy here lists",
  },
];

export const PROVIDER_MODULE_PATH = PROVIDER_MODULE;

/** Pinned PyPI packages for the scanners' virtualenv: checkov, moto, and cbor2 for the local AWS's CloudWatch bridge (tools/local-aws/cloudwatch_cbor.py). */
export const PYTHON_PACKAGES = ["checkov==3.3.30", "moto[server]==5.2.5", "cbor2==5.7.1"] as const;

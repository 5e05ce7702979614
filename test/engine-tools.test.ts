/**
 * The real-engine toolchain's own logic, without the engine: what the CLI config
 * allows, what the wrapper modules repeat, how checkov findings are addressed and
 * waived, how validate output is read. The engine runs in `npm run test:engine`.
 */
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { applyWaivers, matches, resourceAddress, stackOf } from "../tools/engine/checkov";
import { CHECKOV_WAIVERS, CheckovWaiver } from "../tools/engine/checkov-waivers";
import { buildStamp, isBuilt, markBuilt, wrapperGoMod } from "../tools/engine/go-build";
import { cliConfigText, findSystemEngine } from "../tools/engine/install";
import { Manifest, engineEnv, exportLines } from "../tools/engine/manifest";
import { CACHE_ENV, providerBinaryPath, toolPaths } from "../tools/engine/paths";
import { formatStackLine, parseValidateJson, summaryLine, workingCopy } from "../tools/engine/validate";
import { OPENTOFU, PROVIDER_SOURCES, pinnedProviderVersion } from "../tools/engine/versions";

const paths = toolPaths({ [CACHE_ENV]: "/cache/tools" });

const manifest = (over: Partial<Manifest["provider"]> = {}, kind: "built" | "system" = "built"): Manifest => ({
  engine: { kind, binaryName: kind === "built" ? "tofu" : "terraform", path: kind === "built" ? paths.tofu : "/usr/bin/terraform", version: "1.12.6" },
  provider: { version: "6.48.0-dev", pinned: "6.25.0", substitution: "not served", ...over },
  python: { venv: paths.venv, packages: [] },
  builds: {},
});

describe("tool cache layout and CLI config", () => {
  it("lives outside the repository, overridable by IOT_TOOLS_CACHE", () => {
    expect(toolPaths({ HOME: "/home/u" }).root).toMatch(/\.cache\/iot-shadow-platform\/tools$/);
    expect(paths.root).toBe("/cache/tools");
    expect(providerBinaryPath(paths, "6.25.0")).toBe("/cache/tools/mirror/registry.opentofu.org/hashicorp/aws/6.25.0/linux_amd64/terraform-provider-aws_v6.25.0");
  });

  it("installs providers from the mirror only: no direct block, no registry fallback", () => {
    const text = cliConfigText(paths);
    expect(text).toContain('path    = "/cache/tools/mirror"');
    expect(text).toContain('include = ["registry.opentofu.org/hashicorp/aws"]');
    expect(text).not.toMatch(/\bdirect\s*\{/);
    expect(text).not.toMatch(/dev_overrides/);
  });

  it("print-env exports PATH, TF_CLI_CONFIG_FILE, TERRAFORM_BINARY_NAME and the virtualenv", () => {
    const env = engineEnv(manifest(), paths, { PATH: "/usr/bin" });
    expect(env.PATH).toBe("/cache/tools/venv/bin:/cache/tools/bin:/usr/bin");
    expect(env).toMatchObject({ TF_CLI_CONFIG_FILE: "/cache/tools/tofu.tfrc", TERRAFORM_BINARY_NAME: "tofu", IOT_TOOLS_VENV: "/cache/tools/venv" });
    expect(exportLines({ A: "x y", B: "it's" })).toBe("export A='x y'\nexport B='it'\\''s'");
  });

  it("a user's own engine keeps its registry: no CLI config override, its binary name", () => {
    const env = engineEnv(manifest({}, "system"), paths, { PATH: "/usr/bin" });
    expect(env.TF_CLI_CONFIG_FILE).toBeUndefined();
    expect(env.TERRAFORM_BINARY_NAME).toBe("terraform");
    expect(env.PATH).toBe("/cache/tools/venv/bin:/usr/bin");
  });
});

describe("a user's own engine is kept when it reaches its registry", () => {
  /** Fake engines on an otherwise empty PATH: each prints `version -json` like the real ones. */
  function fakeEngines(engines: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), "engines-"));
    for (const [name, version] of Object.entries(engines)) {
      const file = join(dir, name);
      writeFileSync(file, `#!/bin/sh\necho '{"terraform_version":"${version}"}'\n`);
      chmodSync(file, 0o755);
    }
    return dir;
  }
  const withPath = <T>(dir: string, fn: () => T): T => {
    const saved = process.env.PATH;
    process.env.PATH = dir;
    try {
      return fn();
    } finally {
      process.env.PATH = saved;
    }
  };

  it("uses tofu >= 1.10 whose registry answers, and says which", () => {
    const dir = fakeEngines({ tofu: "1.10.3" });
    const asked: string[] = [];
    const found = withPath(dir, () => findSystemEngine(paths, () => undefined, (host) => (asked.push(host), true)));
    expect(found).toEqual({ binaryName: "tofu", path: join(dir, "tofu"), version: "1.10.3", registry: "registry.opentofu.org", min: [1, 10] });
    expect(asked).toEqual(["registry.opentofu.org"]);
  });

  it("builds instead when the registry is unreachable or the engine too old for S3 native locking", () => {
    const log: string[] = [];
    const dir = fakeEngines({ tofu: "1.12.0", terraform: "1.10.5" });
    expect(withPath(dir, () => findSystemEngine(paths, (l) => log.push(l), (host) => host !== "registry.opentofu.org"))).toBeUndefined();
    expect(log).toEqual([
      expect.stringMatching(/tofu 1\.12\.0 at .* found, but registry\.opentofu\.org is unreachable; not used/),
      expect.stringMatching(/terraform 1\.10\.5 at .* is older than 1\.11 \(no S3 native locking\); not used/),
    ]);
  });

  it("never picks up the cache's own OpenTofu as the user's engine", () => {
    const root = mkdtempSync(join(tmpdir(), "cache-"));
    const own = toolPaths({ [CACHE_ENV]: root });
    mkdirSync(own.bin, { recursive: true });
    writeFileSync(own.tofu, `#!/bin/sh\necho '{"terraform_version":"1.12.6"}'\n`);
    chmodSync(own.tofu, 0o755);
    expect(withPath(own.bin, () => findSystemEngine(own, () => undefined, () => true))).toBeUndefined();
  });
});

describe("Go builds from the module proxy", () => {
  it("the wrapper module repeats upstream replaces and godebug settings (they apply only in the main module)", () => {
    const mod = wrapperGoMod("opentofu", OPENTOFU);
    expect(mod).toContain("require github.com/opentofu/opentofu v1.12.6");
    expect(mod).toContain("replace github.com/hashicorp/hcl/v2 v2.20.1 => github.com/opentofu/hcl/v2");
    expect(mod).toMatch(/godebug \(\n\ttlsmlkem=0\n\twinsymlink=0\n\)/);
    expect(mod).toContain("go 1.26.6");
  });

  it("a binary counts as built only with a stamp of the same spec", () => {
    const dir = mkdtempSync(join(tmpdir(), "stamp-"));
    const bin = join(dir, "tofu");
    expect(isBuilt(bin, OPENTOFU)).toBe(false);
    writeFileSync(bin, "binary");
    expect(isBuilt(bin, OPENTOFU)).toBe(false);
    markBuilt(bin, OPENTOFU);
    expect(isBuilt(bin, OPENTOFU)).toBe(true);
    expect(isBuilt(bin, { ...OPENTOFU, goVersion: "v1.12.7" })).toBe(false);
    expect(buildStamp(OPENTOFU)).toContain(OPENTOFU.ldflags);
  });

  it("the pinned provider is the one @cdktf/provider-aws was generated for, and the build that stands in for it says why", () => {
    expect(pinnedProviderVersion(join(__dirname, ".."))).toBe("6.25.0");
    const pinned = PROVIDER_SOURCES.find((s) => s.version === "6.25.0")!;
    expect(pinned.commit).toBe("cabf449bda59d1378c29acc4d8aecf45a105a811");
    const fallback = PROVIDER_SOURCES.find((s) => s.build)!;
    expect(fallback.build!.ldflags).toContain(`ProviderVersion=${fallback.version}`);
    expect(fallback.build!.goVersion).toMatch(new RegExp(`-${fallback.commit}$`));
  });
});

describe("validate", () => {
  const stack = { terraform: { required_providers: { aws: { source: "aws", version: "6.25.0" } } }, resource: {} };

  it("a substituted provider changes only the working copy's constraint", () => {
    const copy = workingCopy(stack, manifest()) as typeof stack;
    expect(copy.terraform.required_providers.aws.version).toBe("6.48.0-dev");
    expect(stack.terraform.required_providers.aws.version).toBe("6.25.0");
    expect((workingCopy(stack, manifest({ version: "6.25.0", substitution: undefined })) as typeof stack).terraform.required_providers.aws.version).toBe("6.25.0");
    expect((workingCopy(stack, manifest({}, "system")) as typeof stack).terraform.required_providers.aws.version).toBe("6.25.0");
  });

  it("reads tofu validate -json diagnostics and counts them in the summary line", () => {
    const diags = parseValidateJson(
      JSON.stringify({
        valid: false,
        diagnostics: [
          { severity: "error", summary: "Missing required argument", detail: 'The argument "name" is required', address: "aws_iot_thing.t" },
          { severity: "warning", summary: "Deprecated attribute", range: { filename: "cdk.tf.json", start: { line: 7 } } },
        ],
      }),
    );
    expect(diags).toEqual([
      { severity: "error", summary: "Missing required argument", detail: 'The argument "name" is required', where: "aws_iot_thing.t" },
      { severity: "warning", summary: "Deprecated attribute", detail: undefined, where: "cdk.tf.json:7" },
    ]);
    const results = [
      { stack: "a", diagnostics: diags, seconds: 1 },
      { stack: "b", diagnostics: [], seconds: 1 },
    ];
    expect(summaryLine(results)).toBe("validate: 2 stacks, 1 errors, 1 warnings");
    expect(formatStackLine(results[0])).toMatch(/^FAIL a: 1 error\(s\), 1 warning\(s\)/);
    expect(formatStackLine(results[1])).toMatch(/^ok {3}b: 0 error\(s\), 0 warning\(s\)/);
  });
});

describe("checkov findings and waivers", () => {
  const tf = { resource: { aws_lambda_function: { fn_1: {} }, aws_sqs_queue: { q: {} } } };

  it("restores the resource type checkov's JSON parser drops", () => {
    expect(resourceAddress("resource.fn_1", tf)).toBe("aws_lambda_function.fn_1");
    expect(resourceAddress("aws_s3_bucket.state_bucket", tf)).toBe("aws_s3_bucket.state_bucket");
    expect(resourceAddress("resource.unknown", tf)).toBe("resource.unknown");
    expect(stackOf("/iot-dev-platform/cdk.tf.json")).toBe("iot-dev-platform");
  });

  const report = (checks: [string, string, string][]) => ({
    check_type: "terraform_json",
    summary: { passed: 10, failed: checks.length, parsing_errors: 0, checkov_version: "3.3.30" },
    results: { failed_checks: checks.map(([id, stack, resource]) => ({ check_id: id, check_name: id, file_path: `/${stack}/cdk.tf.json`, file_abs_path: stack, resource })) },
  });

  it("waives only the listed (check, address) pair, in the listed stacks", () => {
    const waiver: CheckovWaiver = { check: "CKV_AWS_115", addresses: ["aws_lambda_function.fn_1"], stacks: ["*-dev-platform"], reason: "r" };
    const result = applyWaivers(
      [
        report([
          ["CKV_AWS_115", "iot-dev-platform", "resource.fn_1"],
          ["CKV_AWS_115", "iot-prod-platform", "resource.fn_1"],
          ["CKV_AWS_116", "iot-dev-platform", "resource.fn_1"],
          ["CKV_AWS_27", "iot-dev-platform", "resource.q"],
        ]),
      ],
      () => tf,
      [waiver, { check: "CKV_AWS_1", addresses: ["x.y"], reason: "stale" }],
    );
    expect(result.waived.map((w) => [w.failure.checkId, w.failure.stack])).toEqual([["CKV_AWS_115", "iot-dev-platform"]]);
    expect(result.unwaived.map((f) => `${f.checkId} ${f.stack} ${f.address}`)).toEqual([
      "CKV_AWS_115 iot-prod-platform aws_lambda_function.fn_1",
      "CKV_AWS_116 iot-dev-platform aws_lambda_function.fn_1",
      "CKV_AWS_27 iot-dev-platform aws_sqs_queue.q",
    ]);
    expect(result.unusedWaivers.map((w) => w.check)).toEqual(["CKV_AWS_1"]);
    expect(result.passed).toBe(10);
  });

  it("stack patterns are anchored globs", () => {
    const w: CheckovWaiver = { check: "C", addresses: ["a.b"], stacks: ["iot-dev-*"], reason: "r" };
    const f = (stack: string) => ({ checkId: "C", checkName: "C", stack, address: "a.b" });
    expect(matches(w, f("iot-dev-platform"))).toBe(true);
    expect(matches(w, f("hvac-iot-dev-platform"))).toBe(false);
  });

  it("every shipped waiver names a checkov id, concrete addresses and a reason", () => {
    for (const w of CHECKOV_WAIVERS) {
      expect(w.check).toMatch(/^CKV2?_AWS_\d+$/);
      expect(w.addresses.length).toBeGreaterThan(0);
      for (const a of w.addresses) expect(a).toMatch(/^aws_[a-z0-9_]+\.[\w-]+$/);
      expect(w.reason.length).toBeGreaterThan(40);
    }
  });
});

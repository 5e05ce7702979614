/**
 * Builds a Go main package from the module proxy through a wrapper module, with
 * progress lines and a measurement of wall time and peak memory.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { GoBuild } from "./versions";
import { ToolPaths } from "./paths";

export interface BuildMeasurement {
  readonly seconds: number;
  /** Largest resident set of one process of the build (compile or link), KiB; undefined without GNU time. */
  readonly peakRssKiB?: number;
  readonly packages: number;
  readonly at: string;
  /** How it was measured, when not by this script alone (e.g. beside other builds). */
  readonly note?: string;
}

export function goEnv(paths: ToolPaths): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GOMODCACHE: paths.goModCache,
    GOCACHE: paths.goBuildCache,
    GOFLAGS: "-modcacherw",
    // The machine's own Go builds; never fetch a toolchain behind the user's back.
    GOTOOLCHAIN: "local",
    CGO_ENABLED: "0",
  };
}

/** The wrapper's go.mod: require the upstream version, repeat its replaces and godebug settings. */
export function wrapperGoMod(name: string, build: GoBuild): string {
  const lines = [`module iot-shadow-platform/tools/${name}`, "", `go ${build.goDirective}`, ""];
  if (build.godebug.length) lines.push("godebug (", ...build.godebug.map((g) => `\t${g}`), ")", "");
  lines.push(`require ${build.module} ${build.goVersion}`, "");
  for (const r of build.replaces) lines.push(`replace ${r}`);
  return lines.join("\n") + "\n";
}

function wrapperToolsGo(build: GoBuild): string {
  // A build-tagged import keeps `go mod tidy` resolving the whole dependency graph of a main package.
  return `//go:build tools\n\npackage tools\n\nimport _ "${build.mainPackage}"\n`;
}

/** Stamp written next to a built binary: a rebuild happens only when the build spec changes. */
export function buildStamp(build: GoBuild): string {
  return JSON.stringify({ module: build.module, goVersion: build.goVersion, ldflags: build.ldflags, go: goVersion() });
}

export function goVersion(): string {
  const out = spawnSync("go", ["env", "GOVERSION"], { encoding: "utf8" });
  if (out.status !== 0) throw new Error("go is not on PATH: install Go >= 1.26 (the machine image has it)");
  return out.stdout.trim();
}

export function isBuilt(output: string, build: GoBuild): boolean {
  const stamp = `${output}.stamp`;
  return existsSync(output) && existsSync(stamp) && readFileSync(stamp, "utf8") === buildStamp(build);
}

export function markBuilt(output: string, build: GoBuild): void {
  writeFileSync(`${output}.stamp`, buildStamp(build));
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, what: string): void {
  const out = spawnSync(cmd, args, { cwd, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (out.status !== 0) throw new Error(`${what} failed: ${cmd} ${args.join(" ")} (in ${cwd})\n${(out.stderr || out.stdout).slice(-3000)}`);
}

const timeBinary = "/usr/bin/time";

/**
 * Resolve, download and build. Progress: one line per 30 s with the number of
 * packages compiled so far (`go build -v` names each one as it finishes).
 */
export async function goBuild(
  name: string,
  build: GoBuild,
  output: string,
  paths: ToolPaths,
  log: (line: string) => void,
): Promise<BuildMeasurement> {
  const started = Date.now();
  const env = goEnv(paths);
  const dir = join(paths.src, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "go.mod"), wrapperGoMod(name, build));
  writeFileSync(join(dir, "tools.go"), wrapperToolsGo(build));
  log(`${name}: resolving ${build.module}@${build.goVersion} and its dependencies (go mod tidy)`);
  run("go", ["mod", "tidy"], dir, env, `${name}: go mod tidy`);
  mkdirSync(dirname(output), { recursive: true });
  const partial = `${output}.partial`;
  const timeFile = join(dir, "time.txt");
  const goArgs = ["build", "-v", "-trimpath", "-ldflags", build.ldflags, "-o", partial, build.mainPackage];
  const useTime = existsSync(timeBinary);
  const [cmd, args] = useTime ? [timeBinary, ["-o", timeFile, "-f", "%M", "go", ...goArgs]] : ["go", goArgs];
  log(`${name}: compiling (go build -trimpath, CGO_ENABLED=0)`);
  let packages = 0;
  const ticker = setInterval(() => log(`${name}: ${packages} packages compiled, ${Math.round((Date.now() - started) / 1000)} s`), 30_000);
  try {
    await new Promise<void>((resolveBuild, reject) => {
      const child = spawn(cmd, args, { cwd: dir, env, stdio: ["ignore", process.stderr, "pipe"] });
      let tail = "";
      child.stderr.setEncoding("utf8");
      child.stderr.on("data", (chunk: string) => {
        packages += chunk.split("\n").filter((l) => /^[\w.-]+(\/[\w.~-]+)*$/.test(l.trim())).length;
        tail = (tail + chunk).slice(-4000);
      });
      child.on("error", reject);
      child.on("close", (code) => (code === 0 ? resolveBuild() : reject(new Error(`${name}: go build exited ${code}\n${tail}`))));
    });
  } finally {
    clearInterval(ticker);
  }
  rmSync(output, { force: true });
  renameSync(partial, output);
  markBuilt(output, build);
  const peak = useTime && existsSync(timeFile) ? Number(readFileSync(timeFile, "utf8").trim().split("\n").pop()) : undefined;
  const measured: BuildMeasurement = {
    seconds: Math.round((Date.now() - started) / 1000),
    peakRssKiB: Number.isFinite(peak) ? peak : undefined,
    packages,
    at: new Date().toISOString(),
  };
  log(`${name}: built in ${measured.seconds} s, ${packages} packages${measured.peakRssKiB ? `, peak RSS ${Math.round(measured.peakRssKiB / 1024)} MiB` : ""}`);
  return measured;
}

/** Ask the proxy which version string it serves for a commit; undefined when it refuses. */
export function resolveCommit(module: string, commit: string, paths: ToolPaths): { version?: string; error?: string } {
  const out = spawnSync("go", ["list", "-m", "-json", `${module}@${commit}`], { cwd: paths.root, env: goEnv(paths), encoding: "utf8" });
  if (out.status === 0) return { version: JSON.parse(out.stdout).Version };
  return { error: out.stderr.trim().split("\n").slice(0, 2).join(" ") };
}

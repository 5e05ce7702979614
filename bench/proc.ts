/** Child-process helpers: every measured unit runs in a fresh process so module caches and heaps never carry over. */
import { spawnSync } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { resolve } from "node:path";

export const ROOT = resolve(__dirname, "..");

export interface Timed {
  /** Parent-side wall time of the whole child, process start to exit. */
  readonly wallMs: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Fail unless the child exits 0. @default true */
  readonly check?: boolean;
  /** Send the child's stdout to this file instead of a pipe read by this process (then `stdout` is ""). */
  readonly stdoutFile?: string;
}

/** Environment for bench children: no telemetry look-ups, no SDK deprecation banner. */
export function benchEnv(extra: Readonly<Record<string, string | undefined>> = {}): NodeJS.ProcessEnv {
  return { ...process.env, CHECKPOINT_DISABLE: "1", CI: "1", NODE_NO_WARNINGS: "1", ...extra };
}

export function run(command: string, args: readonly string[], options: RunOptions = {}): Timed & { readonly status: number | null } {
  const fd = options.stdoutFile ? openSync(options.stdoutFile, "w") : undefined;
  const start = performance.now();
  const out = spawnSync(command, args, {
    cwd: options.cwd ?? ROOT,
    env: benchEnv(options.env),
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    stdio: ["ignore", fd ?? "pipe", "pipe"],
  });
  const wallMs = performance.now() - start;
  if (fd !== undefined) closeSync(fd);
  if (out.error) throw out.error;
  if ((options.check ?? true) && out.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} exited ${out.status}:\n${(out.stderr || out.stdout).slice(-2000)}`);
  }
  return { wallMs, stdout: out.stdout ?? "", stderr: out.stderr, status: out.status };
}

/** Runs a child that prints one JSON line last on stdout and returns it with the wall time. */
export function runJson<T>(command: string, args: readonly string[], options: RunOptions = {}): Timed & { readonly result: T } {
  const timed = run(command, args, options);
  const last = timed.stdout.trim().split("\n").pop() ?? "";
  try {
    return { ...timed, result: JSON.parse(last) as T };
  } catch {
    throw new Error(`${command} ${args.join(" ")} printed no JSON result:\n${timed.stdout.slice(-1000)}\n${timed.stderr.slice(-1000)}`);
  }
}

/** Interleaves repetitions of several variants (a, b, a, b, ... with the order flipped every round) so drift hits all alike. */
export function interleave<K extends string, R>(runs: number, variants: Readonly<Record<K, () => R>>): Record<K, R[]> {
  const keys = Object.keys(variants) as K[];
  const out = Object.fromEntries(keys.map((k) => [k, [] as R[]])) as Record<K, R[]>;
  for (let i = 0; i < runs; i++) {
    for (const k of i % 2 === 0 ? keys : [...keys].reverse()) out[k].push(variants[k]());
  }
  return out;
}

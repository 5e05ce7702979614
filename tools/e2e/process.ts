/**
 * Child processes of the e2e run: every one has a timeout (the run never hangs), its
 * whole process group is killed when it runs over, and its output is kept for the
 * failure report (the last lines of what tofu printed).
 */
import { spawn } from "node:child_process";

export interface RunOptions {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly timeoutMs: number;
  /** Text written to stdin, then closed. @default nothing (stdin closed at once) */
  readonly input?: string;
}

export interface RunResult {
  readonly command: string;
  readonly code: number | null;
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** ANSI colour and cursor sequences: cdktf draws a live view even without a TTY. */
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]|\u001b\][^\u0007]*\u0007/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, "");
}

/** The last `n` non-empty lines of a run's output, without colour codes. */
export function outputTail(result: Pick<RunResult, "stdout" | "stderr">, n = 25): string {
  const lines = stripAnsi(`${result.stdout}\n${result.stderr}`)
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== "");
  return lines.slice(-n).join("\n");
}

export function runCommand(file: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const started = Date.now();
  const command = [file, ...args].join(" ");
  return new Promise((resolve) => {
    const child = spawn(file, [...args], { cwd: options.cwd, env: options.env, detached: true, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, signal);
      } catch {
        /* already gone */
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup("SIGTERM");
      setTimeout(() => killGroup("SIGKILL"), 10_000).unref();
    }, options.timeoutMs);
    child.on("error", (err) => {
      stderr += `\n${err.message}`;
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ command, code, timedOut, stdout, stderr, ms: Date.now() - started });
    });
    child.stdin.end(options.input ?? "");
  });
}

/** An error that carries the failing step and the tail of its output. */
export class StepError extends Error {
  constructor(
    readonly stack_: string,
    readonly step: string,
    message: string,
    readonly tail?: string,
  ) {
    super(`${stack_}: ${step}: ${message}${tail ? `\n--- last lines ---\n${tail}` : ""}`);
  }
}

/** Throws a StepError unless the run exited 0 (or with one of `okCodes`). */
export function expectSuccess(result: RunResult, stack: string, step: string, okCodes: readonly number[] = [0]): RunResult {
  if (result.timedOut) throw new StepError(stack, step, `timed out after ${Math.round(result.ms / 1000)} s (${result.command})`, outputTail(result));
  if (result.code === null || !okCodes.includes(result.code)) throw new StepError(stack, step, `exit ${result.code} (${result.command})`, outputTail(result));
  return result;
}

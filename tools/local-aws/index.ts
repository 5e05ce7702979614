/**
 * The local AWS for engine runs and tests: spawns tools/local-aws/launcher.py (moto on
 * 127.0.0.1 with the IoT extension) with the tool virtualenv's python, waits until it
 * reports its port, and stops it again. See tools/local-aws/README.md.
 */
import { ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { toolPaths } from "../engine/paths";

export const LAUNCHER = join(__dirname, "launcher.py");

export interface LocalAwsOptions {
  /** Account id every request runs in (a stack's `allowed_account_ids` must contain it). @default moto's 123456789012 */
  readonly accountId?: string;
  /** TCP port on 127.0.0.1. @default 0: a free port the kernel picks */
  readonly port?: number;
  /** How long to wait for the launcher to report it is ready. @default 30000 */
  readonly readyTimeoutMs?: number;
  /** The virtualenv holding moto. @default $IOT_TOOLS_VENV, else the tool cache's venv */
  readonly venv?: string;
  /** Where the launcher's stderr (moto's request log) goes, line by line. @default kept in memory only (last lines in errors) */
  readonly onLog?: (line: string) => void;
}

export interface LocalAws {
  /** `http://127.0.0.1:<port>`: the value of IOT_AWS_ENDPOINT and of SDK clients' `endpoint`. */
  readonly endpoint: string;
  readonly host: string;
  readonly port: number;
  readonly accountId: string;
  /** The APIs the IoT extension added to moto. */
  readonly iotExtension: readonly string[];
  /** The launcher's process id. */
  readonly pid: number;
  /** Stops the server and waits until the process has exited (idempotent). */
  stop(): Promise<void>;
}

interface ReadyLine {
  ready: true;
  host: string;
  port: number;
  endpoint: string;
  pid: number;
  accountId: string;
  iotExtension: string[];
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Safety net: a launcher never outlives the node process that started it (its stdin closes too). */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const child of running) child.kill("SIGTERM");
  });
}

/** The virtualenv's python, or an error that says how to create it. */
export function localAwsPython(venv = process.env.IOT_TOOLS_VENV || toolPaths().venv): string {
  const python = join(venv, "bin", "python");
  if (!existsSync(python)) {
    throw new Error(
      `local AWS: no python in ${venv} (the tool virtualenv with moto[server]); run \`npm run tools:terraform\` first, ` +
        `then \`eval "$(npm run -s tools:terraform -- --print-env)"\` (or set IOT_TOOLS_VENV)`,
    );
  }
  return python;
}

/** Starts moto on 127.0.0.1 with the IoT extension; resolves when it is ready. */
export function startLocalAws(options: LocalAwsOptions = {}): Promise<LocalAws> {
  let python: string;
  try {
    python = localAwsPython(options.venv);
  } catch (err) {
    return Promise.reject(err);
  }
  const args = [LAUNCHER, "--port", String(options.port ?? 0)];
  if (options.accountId !== undefined) args.push("--account-id", options.accountId);
  const timeoutMs = options.readyTimeoutMs ?? 30000;

  const child = spawn(python, args, {
    stdio: ["pipe", "pipe", "pipe"],
    // Only what moto needs: no AWS credentials or endpoints of the caller leak into the emulator.
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", PYTHONUNBUFFERED: "1", PYTHONDONTWRITEBYTECODE: "1" },
  });
  running.add(child);
  installExitHook();

  const stderrTail: string[] = [];
  let stderrBuffer = "";
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (chunk: string) => {
    stderrBuffer += chunk;
    const lines = stderrBuffer.split("\n");
    stderrBuffer = lines.pop() ?? "";
    for (const line of lines) {
      stderrTail.push(line);
      if (stderrTail.length > 40) stderrTail.shift();
      options.onLog?.(line);
    }
  });

  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    child.once("exit", () => resolve());
  });
  child.once("exit", () => running.delete(child));

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        child.stdin?.end();
        const timer = setTimeout(() => child.kill("SIGKILL"), 10000);
        await exited;
        clearTimeout(timer);
      }
      child.stdin?.destroy();
      child.stdout?.destroy();
      child.stderr?.destroy();
    })();
    return stopping;
  };

  return new Promise<LocalAws>((resolve, reject) => {
    let stdoutBuffer = "";
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const tail = [...stderrTail, stderrBuffer].filter(Boolean).slice(-15).join("\n");
      void stop().then(() => reject(new Error(`local AWS (${python} ${args.join(" ")}): ${why}${tail ? `\n--- launcher stderr ---\n${tail}` : ""}`)));
    };
    const timer = setTimeout(() => fail(`not ready after ${timeoutMs} ms`), timeoutMs);
    child.once("error", (err) => fail(`could not start: ${err.message}`));
    child.once("exit", (code, signal) => fail(`exited before it was ready (code ${code}, signal ${signal})`));
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (chunk: string) => {
      if (settled) return;
      stdoutBuffer += chunk;
      const newline = stdoutBuffer.indexOf("\n");
      if (newline < 0) return;
      const line = stdoutBuffer.slice(0, newline);
      let ready: ReadyLine;
      try {
        ready = JSON.parse(line) as ReadyLine;
      } catch {
        return fail(`expected one JSON line on stdout, got ${JSON.stringify(line.slice(0, 200))}`);
      }
      if (ready.ready !== true || ready.host !== "127.0.0.1" || !Number.isInteger(ready.port) || ready.port <= 0) {
        return fail(`unexpected ready line ${line}`);
      }
      settled = true;
      clearTimeout(timer);
      resolve({
        endpoint: `http://127.0.0.1:${ready.port}`,
        host: ready.host,
        port: ready.port,
        accountId: ready.accountId,
        iotExtension: ready.iotExtension,
        pid: ready.pid,
        stop,
      });
    });
  });
}

/** Runs `fn` against a fresh local AWS and always stops it, also when `fn` throws. */
export async function withLocalAws<T>(fn: (aws: LocalAws) => Promise<T>, options: LocalAwsOptions = {}): Promise<T> {
  const aws = await startLocalAws(options);
  try {
    return await fn(aws);
  } finally {
    await aws.stop();
  }
}

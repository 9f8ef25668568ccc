import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/**
 * The console's production server (`node scripts/server.mjs`, what `npm start` runs) in a child
 * process, with its whole stdout and stderr written to one file, for tests that watch it from
 * outside as an operator's browser, another system or Jiguang would. The build must exist
 * (`ensureConsoleBuild`).
 */
export const repositoryRoot = path.resolve(__dirname, "..", "..", "..");

/** Builds with `next build` when there is no build or a source is newer (scripts/ensure-build.mjs). */
export async function ensureConsoleBuild(): Promise<void> {
  const script = path.join(repositoryRoot, "scripts", "ensure-build.mjs");
  const { ensureBuild } = (await import(script)) as { ensureBuild: () => void };
  ensureBuild();
}

/** Settings a test may not inherit from the shell it runs in: each server gets only what it is given. */
const INHERITED_SETTINGS_DROPPED = ["DATABASE_URL", "APP_SECRET", "ADMIN_EMAIL", "ADMIN_PASSWORD", "METRICS_TOKEN", "PUBLIC_URL", "JSMS_BASE_URL", "TRUST_PROXY", "WORKER"];

export interface ConsoleServer {
  readonly url: string;
  readonly logFile: string;
  /** The server's process id (its memory and open files are read from /proc/PID). */
  readonly pid: number;
  /** The log so far. */
  log(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code once the process is gone. */
  stop(graceMs?: number): Promise<number | null>;
}

export interface ConsoleServerOptions {
  /** The first port to try: on a busy machine a port can be in use (an outgoing connection's), so the next ones are tried. */
  port: number;
  /** How many ports from `port` on may be tried (default 5). */
  ports?: number;
  /** The server's environment, or a function of the port it gets (for PUBLIC_URL). */
  env: Record<string, string> | ((port: number) => Record<string, string>);
  logFile: string;
  startTimeoutMs?: number;
}

export async function startConsoleServer(options: ConsoleServerOptions): Promise<ConsoleServer> {
  const tries = options.ports ?? 5;
  for (let i = 0; ; i++) {
    try {
      return await startOnPort({ ...options, port: options.port + i });
    } catch (error) {
      if (!(error instanceof PortInUse) || i + 1 >= tries) throw error;
    }
  }
}

class PortInUse extends Error {}

async function startOnPort(options: ConsoleServerOptions): Promise<ConsoleServer> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of INHERITED_SETTINGS_DROPPED) delete env[name];
  const given = typeof options.env === "function" ? options.env(options.port) : options.env;
  Object.assign(env, { NODE_ENV: "production", NEXT_MANUAL_SIG_HANDLE: "true", PORT: String(options.port) }, given);
  const out = fs.openSync(options.logFile, "a");
  const child: ChildProcess = spawn(process.execPath, [path.join(repositoryRoot, "scripts", "server.mjs"), "-p", String(options.port), "-H", "127.0.0.1"], {
    cwd: repositoryRoot,
    env,
    stdio: ["ignore", out, out],
  });
  fs.closeSync(out);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = `http://127.0.0.1:${options.port}`;
  const log = () => fs.readFileSync(options.logFile, "utf8");
  const deadline = Date.now() + (options.startTimeoutMs ?? 120_000);
  for (;;) {
    if (child.exitCode !== null) {
      const Failure = /EADDRINUSE/.test(log()) ? PortInUse : Error;
      throw new Failure(`the console server exited with ${child.exitCode} before answering:\n${log()}`);
    }
    const ok = await fetch(`${url}/api/health`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the console server did not answer /api/health in time:\n${log()}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    logFile: options.logFile,
    pid: child.pid!,
    log,
    async stop(graceMs = 20_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/**
 * The console as an operator runs it: the web server (`node scripts/server.mjs`, what `npm start`
 * serves) or `npm run worker`, each a real process of its own with its stdout and stderr in one
 * file, so a test can kill it with SIGKILL at any moment and start it again on the same database.
 * Each process leads a process group of its own: `npm run worker` runs tsx under npm, and a kill
 * must reach the whole group, not only npm.
 */
export const repositoryRoot = path.resolve(__dirname, "..", "..", "..");

/** Builds with `next build` only when there is no build or a source is newer (scripts/ensure-build.mjs). */
export async function ensureConsoleBuild(): Promise<void> {
  const { ensureBuild } = (await import(path.join(repositoryRoot, "scripts", "ensure-build.mjs"))) as { ensureBuild: () => void };
  ensureBuild();
}

/** Settings the shell may hold that a process must not inherit: each gets only what it is given. */
const DROPPED = ["DATABASE_URL", "DATA_DIR", "APP_SECRET", "ADMIN_EMAIL", "ADMIN_PASSWORD", "METRICS_TOKEN", "PUBLIC_URL", "JSMS_BASE_URL", "TRUST_PROXY", "WORKER", "PORT"];

export type ConsoleKind = "web" | "worker";

/** Each start's first line in the log file begins so. */
const START_MARK = "----- ";

export interface ConsoleProcess {
  readonly kind: ConsoleKind;
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** http://127.0.0.1:PORT for a web process. */
  readonly url: string | null;
  /** The log so far. */
  log(): string;
  readonly running: boolean;
  /** Resolves once the process (the group's leader) has exited. */
  readonly exited: Promise<void>;
  /** SIGKILL to the whole group: no shutdown code runs, as in a power cut or the OOM killer. */
  kill(): Promise<void>;
  /**
   * SIGTERM (the orderly shutdown), then SIGKILL after `graceMs`; resolves with the exit code,
   * null when a signal ended it (the shutdown did not finish in time).
   */
  stop(graceMs?: number): Promise<number | null>;
}

/** A process that ended before it was ready; `startLog` is what this start wrote (its log file may hold earlier ones). */
export class ExitedBeforeReady extends Error {
  constructor(name: string, readonly startLog: string) {
    super(`${name} exited before it was ready:\n${tail(startLog)}`);
  }
}

export interface ConsoleProcessOptions {
  kind: ConsoleKind;
  /** A short name for the log and messages (web-1, worker-2). */
  name: string;
  /** Settings (README "Configuration"): DATA_DIR, DATABASE_URL, APP_SECRET, WORKER… */
  env: Record<string, string>;
  /** Required for a web process. */
  port?: number;
  logDir: string;
  readyTimeoutMs?: number;
}

export async function startConsoleProcess(options: ConsoleProcessOptions): Promise<ConsoleProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of DROPPED) delete env[name];
  delete env.NODE_OPTIONS;
  Object.assign(env, { NODE_ENV: "production", NEXT_MANUAL_SIG_HANDLE: "true" }, options.env);
  if (options.kind === "web") {
    if (options.port === undefined) throw new Error("a web process needs a port");
    Object.assign(env, { PORT: String(options.port) });
    env.PUBLIC_URL ??= `http://127.0.0.1:${options.port}`;
  }
  fs.mkdirSync(options.logDir, { recursive: true });
  const logFile = path.join(options.logDir, `${options.name}.log`);
  const out = fs.openSync(logFile, "a");
  fs.writeSync(out, `\n${START_MARK}${new Date().toISOString()} start ${options.kind} ${options.name}\n`);
  const [command, args] =
    options.kind === "web"
      ? [process.execPath, [path.join(repositoryRoot, "scripts", "server.mjs"), "-p", String(options.port), "-H", "127.0.0.1"]]
      : ["npm", ["run", "--silent", "worker"]];
  const child: ChildProcess = spawn(command, args, { cwd: repositoryRoot, env, stdio: ["ignore", out, out], detached: true });
  fs.closeSync(out);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${options.name} did not start`);
  let running = true;
  let exitCode: number | null = null;
  const exited = new Promise<void>((resolve) =>
    child.once("exit", (code) => {
      running = false;
      exitCode = code;
      resolve();
    }),
  );
  const url = options.kind === "web" ? `http://127.0.0.1:${options.port}` : null;
  const log = () => fs.readFileSync(logFile, "utf8");
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // already gone
    }
  };
  const proc: ConsoleProcess = {
    kind: options.kind,
    name: options.name,
    pid,
    logFile,
    url,
    log,
    get running() {
      return running;
    },
    exited,
    async kill() {
      signalGroup("SIGKILL");
      await exited;
    },
    async stop(graceMs = 40_000) {
      if (!running) return exitCode;
      signalGroup("SIGTERM");
      const timer = setTimeout(() => signalGroup("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
      // The group's other members (tsx under npm) end with their leader's signal; make sure.
      signalGroup("SIGKILL");
      return exitCode;
    },
  };
  try {
    await waitUntilReady(proc, options.readyTimeoutMs ?? 180_000);
  } catch (error) {
    await proc.kill();
    throw error;
  }
  return proc;
}

/** A web process answers /api/health with 200 (database open); a worker logs that its dispatcher runs. */
async function waitUntilReady(proc: ConsoleProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!proc.running) throw new ExitedBeforeReady(proc.name, thisStart(proc.log()));
    const ready =
      proc.url !== null
        ? await fetch(`${proc.url}/api/health`).then(
            (r) => r.status === 200,
            () => false,
          )
        : /"worker started"|worker started/.test(thisStart(proc.log()));
    if (ready) return;
    if (Date.now() > deadline) throw new Error(`${proc.name} was not ready within ${timeoutMs} ms:\n${tail(proc.log())}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The log from this start's header on. */
const thisStart = (log: string) => log.slice(log.lastIndexOf(START_MARK));

export function tail(text: string, lines = 40): string {
  return text.split("\n").slice(-lines).join("\n");
}

import { spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openDatabase, type Db } from "@/lib/db/client";
import { createScratchDatabase } from "@/lib/db/scratch-database";
import { repositoryRoot, startConsoleProcess, tail, type ConsoleProcess, type ConsoleProcessOptions } from "./console-process";

/**
 * One installation of the console as the tests run it: one database (a PostgreSQL database of its
 * own, or the embedded database in a DATA_DIR of its own), one APP_SECRET, a folder for the
 * processes' logs, and the processes started on it. The test reads the database itself to check
 * what the console says: on PostgreSQL at any time, on the embedded database only while no
 * console process runs (it belongs to one process).
 */
export interface Deployment {
  readonly kind: "postgres" | "pglite";
  readonly dataDir: string;
  readonly logDir: string;
  /** The settings every process of this installation gets (README "Configuration"). */
  readonly env: Record<string, string>;
  /** Starts a web process (WORKER on unless `env` says otherwise) or a worker. */
  start(kind: "web" | "worker", name: string, options?: { port?: number; env?: Record<string, string> }): Promise<ConsoleProcess>;
  /** `npm run console -- create-api-key`: keyId:secret. */
  createApiKey(role: "admin" | "operator"): Promise<string>;
  /** Runs `read` on the installation's database (PGlite: opened for the call, with no process running). */
  read<T>(read: (db: Db) => Promise<T>): Promise<T>;
  /** Stops every process still running and removes the database and the DATA_DIR (logs are kept). */
  destroy(): Promise<void>;
}

export async function createDeployment(options: { kind: "postgres" | "pglite"; serverUrl?: string; name: string }): Promise<Deployment> {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), `sms-console-${options.name}-`));
  const dataDir = path.join(base, "data");
  const logDir = path.join(base, "logs");
  fs.mkdirSync(logDir, { recursive: true });
  const env: Record<string, string> = { DATA_DIR: dataDir, APP_SECRET: crypto.randomBytes(32).toString("base64") };
  let scratch: { url: string; drop: () => Promise<void> } | null = null;
  if (options.kind === "postgres") {
    if (!options.serverUrl) throw new Error("a PostgreSQL deployment needs DATABASE_URL");
    scratch = await createScratchDatabase(options.serverUrl);
    env.DATABASE_URL = scratch.url;
  }
  const processes: ConsoleProcess[] = [];
  const pg = scratch ? await openDatabase({ databaseUrl: scratch.url, maxConnections: 2 }) : null;

  const deployment: Deployment = {
    kind: options.kind,
    dataDir,
    logDir,
    env,
    async start(kind, name, startOptions = {}) {
      const processOptions: ConsoleProcessOptions = { kind, name, env: { ...env, ...startOptions.env }, port: startOptions.port, logDir };
      const proc = await startConsoleProcess(processOptions);
      processes.push(proc);
      return proc;
    },
    async createApiKey(role) {
      const out = await runCli(["create-api-key", "--name", `reliability-${role}`, "--role", role], env);
      const credentials = out.trim().split("\n").pop() ?? "";
      if (!/^ak_[0-9a-f]+:\S+$/.test(credentials)) throw new Error(`create-api-key printed no key:\n${tail(out)}`);
      return credentials;
    },
    async read(read) {
      if (pg) return read(pg.db);
      if (processes.some((p) => p.running)) throw new Error("the embedded database belongs to the running console process: stop or kill it first");
      const handle = await openDatabase({ dataDir });
      try {
        return await read(handle.db);
      } finally {
        await handle.close();
      }
    },
    async destroy() {
      await Promise.all(processes.filter((p) => p.running).map((p) => p.kill()));
      await pg?.close().catch(() => {});
      await scratch?.drop().catch(() => {});
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return deployment;
}

/** `npm run console -- …` on the installation's settings; resolves with its output, rejects on a non-zero exit. */
async function runCli(args: string[], env: Record<string, string>): Promise<string> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: "production", ...env };
  if (!env.DATABASE_URL) delete childEnv.DATABASE_URL;
  delete childEnv.NODE_OPTIONS;
  return new Promise((resolve, reject) => {
    const child = spawn("npm", ["run", "--silent", "console", "--", ...args], { cwd: repositoryRoot, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`console ${args[0]} exited with ${code}:\n${tail(out)}`))));
  });
}

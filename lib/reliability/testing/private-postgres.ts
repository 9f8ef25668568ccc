import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

/**
 * A PostgreSQL cluster of a test's own, in a temporary directory on a port of its own, so the
 * test may restart or kill it without touching the server anyone else uses. PostgreSQL refuses
 * to run as root: when the test runs as root the binaries run as the `postgres` OS user.
 */
const run = promisify(execFile);

/** The newest installed server's bin directory, or null when no initdb is installed. */
export function postgresBinDir(): string | null {
  const root = "/usr/lib/postgresql";
  if (!fs.existsSync(root)) return null;
  const versions = fs
    .readdirSync(root)
    .filter((v) => fs.existsSync(path.join(root, v, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? path.join(root, versions[0]!, "bin") : null;
}

export type StopMode = "smart" | "fast" | "immediate";

export interface PrivatePostgres {
  readonly url: string;
  readonly port: number;
  /** `pg_ctl restart -m mode`; resolves once the server accepts connections again. */
  restart(mode: StopMode): Promise<void>;
  /** Stops the server and removes its directory. */
  destroy(): Promise<void>;
  /** The server's log so far (for a failing test's message). */
  log(): string;
}

export async function startPrivatePostgres(port: number): Promise<PrivatePostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error("no PostgreSQL server binaries under /usr/lib/postgresql");
  const asRoot = process.getuid?.() === 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "private-pg-"));
  const dataDir = path.join(dir, "data");
  const logFile = path.join(dir, "server.log");
  if (asRoot) await run("chown", ["postgres:postgres", dir]);
  const pg = (tool: string, args: string[]) =>
    asRoot ? run("runuser", ["-u", "postgres", "--", path.join(bin, tool), ...args]) : run(path.join(bin, tool), args);

  await pg("initdb", ["-D", dataDir, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
  // The socket goes in the cluster's own directory (the default one may not be writable), and
  // fsync stays on: an immediate stop must leave what was committed, as on a real server.
  const serverOptions = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=60`;
  const start = () => pg("pg_ctl", ["start", "-w", "-t", "60", "-D", dataDir, "-l", logFile, "-o", serverOptions]);
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async restart(mode) {
      // restart -m immediate is a crash: the next start runs recovery from the WAL.
      await pg("pg_ctl", ["restart", "-w", "-t", "60", "-m", mode, "-D", dataDir, "-l", logFile, "-o", serverOptions]);
    },
    async destroy() {
      await pg("pg_ctl", ["stop", "-m", "immediate", "-D", dataDir]).catch(() => {});
      fs.rmSync(dir, { recursive: true, force: true });
    },
    log: () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8") : ""),
  };
}

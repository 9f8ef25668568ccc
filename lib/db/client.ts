import path from "node:path";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { sql, type SQL } from "drizzle-orm";
import * as schema from "./schema";
import { acquireDataDirLock } from "./data-dir-lock";

/** The one database type every query takes first: PGlite and PostgreSQL swap freely behind it. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/**
 * The rows of a raw SQL query. `db.execute` answers an array on postgres.js and `{ rows }` on
 * PGlite; this is the one place that knows.
 */
export async function executeRows<T>(db: Db, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as T[] | { rows: T[] };
  return Array.isArray(result) ? result : result.rows;
}

export interface DatabaseHandle {
  db: Db;
  kind: "pglite" | "postgres";
  /** true when the database answers a trivial query. */
  ping(): Promise<boolean>;
  /**
   * LISTEN on a channel (PostgreSQL only: PGlite is one process, nobody else can notify it).
   * Resolves to a function that stops listening.
   */
  listen?(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** PostgreSQL connection string; when absent the embedded PGlite database is used. */
  databaseUrl?: string;
  /** Where PGlite keeps its files; undefined means in memory (tests). */
  dataDir?: string;
  /** Pool size for PostgreSQL. */
  maxConnections?: number;
}

export const MIGRATIONS_FOLDER = path.join(process.cwd(), "drizzle");

export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.maxConnections ?? 10);
  return openPglite(options.dataDir);
}

/**
 * How long a pool connection waits before it reconnects, in seconds. The driver counts failed
 * connections across the whole pool and never lowers the count until one succeeds, and its own
 * delay (3^failures / 100 s, up to 20 s) is measured from each connection's close: after a
 * restart of a few seconds, ten connections' worth of refusals left the pool waiting 10–20 s with
 * the server back, the lease renewal queued behind it until the dispatcher fenced itself, and
 * sends stood still for half a minute. Capped at 2 s, the pool is back within ~2 s of the server.
 */
export function reconnectDelaySeconds(failures: number): number {
  return (0.5 + Math.random() / 2) * Math.min(0.1 * 2 ** failures, 2);
}

/** A server that does not answer the connection at all (gone from the network) fails a query after this, not the driver's 30 s. */
const CONNECT_TIMEOUT_SECONDS = 10;

async function openPostgres(url: string, max: number): Promise<DatabaseHandle> {
  const { default: postgres } = await import("postgres");
  const { drizzle } = await import("drizzle-orm/postgres-js");
  const client = postgres(url, { max, onnotice: () => {}, backoff: reconnectDelaySeconds, connect_timeout: CONNECT_TIMEOUT_SECONDS });
  const db = drizzle({ client, schema }) as unknown as Db;
  return {
    db,
    kind: "postgres",
    ping: () => pingDb(db),
    async listen(channel, onNotify) {
      // postgres.js keeps one extra connection for LISTEN and re-subscribes after it reconnects.
      const { unlisten } = await client.listen(channel, onNotify);
      return unlisten;
    },
    close: () => client.end({ timeout: 5 }),
  };
}

/**
 * The embedded database's settings, added to PGlite's own start parameters. It runs on the web
 * process's thread, so whatever it does at once holds the event loop:
 * - `wal_init_zero=off`: a new 16 MB WAL segment is not written full of zeros first. Zero-filling
 *   one inside a COMMIT held the loop 60–190 ms during a 50,000-row import (the in-memory file
 *   grows by copies); without it the segment is sized in one step.
 * It also lives in the web process's memory, which never shrinks: WebAssembly memory only grows,
 * and whatever PostgreSQL has touched in it stays resident.
 * - `shared_buffers=32MB` (PostgreSQL's default is 128MB; wal_buffers follows it, 4MB → 1MB): the
 *   buffer pool is most of what the database holds resident. Bare PGlite on an existing data
 *   directory, then a 100,000-row CSV import through the import runner: 128MB sat at 344 MB
 *   resident once open, 425 MB after the import, 500 MB at the peak; 32MB at 235, 330 and 415 MB;
 *   16MB and 8MB saved 5–20 MB more at rest and 45–65 MB at the peak. The import's CPU time was
 *   the same for all (6.7–7.4 s), so the pool is not what bounds its speed; 32MB is kept so the
 *   hot indexes of a few hundred thousand contacts still fit (a page missed is a file read on the
 *   web thread). The console (production server, restarted on its data) went from 402–425 MB
 *   idle to 293 MB; under the soak (lib/reliability/soak.soak.test.ts, 10 min) it ran at a median
 *   of 370 MB, 465 MB at most. Smaller work_mem, maintenance_work_mem and temp_buffers changed
 *   nothing measurable, so they keep their defaults;
 *   PGlite's `initialMemory` cannot go below its 128 MB (the module is linked for 2,048 pages) and
 *   pages never touched are not resident, so it is left alone too.
 */
function pgliteSettings(): string[] {
  return ["-c", "wal_init_zero=off", "-c", "shared_buffers=32MB"];
}

/**
 * Creates a new embedded database (initdb) in a short-lived child process, so the process that
 * then opens it never holds the creation's memory. PGlite creates one by running a second,
 * in-memory PGlite and an initdb module beside the real one; once done their memory is garbage,
 * but it stays resident until V8's next full collection, which an idle server may not run for
 * hours: the console on a fresh DATA_DIR sat at 515–540 MB idle (935 MB peak) against 400–425 MB
 * (436 MB peak) for the same console restarted on that directory; created in a child, a first
 * start sits at 308–321 MB (327 MB peak). The child resolves PGlite from the working directory,
 * as the migrations folder is.
 */
async function createPgliteDataDir(pgdata: string, startParams: string[]): Promise<void> {
  const fs = await import("node:fs");
  if (fs.existsSync(path.join(pgdata, "PG_VERSION"))) return;
  const { execFile } = await import("node:child_process");
  const create = `const { PGlite } = await import("@electric-sql/pglite");
const db = new PGlite({ dataDir: process.argv[1], startParams: JSON.parse(process.argv[2]) });
await db.waitReady;
await db.close();`;
  await new Promise<void>((resolve, reject) => {
    execFile(process.execPath, ["--input-type=module", "-e", create, pgdata, JSON.stringify(startParams)], { cwd: process.cwd() }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`creating the embedded database in ${pgdata} failed: ${stderr.trim() || error.message}`));
      else resolve();
    });
  });
}

async function openPglite(dataDir: string | undefined): Promise<DatabaseHandle> {
  const release = dataDir ? acquireDataDirLock(dataDir) : () => {};
  try {
    const { PGlite } = await import("@electric-sql/pglite");
    const { drizzle } = await import("drizzle-orm/pglite");
    const startParams = [...PGlite.defaultStartParams, ...pgliteSettings()];
    if (dataDir) await createPgliteDataDir(path.join(dataDir, "pglite"), startParams);
    const client = new PGlite({ ...(dataDir ? { dataDir: path.join(dataDir, "pglite") } : {}), startParams });
    await client.waitReady;
    const db = drizzle({ client, schema }) as unknown as Db;
    return {
      db,
      kind: "pglite",
      ping: () => pingDb(db),
      close: async () => {
        await client.close();
        release();
      },
    };
  } catch (error) {
    release();
    throw error;
  }
}

async function pingDb(db: Db): Promise<boolean> {
  try {
    await db.execute(sql`select 1`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Applies the committed SQL migrations in drizzle/, then the data every database needs that SQL
 * does not hold (the providers' seed receipt codes, lib/providers). On PostgreSQL an advisory lock
 * makes concurrent start-ups (several web and worker processes) apply them once, one after another.
 */
export async function runMigrations(handle: DatabaseHandle, databaseUrl?: string): Promise<void> {
  await applySqlMigrations(handle, databaseUrl);
  // Imported here, not at the top: the seeding module itself takes a Db.
  const { seedReceiptCodes } = await import("@/lib/providers/seed-receipt-codes");
  await seedReceiptCodes(handle.db);
}

async function applySqlMigrations(handle: DatabaseHandle, databaseUrl?: string): Promise<void> {
  if (handle.kind === "pglite") {
    const { migrate } = await import("drizzle-orm/pglite/migrator");
    await migrate(handle.db as unknown as Parameters<typeof migrate>[0], { migrationsFolder: MIGRATIONS_FOLDER });
    return;
  }
  if (!databaseUrl) throw new Error("runMigrations on PostgreSQL needs the connection string");
  const { default: postgres } = await import("postgres");
  const { drizzle } = await import("drizzle-orm/postgres-js");
  const { migrate } = await import("drizzle-orm/postgres-js/migrator");
  // One connection, so the advisory lock and the migration share a session.
  const client = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    await client`select pg_advisory_lock(7243001)`;
    await migrate(drizzle({ client }), { migrationsFolder: MIGRATIONS_FOLDER });
  } finally {
    await client`select pg_advisory_unlock(7243001)`.catch(() => {});
    await client.end({ timeout: 5 });
  }
}

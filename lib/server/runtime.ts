import { openDatabase, runMigrations, type DatabaseHandle, type Db } from "@/lib/db/client";
import { readServerEnv, type ServerEnv } from "@/lib/config/env";
import { deriveKey, loadRootSecret } from "@/lib/config/app-secret";
import { countOperators, createFirstAdmin } from "@/lib/auth/operators";
import { logger } from "@/lib/util/logger";
import { resealLegacyChannelSecrets } from "@/lib/channels/legacy-secret-reseal";

/**
 * The process-wide runtime: configuration, the database (opened lazily, migrated once) and the
 * derived keys. Kept on globalThis because Next.js may load this module once per route bundle,
 * and there must be exactly one PGlite instance per process.
 */
export interface Runtime {
  env: ServerEnv;
  handle: DatabaseHandle;
  db: Db;
  /** AES-256-GCM key for channel secrets. */
  sealKey: Buffer;
  /** Signs the console's session tokens. */
  sessionSecret: string;
}

const globalKey = Symbol.for("sms-console.runtime");
type GlobalWithRuntime = typeof globalThis & { [globalKey]?: Promise<Runtime> };

export function getRuntime(): Promise<Runtime> {
  const g = globalThis as GlobalWithRuntime;
  if (!g[globalKey]) {
    g[globalKey] = startRuntime(readServerEnv()).catch((error: unknown) => {
      // Let the next request try again (the database may come up later) instead of caching the failure.
      delete g[globalKey];
      throw error;
    });
  }
  return g[globalKey];
}

export async function getDb(): Promise<Db> {
  return (await getRuntime()).db;
}

/** Keys only, without opening the database (the Auth.js config needs the session secret). */
export function getSecrets(env: ServerEnv = readServerEnv()): { sealKey: Buffer; sessionSecret: string } {
  const root = loadRootSecret(env.appSecret, env.dataDir);
  return {
    sealKey: deriveKey(root, "channel-secrets"),
    sessionSecret: deriveKey(root, "session-jwt").toString("base64url"),
  };
}

export async function startRuntime(env: ServerEnv): Promise<Runtime> {
  // The keys first: a bad APP_SECRET or app-secret file stops the start even while the database is down.
  const secrets = getSecrets(env);
  const handle = await openDatabase({ databaseUrl: env.databaseUrl, dataDir: env.dataDir });
  try {
    await runMigrations(handle, env.databaseUrl);
    await resealLegacyChannelSecrets(handle.db, secrets.sealKey);
    await ensureAdminFromEnv(handle.db, env);
  } catch (error) {
    await handle.close().catch(() => {});
    throw error;
  }
  logger.info("database ready", { kind: handle.kind });
  return { env, handle, db: handle.db, ...secrets };
}

/** ADMIN_EMAIL + ADMIN_PASSWORD create the first admin headlessly; ignored once an operator exists. */
async function ensureAdminFromEnv(db: Db, env: ServerEnv): Promise<void> {
  if (!env.adminEmail || !env.adminPassword) return;
  if ((await countOperators(db)) > 0) return;
  try {
    await createFirstAdmin(
      db,
      { email: env.adminEmail, password: env.adminPassword, confirmPassword: env.adminPassword },
      "ADMIN_EMAIL",
    );
    logger.info("first admin created from ADMIN_EMAIL", { email: env.adminEmail });
  } catch (error) {
    // Another process won the race: fine. Anything else (a too-short password) must be seen.
    if ((error as { code?: string }).code !== "setup_done") throw error;
  }
}

export async function closeRuntime(): Promise<void> {
  const g = globalThis as GlobalWithRuntime;
  const pending = g[globalKey];
  delete g[globalKey];
  if (pending) await (await pending).handle.close();
}

/** The channel service's view of the runtime. */
export function channelContext(runtime: Runtime) {
  return { db: runtime.db, sealKey: runtime.sealKey, publicUrl: runtime.env.publicUrl };
}

import { afterAll, beforeAll, describe } from "vitest";
import { openDatabase, runMigrations, type DatabaseHandle, type Db } from "./client";
import { createScratchDatabase } from "./scratch-database";

/**
 * Runs a suite once per database: always on an in-memory PGlite, and also on the PostgreSQL
 * server named by DATABASE_URL when it is set. Each PostgreSQL run creates its own database
 * (and drops it afterwards), so concurrent test runs never see each other's rows.
 */
export interface TestDb {
  readonly db: Db;
  readonly kind: "pglite" | "postgres";
}

export function describeEachDb(name: string, body: (t: TestDb) => void): void {
  const targets: ("pglite" | "postgres")[] = ["pglite"];
  if (process.env.DATABASE_URL) targets.push("postgres");
  for (const kind of targets) {
    describe(`${name} [${kind}]`, () => {
      let handle: DatabaseHandle | undefined;
      let cleanup: (() => Promise<void>) | undefined;
      const t: TestDb = {
        get db() {
          if (!handle) throw new Error("test database not open yet");
          return handle.db;
        },
        kind,
      };
      beforeAll(async () => {
        if (kind === "pglite") {
          handle = await openDatabase({});
          await runMigrations(handle);
        } else {
          const created = await createScratchDatabase(process.env.DATABASE_URL!);
          cleanup = created.drop;
          handle = await openDatabase({ databaseUrl: created.url, maxConnections: 4 });
          await runMigrations(handle, created.url);
        }
      });
      afterAll(async () => {
        await handle?.close();
        await cleanup?.();
      });
      body(t);
    });
  }
}

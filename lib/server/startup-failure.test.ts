import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { readServerEnv } from "@/lib/config/env";
import { loadRootSecret } from "@/lib/config/app-secret";
import { acquireDataDirLock } from "@/lib/db/data-dir-lock";
import { exitIfUnrecoverable } from "./lifecycle";

/** What the server does with a start-up failure (instrumentation.ts hands every one to exitIfUnrecoverable). */
function failureOf(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("no failure");
}

/** process.exit does not return: the stand-in throws this to end exitIfUnrecoverable there too. */
class Exited extends Error {
  constructor(readonly code: number | undefined) {
    super(`exit ${code}`);
  }
}

function outcomeOf(error: unknown): { exited: number | undefined; logged: string } {
  let exited: number | undefined;
  const exit = vi.spyOn(process, "exit").mockImplementation(((code?: number) => {
    throw new Exited(code);
  }) as typeof process.exit);
  const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  try {
    try {
      exitIfUnrecoverable(error);
    } catch (thrown) {
      if (!(thrown instanceof Exited)) throw thrown;
      exited = thrown.code;
    }
    return { exited, logged: stderr.mock.calls.map(([chunk]) => String(chunk)).join("") };
  } finally {
    exit.mockRestore();
    stderr.mockRestore();
  }
}

const dirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "startup-failure-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe("a start-up failure", () => {
  it("stops the server when a variable does not parse, naming the variable", () => {
    const { exited, logged } = outcomeOf(failureOf(() => readServerEnv({ NODE_ENV: "test", IMPORT_MAX_BYTES: "abc" })));
    expect(exited).toBe(1);
    expect(logged).toContain("IMPORT_MAX_BYTES: must be a whole number");
    expect(logged).not.toContain("requests will retry");
  });

  it("stops the server when APP_SECRET is short, naming APP_SECRET", () => {
    const { exited, logged } = outcomeOf(failureOf(() => loadRootSecret("short", tempDir())));
    expect(exited).toBe(1);
    expect(logged).toContain("APP_SECRET is 5 bytes long");
  });

  it("stops the server when DATA_DIR/app-secret is empty, naming the file", () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "app-secret"), "");
    const { exited, logged } = outcomeOf(failureOf(() => loadRootSecret(undefined, dir)));
    expect(exited).toBe(1);
    expect(logged).toContain(`${path.join(dir, "app-secret")} is empty`);
  });

  it("stops the server when another process holds the embedded database", () => {
    const dir = tempDir();
    // The parent (the test runner) is a live process other than this one.
    fs.writeFileSync(path.join(dir, "db.lock"), JSON.stringify({ pid: process.ppid }));
    const { exited, logged } = outcomeOf(failureOf(() => acquireDataDirLock(dir)));
    expect(exited).toBe(1);
    expect(logged).toContain(`in use by another process (pid ${process.ppid})`);
  });

  it("lets the server wait for a database that is not up yet", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
    const { exited, logged } = outcomeOf(refused);
    expect(exited).toBeUndefined();
    expect(logged).toContain("requests will retry");
  });
});

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

/** `npm run worker` as a process of its own: it stops on configuration it cannot use, as the server does. */
const root = path.resolve(__dirname, "../..");
const tsx = path.join(root, "node_modules", "tsx", "dist", "cli.mjs");

let dataDir: string;
beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "worker-cli-"));
});
afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

function startWorker(extra: Record<string, string>) {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, ...extra };
  for (const name of ["DATABASE_URL", "APP_SECRET", "ADMIN_EMAIL", "ADMIN_PASSWORD", "IMPORT_MAX_BYTES"]) if (!(name in extra)) delete env[name];
  const run = spawnSync(process.execPath, [tsx, "lib/server/worker-cli.ts"], { cwd: root, env, encoding: "utf8", timeout: 60_000 });
  // One JSON object a line (lib/util/logger.ts).
  const errors = run.stderr
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as { level: string; msg: string })
    .filter((entry) => entry.level === "error");
  return { code: run.status, errors };
}

describe("npm run worker stops with the reason", () => {
  it("when a variable does not parse, naming it", () => {
    const { code, errors } = startWorker({ IMPORT_MAX_BYTES: "abc" });
    expect(code).toBe(1);
    expect(errors).toEqual([
      { t: expect.any(String), level: "error", msg: "The server's environment is not valid:\n  IMPORT_MAX_BYTES: must be a whole number" },
    ]);
  });

  it("when APP_SECRET is under 32 bytes, naming it", () => {
    const { code, errors } = startWorker({ APP_SECRET: "too-short" });
    expect(code).toBe(1);
    expect(errors.map((e) => e.msg)).toEqual([expect.stringContaining("APP_SECRET is 9 bytes long; it must be at least 32")]);
  });
});

import { expect, test } from "@playwright/test";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * The built server (scripts/server.mjs, as `npm start` runs it) refuses to start on configuration
 * it cannot use, and says which setting to fix, instead of serving errors.
 */
const root = path.resolve(__dirname, "..");
// A port of its own: Next.js runs the start-up checks (instrumentation.ts) while the port is open,
// holding requests until they end.
const port = String(Number(process.env.E2E_PORT ?? 3210) + 7);

function startServer(env: Record<string, string>, dataDir: string): Promise<{ code: number | null; output: string }> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: port, ...env };
  for (const name of ["DATABASE_URL", "APP_SECRET", "ADMIN_EMAIL", "ADMIN_PASSWORD"]) if (!(name in env)) delete childEnv[name];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, "scripts", "server.mjs"), "-p", port, "-H", "127.0.0.1"], {
      cwd: root,
      env: childEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

let dataDir: string;
test.beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sms-console-startup-"));
});
test.afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

test("a variable that does not parse stops the server, naming it", async () => {
  const { code, output } = await startServer({ IMPORT_MAX_BYTES: "abc" }, dataDir);
  expect(code).toBe(1);
  expect(output).toContain("IMPORT_MAX_BYTES: must be a whole number");
});

test("an APP_SECRET under 32 bytes stops the server, saying how to make one", async () => {
  const { code, output } = await startServer({ APP_SECRET: "sixteen-chars-ok" }, dataDir);
  expect(code).toBe(1);
  expect(output).toContain("APP_SECRET is 16 bytes long; it must be at least 32");
  expect(output).toContain("openssl rand -base64 32");
});

test("an empty DATA_DIR/app-secret stops the server, naming the file, and is not replaced", async () => {
  const file = path.join(dataDir, "app-secret");
  fs.writeFileSync(file, "");
  const { code, output } = await startServer({}, dataDir);
  expect(code).toBe(1);
  expect(output).toContain(`${file} is empty`);
  expect(fs.readFileSync(file, "utf8")).toBe("");
});

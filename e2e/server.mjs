// Serves the production build for the end-to-end tests on a fresh, empty embedded database,
// so each run begins at first-run setup. Builds first when the build is missing or stale.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ensureBuild, root } from "../scripts/ensure-build.mjs";

ensureBuild();
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sms-console-e2e-"));
const port = process.env.E2E_PORT ?? "3210";
const env = { ...process.env, DATA_DIR: dataDir, PORT: port, PUBLIC_URL: `http://127.0.0.1:${port}`, NEXT_MANUAL_SIG_HANDLE: "true" };
// The end-to-end run uses the embedded database: it is the default a new user meets.
delete env.DATABASE_URL;
delete env.ADMIN_EMAIL;
delete env.ADMIN_PASSWORD;
delete env.APP_SECRET;
const server = spawn(process.execPath, [path.join(root, "scripts", "server.mjs"), "-p", port, "-H", "127.0.0.1"], { cwd: root, env, stdio: "inherit" });
const cleanUp = () => fs.rmSync(dataDir, { recursive: true, force: true });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.kill(signal));
server.on("exit", (code) => {
  cleanUp();
  process.exit(code ?? 0);
});

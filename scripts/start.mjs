// `npm start`: builds when needed, then serves the console (scripts/server.mjs, Next.js behind a thin server of ours) on PORT (3000).
// With no DATABASE_URL the embedded database lives in DATA_DIR (./data).
import { spawn } from "node:child_process";
import path from "node:path";
import { ensureBuild, root } from "./ensure-build.mjs";

ensureBuild();
const port = process.env.PORT ?? "3000";
const server = spawn(process.execPath, [path.join(root, "scripts", "server.mjs"), "-p", port], {
  cwd: root,
  stdio: "inherit",
  // The console handles SIGTERM itself: it finishes accepted work and closes the database.
  env: { ...process.env, NEXT_MANUAL_SIG_HANDLE: "true" },
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.kill(signal));
server.on("exit", (code) => process.exit(code ?? 0));

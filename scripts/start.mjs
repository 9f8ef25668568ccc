// `npm start`: builds when needed, then serves the console with `next start` on PORT (3000).
// With no DATABASE_URL the embedded database lives in DATA_DIR (./data).
import { spawn } from "node:child_process";
import { ensureBuild, nextBin, root } from "./ensure-build.mjs";

ensureBuild();
const port = process.env.PORT ?? "3000";
const server = spawn(process.execPath, [nextBin, "start", "-p", port], {
  cwd: root,
  stdio: "inherit",
  // The console handles SIGTERM itself: it finishes accepted work and closes the database.
  env: { ...process.env, NEXT_MANUAL_SIG_HANDLE: "true" },
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.kill(signal));
server.on("exit", (code) => process.exit(code ?? 0));

// Builds the console with `next build` when there is no build yet or any source is newer than
// it, so `npm start` and the end-to-end tests never serve a stale build.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
export const nextBin = path.join(root, "node_modules", "next", "dist", "bin", "next");

const SOURCE_DIRS = ["app", "components", "lib", "public", "drizzle"];
const SOURCE_FILES = [
  "package-lock.json",
  "next.config.ts",
  "proxy.ts",
  "instrumentation.ts",
  "instrumentation-client.ts",
  "postcss.config.mjs",
  "tsconfig.json",
];

function newestMtime(target) {
  const stat = fs.statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of fs.readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, entry)));
  return newest;
}

function needsBuild() {
  const buildId = path.join(root, ".next", "BUILD_ID");
  if (!fs.existsSync(buildId)) return true;
  const built = fs.statSync(buildId).mtimeMs;
  return [...SOURCE_DIRS, ...SOURCE_FILES]
    .map((p) => path.join(root, p))
    .filter((p) => fs.existsSync(p))
    .some((p) => newestMtime(p) > built);
}

export function ensureBuild() {
  if (!needsBuild()) return;
  console.log("Building the console (no build yet, or sources changed since the last one)…");
  const build = spawnSync(process.execPath, [nextBin, "build"], { cwd: root, stdio: "inherit" });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

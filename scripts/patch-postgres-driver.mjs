#!/usr/bin/env node
/**
 * Repairs two faults of the PostgreSQL driver (postgres 3.4.9, the newest release) that a
 * database restart under load sets off, run after every install (npm's postinstall):
 *
 * 1. A connection torn down while a small write waited for its setImmediate kept the stale timer
 *    handle and the buffered bytes: `write` never scheduled a flush again, so the reconnect's
 *    startup message sat unsent until connect_timeout (30 s) and the pool slot stayed stuck.
 *    Teardown (terminate, closed) now forgets both.
 * 2. A flush that ran after the socket was gone threw from setImmediate, an uncaught TypeError
 *    that ends a worker process. It now fails the connection's queries with CONNECTION_CLOSED,
 *    which callers already handle, instead.
 *
 * Upstream: porsager/postgres issues 1154, 1208 (unfixed in 3.4.9). Each edit is applied once
 * (the script is idempotent) and the script fails loudly when the driver's text is not what it
 * expects, so an upgrade is noticed: check whether upstream fixed it, then drop this script.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const driver = path.join(root, "node_modules", "postgres");
const MARK = "/* sms-console: driver repair */";

const edits = [
  {
    what: "terminate() forgets the cancelled flush",
    find: "function terminate() {\n    terminated = true\n    if (stream || query || initial || sent.length)\n      error(Errors.connection('CONNECTION_DESTROYED', options))\n\n    clearImmediate(nextWriteTimer)\n",
    replace: `function terminate() {\n    terminated = true\n    if (stream || query || initial || sent.length)\n      error(Errors.connection('CONNECTION_DESTROYED', options))\n\n    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null ${MARK}\n`,
  },
  {
    what: "closed() forgets the cancelled flush",
    find: "    remaining = 0\n    incomings = null\n    clearImmediate(nextWriteTimer)\n",
    replace: `    remaining = 0\n    incomings = null\n    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null ${MARK}\n`,
  },
  {
    what: "nextWrite() without a socket fails the queries instead of throwing",
    find: "  function nextWrite(fn) {\n    const x = socket.write(chunk, fn)\n",
    replace: `  function nextWrite(fn) {\n    if (socket === null) { ${MARK}\n      nextWriteTimer !== null && clearImmediate(nextWriteTimer)\n      chunk = nextWriteTimer = null\n      error(Errors.connection('CONNECTION_CLOSED', options, socket))\n      return false\n    }\n    const x = socket.write(chunk, fn)\n`,
  },
];

function patchFile(file) {
  let text = fs.readFileSync(file, "utf8");
  let changed = 0;
  for (const edit of edits) {
    if (text.includes(edit.replace)) continue;
    if (!text.includes(edit.find)) throw new Error(`${file}: cannot apply "${edit.what}": the driver's code is not what this repair expects`);
    text = text.replace(edit.find, edit.replace);
    changed += 1;
  }
  if (changed > 0) fs.writeFileSync(file, text);
  return changed;
}

if (!fs.existsSync(driver)) {
  // Installed without the driver (a partial install): nothing to repair.
  process.exit(0);
}
const { version } = JSON.parse(fs.readFileSync(path.join(driver, "package.json"), "utf8"));
if (version !== "3.4.9") {
  console.error(`scripts/patch-postgres-driver.mjs repairs postgres 3.4.9, found ${version}: check whether upstream fixed issues 1154/1208, then update or remove this script`);
  process.exit(1);
}
let total = 0;
for (const build of ["src", "cjs/src", "cf/src"]) {
  const file = path.join(driver, build, "connection.js");
  if (fs.existsSync(file)) total += patchFile(file);
}
if (total > 0) console.log(`postgres ${version}: ${total} driver repairs applied (scripts/patch-postgres-driver.mjs)`);

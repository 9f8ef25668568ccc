/**
 * `npm run bench:send` — sending end to end, on PostgreSQL (when DATABASE_URL is set or one
 * answers on 127.0.0.1:5432) and on the embedded database.
 *
 *   1. 100,000 recipients (listed phone numbers) through a CMPP channel on the gateway simulator
 *      (a separate process: 4 connections, window 16, a status report 0.5 s after each SUBMIT),
 *      from the send request to the last final state: messages per second end to end, SUBMITs
 *      the simulator received (must equal the segments sent), and this process's CPU seconds
 *      (the dispatcher, the preparer and, on the embedded database, the database itself).
 *   2. An "everyone on this channel" send to 1,000,000 users: the time to materialise it, and
 *      the median time to read the send (GET /api/v1/sends/{id}) once it exists.
 *
 * Options: --messages N (100000), --audience N (1000000), --only postgres|pglite.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import { availableParallelism, cpus, tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import { SYSTEM_ACTOR } from "../lib/auth/actor";
import { createChannel } from "../lib/channels/channel-service";
import { executeRows, openDatabase, runMigrations, type DatabaseHandle } from "../lib/db/client";
import { createScratchDatabase } from "../lib/db/scratch-database";
import { startDispatcher } from "../lib/messages/dispatcher/dispatcher";
import { startSendPreparer } from "../lib/messages/send-preparer";
import { getSend } from "../lib/messages/send-queries";
import { createSend } from "../lib/messages/send-service";
import { silentLogger } from "../lib/sender/cmpp";
import { startSimulatorProcess } from "./lib/simulator-process";

const { values } = parseArgs({
  options: {
    messages: { type: "string", default: "100000" },
    audience: { type: "string", default: "1000000" },
    only: { type: "string" },
  },
});
const MESSAGES = Number(values.messages);
const AUDIENCE = Number(values.audience);
const ACCOUNT = "900001";
const PASSWORD = "bench-secret";
const ACCESS_NUMBER = "10690001";
const sealKey = crypto.randomBytes(32);
const actor = SYSTEM_ACTOR("bench");

const seconds = (ms: number) => (ms / 1000).toFixed(2);

async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs: number, everyMs = 50): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!(await probe())) {
    if (performance.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

async function openTarget(kind: "postgres" | "pglite"): Promise<{ handle: DatabaseHandle; drop: () => Promise<void> }> {
  if (kind === "postgres") {
    const scratch = await createScratchDatabase(process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres");
    const handle = await openDatabase({ databaseUrl: scratch.url, maxConnections: 10 });
    await runMigrations(handle, scratch.url);
    return { handle, drop: scratch.drop };
  }
  const dir = fs.mkdtempSync(path.join(tmpdir(), "bench-send-"));
  const handle = await openDatabase({ dataDir: dir });
  await runMigrations(handle);
  return { handle, drop: async () => fs.rmSync(dir, { recursive: true, force: true }) };
}

async function sendThroughCmpp(kind: "postgres" | "pglite", handle: DatabaseHandle): Promise<void> {
  const sim = await startSimulatorProcess([
    "--account", ACCOUNT, "--password", PASSWORD, "--access-number", ACCESS_NUMBER,
    "--no-record-texts", "--max-connections", "8", "--report-delay", "500",
  ]);
  try {
    const channel = await createChannel({ db: handle.db, sealKey, publicUrl: "http://bench" }, actor, {
      type: "cmpp", name: `bench-${kind}`, provider: "china_mobile", host: "127.0.0.1", port: sim.port,
      account: ACCOUNT, password: PASSWORD, accessNumber: ACCESS_NUMBER, connections: 4, tpsPerConnection: 10000,
    });
    const phones = Array.from({ length: MESSAGES }, (_, i) => `139${String(i).padStart(8, "0")}`);
    const preparer = startSendPreparer(handle.db, handle.kind);
    const dispatcher = await startDispatcher({ handle, sealKey, kind: "web", cmppLogger: silentLogger });
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const { sendId } = await createSend(handle.db, actor, { channelKey: channel.channelKey, phones, text: "Your verification code is 123456. It expires in 5 minutes." });
    preparer.wake();
    let prepared = 0;
    await waitUntil("the send to finish", async () => {
      const send = await getSend(handle.db, sendId);
      if (!prepared && send.status !== "preparing") prepared = performance.now() - started;
      return send.status === "done";
    }, 600_000);
    const elapsed = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    await dispatcher.stop();
    await preparer.stop();
    const stats = await sim.stats();
    const send = await getSend(handle.db, sendId);
    const [counted] = await executeRows<{ n: number; segments: number }>(
      handle.db, sql`select count(*)::int as n, coalesce(sum(segments), 0)::int as segments from messages where send_id = ${sendId}::uuid`,
    );
    console.log(`\n[${kind}] ${MESSAGES.toLocaleString("en")} messages through CMPP (4 connections, window 16, reports after 0.5 s)`);
    console.log(`  all final after        ${seconds(elapsed)} s  (${Math.round(MESSAGES / (elapsed / 1000)).toLocaleString("en")} messages/s end to end; prepared after ${seconds(prepared)} s)`);
    console.log(`  counts                 ${JSON.stringify(send.counts)}`);
    console.log(`  SUBMITs received       ${stats.submits} (accepted ${stats.submitsAccepted}); segments sent ${counted!.segments}: ${stats.submitsAccepted === counted!.segments ? "no duplicates" : "MISMATCH"}`);
    console.log(`  this process's CPU     ${seconds((cpu.user + cpu.system) / 1000)} s (user ${seconds(cpu.user / 1000)}, system ${seconds(cpu.system / 1000)})${kind === "pglite" ? ", the embedded database included" : ""}`);
  } finally {
    await sim.stop();
  }
}

async function materialiseEveryone(kind: "postgres" | "pglite", handle: DatabaseHandle): Promise<void> {
  const db = handle.db;
  const channel = await createChannel({ db, sealKey, publicUrl: "http://bench" }, actor, {
    type: "cmpp", name: `everyone-${kind}`, provider: "china_mobile", host: "127.0.0.1", port: 7890,
    account: ACCOUNT, password: PASSWORD, accessNumber: ACCESS_NUMBER, connections: 1,
  });
  // The users, written set-based: a third bound to this channel, the rest with an `all` number.
  const loadStarted = performance.now();
  for (let from = 0; from < AUDIENCE; from += 200_000) {
    const to = Math.min(AUDIENCE, from + 200_000) - 1;
    await db.execute(sql`insert into contacts (userid) select 'user' || g from generate_series(${from}::int, ${to}::int) g`);
    await db.execute(sql`insert into contact_phones (userid, bind_id, phone)
      select 'user' || g, case when g % 3 = 0 then ${channel.channelKey} else 'all' end, '137' || lpad(g::text, 8, '0')
        from generate_series(${from}::int, ${to}::int) g`);
  }
  console.log(`\n[${kind}] ${AUDIENCE.toLocaleString("en")} users written in ${seconds(performance.now() - loadStarted)} s (set-up, not measured)`);
  const preparer = startSendPreparer(db, handle.kind);
  const started = performance.now();
  const { sendId, accepted } = await createSend(db, actor, { channelKey: channel.channelKey, audience: "everyone", text: "Hello" });
  const answered = performance.now() - started;
  preparer.wake();
  await waitUntil("the audience to be materialised", async () => (await getSend(db, sendId)).status !== "preparing", 600_000, 20);
  const elapsed = performance.now() - started;
  await preparer.stop();
  const reads: number[] = [];
  for (let i = 0; i < 50; i++) {
    const t0 = performance.now();
    await getSend(db, sendId);
    reads.push(performance.now() - t0);
  }
  reads.sort((a, b) => a - b);
  const send = await getSend(db, sendId);
  console.log(`  "everyone" send        answered in ${answered.toFixed(0)} ms (accepted ${accepted.toLocaleString("en")}); materialised in ${seconds(elapsed)} s (${send.total.toLocaleString("en")} messages)`);
  console.log(`  GET the send           median ${reads[25]!.toFixed(2)} ms, max ${reads[49]!.toFixed(2)} ms over 50 reads`);
}

async function main() {
  console.log(`bench:send on ${availableParallelism()} cores (${cpus()[0]?.model ?? "unknown CPU"})`);
  const kinds: ("postgres" | "pglite")[] = values.only ? [values.only as "postgres" | "pglite"] : ["postgres", "pglite"];
  for (const kind of kinds) {
    let target: { handle: DatabaseHandle; drop: () => Promise<void> };
    try {
      target = await openTarget(kind);
    } catch (error) {
      console.log(`\n[${kind}] skipped: ${(error as Error).message}`);
      continue;
    }
    try {
      await sendThroughCmpp(kind, target.handle);
      await materialiseEveryone(kind, target.handle);
    } finally {
      await target.handle.close();
      await target.drop();
    }
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

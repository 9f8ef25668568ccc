import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { executeRows, openDatabase, runMigrations, type DatabaseHandle } from "@/lib/db/client";
import { replies } from "@/lib/db/schema";
import { readServerEnv } from "@/lib/config/env";
import { buildCallbackForm } from "@/lib/sender/jsms/callback";
import { startCmppSimulator, silentLogger, type CmppSimulator } from "@/lib/sender/cmpp";
import { getRuntime, type Runtime } from "@/lib/server/runtime";
import { applyPendingJsmsCallbacks, drainJsmsCallbacks } from "@/lib/messages/jsms-callback-intake";
import { isFinalState } from "@/lib/messages/message-state";
import { startDispatcher, type Dispatcher } from "@/lib/messages/dispatcher/dispatcher";
import { dispatcherHealth } from "@/lib/messages/dispatcher/health-state";
import { announceQueued, QUEUED_CHANNEL } from "@/lib/messages/dispatcher/wake";
import {
  countsOnSendAndRows,
  createCmppTestChannel,
  createJsmsTestChannel,
  messagesOf,
  phoneOf,
  queueSend,
  waitFor,
} from "@/lib/messages/dispatcher/testing/dispatch-fixtures";
import { POST } from "./route";
import { postgresBinDir, startPrivatePostgres, type PrivatePostgres, type StopMode } from "@/lib/reliability/testing/private-postgres";
import { FIXED_PORTS } from "@/lib/reliability/testing/fixed-ports";

/**
 * PostgreSQL restarted under load, with nothing in the console restarted: one process's
 * dispatcher sending a few thousand CMPP messages, and Jiguang's callbacks coming in to the
 * callback route, both on the one postgres.js pool a console process has. The server is
 * restarted twice, `-m fast` (connections terminated) and `-m immediate` (a crash: recovery from
 * the WAL). What is checked is what an operator and Jiguang would see: every message ends final
 * with the send's counters equal to count(*); every copy the gateway got twice is marked
 * uncertain; every callback answered 200 is applied; a callback posted while the database is
 * down is answered non-200 (Jiguang retries it); the dispatcher's LISTEN works again afterwards.
 */
vi.mock("@/lib/server/runtime", () => ({ getRuntime: vi.fn() }));
vi.mock("@/lib/auth/session", () => ({ getSessionActor: vi.fn() }));

const PORT = FIXED_PORTS.postgresRestart;
const MESSAGES = 4_000;
const sealKey = crypto.randomBytes(32);
const jsmsApp = { appKey: "aa10664070b44738b6479275", masterSecret: "bb38ce69b1de2a7fa95706ea" };
const binDir = postgresBinDir();

interface PostedCallback {
  content: string;
  form: URLSearchParams;
  status: number;
  postedAt: number;
  answeredAt: number;
}

/** Jiguang posting SMS_REPLY callbacks, a few at a time, each one's answer kept. */
function startCallbackPoster(channelKey: string, concurrency: number) {
  const posted: PostedCallback[] = [];
  let running = true;
  let n = 0;
  const post = async (form: URLSearchParams): Promise<number> => {
    const request = new NextRequest(`http://console.test/api/jsms/callback/${channelKey}`, {
      method: "POST",
      body: form.toString(),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    const response = await POST(request, { params: Promise.resolve({ channelKey }) });
    return response.status;
  };
  const worker = async () => {
    while (running) {
      n += 1;
      const content = `reply ${n} ${crypto.randomBytes(4).toString("hex")}`;
      const data = JSON.stringify({ phone: phoneOf(77, n % 1000), replyTime: Date.now(), content });
      const form = buildCallbackForm({ ...jsmsApp, type: "SMS_REPLY", data });
      const postedAt = Date.now();
      const status = await post(form);
      posted.push({ content, form, status, postedAt, answeredAt: Date.now() });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const workers = Array.from({ length: concurrency }, () => worker());
  return {
    posted,
    post,
    async stop() {
      running = false;
      await Promise.all(workers);
    },
  };
}

interface RestartFigures {
  mode: StopMode;
  /** pg_ctl restart, from the command to the server accepting connections again. */
  restartMs: number;
  /** From the server accepting connections to the first callback answered 200 that was posted after it. */
  callbackRecoveryMs: number;
  /** From the server accepting connections to the dispatcher's next claim. */
  claimRecoveryMs: number;
  /** Callbacks answered while the server was down or restarting, by status. */
  outageStatuses: Record<number, number>;
}

describe.skipIf(!binDir)(`PostgreSQL restarted under load${binDir ? "" : " (skipped: no PostgreSQL server binaries, initdb, installed)"}`, () => {
  let server: PrivatePostgres;
  let handle: DatabaseHandle;
  let simulator: CmppSimulator;
  let dispatcher: Dispatcher | undefined;
  const notified: { at: number; payload: string }[] = [];

  beforeAll(async () => {
    server = await startPrivatePostgres(PORT);
    handle = await openDatabase({ databaseUrl: server.url, maxConnections: 10 });
    await runMigrations(handle, server.url);
    const runtime: Runtime = {
      env: readServerEnv({ NODE_ENV: "test", DATA_DIR: "/nonexistent", APP_SECRET: "postgres-restart-test-secret-0123456789" }),
      handle,
      db: handle.db,
      sealKey,
      sessionSecret: "postgres-restart-test-session-secret",
    };
    vi.mocked(getRuntime).mockResolvedValue(runtime);
    // Slow answers (16 in flight per connection, 100 ms each) keep the send going for ~15 s, so
    // both restarts land in the middle of it.
    simulator = await startCmppSimulator({
      account: "900001",
      password: "secret88",
      accessNumber: "1065",
      logger: silentLogger,
      reports: { delayMs: 50 },
      faults: { responseDelayMs: 100 },
    });
  });
  afterAll(async () => {
    await dispatcher?.stop().catch(() => {});
    await simulator?.close();
    await handle?.close().catch(() => {});
    await server?.destroy();
  });

  it("runs on a PostgreSQL driver with the repairs of scripts/patch-postgres-driver.mjs (npm's postinstall)", () => {
    // Without them a restart leaves pool connections stuck for connect_timeout, and can end the process with an uncaught TypeError.
    const driver = path.join(process.cwd(), "node_modules", "postgres");
    for (const build of ["src", "cjs/src"]) {
      const text = fs.readFileSync(path.join(driver, build, "connection.js"), "utf8");
      expect(text.split("sms-console: driver repair").length - 1, `${build}/connection.js: run node scripts/patch-postgres-driver.mjs`).toBe(3);
    }
  });

  it("loses no message and no callback answered 200, sends nothing twice unseen, and recovers without a restart of its own", async () => {
    const db = handle.db;
    const cmpp = await createCmppTestChannel(db, sealKey, simulator.port, { name: "restart-cmpp", connections: 2 });
    const jsms = await createJsmsTestChannel(db, sealKey, { name: "restart-jsms", ...jsmsApp });
    // The handle the console's process has, its LISTEN watched: a notification after the restarts proves it re-subscribed.
    const watched: DatabaseHandle = {
      ...handle,
      listen: (channel, onNotify) =>
        handle.listen!(channel, (payload) => {
          notified.push({ at: Date.now(), payload });
          onNotify(payload);
        }),
      close: async () => {},
    };
    dispatcher = await startDispatcher({
      handle: watched,
      sealKey,
      kind: "worker",
      cmppLogger: silentLogger,
      cmppPool: { reconnectBaseMs: 100, reconnectMaxMs: 500 },
    });

    const phones = Array.from({ length: MESSAGES }, (_, i) => phoneOf(51, i));
    const sendId = await queueSend(db, cmpp.id, { text: "Your code is 2468" }, phones);
    await announceQueued(db, "postgres", cmpp.id);
    const poster = startCallbackPoster(jsms.channelKey, 4);

    const settled = async () => {
      const [row] = await executeRows<{ n: number }>(db, sql`select count(*)::int as n from messages where send_id = ${sendId}::uuid and status not in ('queued', 'submitting')`);
      return row!.n;
    };
    const figures: RestartFigures[] = [];
    const restartUnderLoad = async (mode: StopMode, whenSettled: number) => {
      await waitFor(`${whenSettled} messages settled`, async () => (await settled().catch(() => 0)) >= whenSettled, 120_000);
      const before = Date.now();
      await server.restart(mode);
      const up = Date.now();
      const claimsBefore = dispatcherHealth().lastClaimAt;
      const claimAt = await waitFor("the dispatcher to claim again", async () => {
        const last = dispatcherHealth().lastClaimAt;
        return last !== claimsBefore && last !== null && Date.parse(last) >= up ? Date.parse(last) : null;
      }, 60_000);
      const callbackAt = await waitFor("a callback answered 200 again", async () => poster.posted.find((p) => p.postedAt >= up && p.status === 200)?.answeredAt, 60_000);
      const outage = poster.posted.filter((p) => p.answeredAt >= before && p.postedAt <= up && p.status !== 200);
      const outageStatuses: Record<number, number> = {};
      for (const p of outage) outageStatuses[p.status] = (outageStatuses[p.status] ?? 0) + 1;
      figures.push({ mode, restartMs: up - before, callbackRecoveryMs: callbackAt - up, claimRecoveryMs: claimAt - up, outageStatuses });
    };
    await restartUnderLoad("fast", MESSAGES * 0.2);
    await restartUnderLoad("immediate", MESSAGES * 0.55);

    await waitFor("the send to finish", async () => (await countsOnSendAndRows(db, sendId).catch(() => null))?.status === "done", 180_000);
    await poster.stop();
    console.log("[postgres restart] figures:", JSON.stringify(figures));

    // Messages: every one final, the counters equal to count(*), every message reached the gateway.
    const { counters, rows } = await countsOnSendAndRows(db, sendId);
    expect(counters).toEqual(rows);
    const messages = await messagesOf(db, sendId);
    expect(messages.filter((m) => !isFinalState(m.status))).toEqual([]);
    expect(rows.delivered).toBe(MESSAGES);
    // Nothing sent twice unseen: every number the gateway got more than once is marked uncertain.
    const copies = simulator.submitCopies();
    expect(new Set(copies.map((c) => c.dest))).toEqual(new Set(phones));
    const byPhone = new Map(messages.map((m) => [m.phone, m]));
    const twiceNotUncertain = copies.filter((c) => c.count > 1 && !byPhone.get(c.dest)!.uncertain);
    expect(twiceNotUncertain).toEqual([]);
    console.log(`[postgres restart] gateway copies received twice: ${copies.filter((c) => c.count > 1).length}; uncertain on the send: ${counters.uncertain}`);

    // Callbacks: the restarts must have bitten (some were refused), and none was answered 200 wrongly.
    const answered = poster.posted;
    const refused = answered.filter((p) => p.status !== 200);
    const statuses: Record<number, number> = {};
    for (const p of answered) statuses[p.status] = (statuses[p.status] ?? 0) + 1;
    console.log(`[postgres restart] callbacks posted: ${answered.length}, by status:`, statuses);
    expect(refused.length).toBeGreaterThan(0);
    // A refusal is a server-side status (Jiguang retries on anything but 200), never a 4xx that says the callback was bad.
    expect(refused.filter((p) => p.status < 500)).toEqual([]);

    // What was answered 200 is applied: at once, or by the sweep every console process runs
    // (lib/server/lifecycle.ts, every 30 s; here called at once, without its age limit).
    await drainJsmsCallbacks(db);
    const appliedBySweep = await applyPendingJsmsCallbacks(db, 0);
    const stored = new Set((await db.select({ content: replies.content }).from(replies)).map((r) => r.content));
    const okButMissing = answered.filter((p) => p.status === 200 && !stored.has(p.content));
    expect(okButMissing.map((p) => p.content)).toEqual([]);
    console.log(`[postgres restart] stored callbacks applied by the sweep, not at once: ${appliedBySweep}`);

    // Jiguang retries what was refused, with the same nonce and timestamp: each is then answered
    // 200 and applied once (some were stored before the answer was lost: a duplicate, still 200).
    for (const p of refused) expect(await poster.post(p.form)).toBe(200);
    await drainJsmsCallbacks(db);
    await applyPendingJsmsCallbacks(db, 0);
    const [{ n: replyRows }] = await executeRows<{ n: number }>(db, sql`select count(*)::int as n from replies where channel_id = ${jsms.id}::uuid`);
    expect(replyRows).toBe(answered.length);
    const [{ n: pending }] = await executeRows<{ n: number }>(db, sql`select count(*)::int as n from jsms_callbacks where applied_at is null`);
    expect(pending).toBe(0);

    // LISTEN came back by itself: a NOTIFY from another session reaches the dispatcher.
    const other = await openDatabase({ databaseUrl: server.url, maxConnections: 1 });
    try {
      // The payload is a channel id, as the send service sends it: the dispatcher wakes that lane.
      const sentAt = Date.now();
      await other.db.execute(sql`select pg_notify(${QUEUED_CHANNEL}, ${cmpp.id})`);
      await waitFor("the NOTIFY to reach the dispatcher", async () => notified.some((n) => n.at >= sentAt && n.payload === cmpp.id), 15_000);
    } finally {
      await other.close();
    }

    // The dispatcher still holds its own lease (it never fenced) and nothing is left claimed.
    const [{ workers }] = await executeRows<{ workers: number }>(db, sql`select count(*)::int as workers from dispatcher_workers where id = ${dispatcher.id}`);
    expect(workers).toBe(1);
    // Back within seconds of the server (the pool's reconnect delay is capped at 2 s, lib/db/client.ts);
    // the bound is loose for a loaded machine, and far below the driver's own 10–30 s stalls.
    for (const f of figures) {
      expect(f.claimRecoveryMs, `${f.mode}: the dispatcher claimed again`).toBeLessThan(10_000);
      expect(f.callbackRecoveryMs, `${f.mode}: callbacks answered 200 again`).toBeLessThan(10_000);
    }
  });
});

import crypto from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executeRows, openDatabase, runMigrations, type DatabaseHandle } from "@/lib/db/client";
import { createScratchDatabase } from "@/lib/db/scratch-database";
import { startCmppSimulator, silentLogger, type CmppSimulator } from "@/lib/sender/cmpp";
import { isFinalState, REASON_NO_FINAL_REPORT } from "../message-state";
import { startDispatcher, type Dispatcher, type StartDispatcherOptions } from "./dispatcher";
import { announceQueued } from "./wake";
import { countsOnSendAndRows, createCmppTestChannel, messagesOf, phoneOf, queueSend, waitFor } from "./testing/dispatch-fixtures";

/**
 * Several dispatchers on one PostgreSQL, each with its own connection pool, as `npm run worker`
 * processes are: they share nothing but the database. What must hold is what an operator (and
 * the carrier) checks: no message submitted twice, never more logged-in connections than the
 * channel's "number of connections", every message final, the send's counters equal count(*).
 * PostgreSQL only: the embedded database is one process by design.
 */
const serverUrl = process.env.DATABASE_URL;
const sealKey = crypto.randomBytes(32);

describe.skipIf(!serverUrl)("dispatchers side by side on one PostgreSQL", () => {
  let scratch: { url: string; drop: () => Promise<void> };
  const handles: DatabaseHandle[] = [];
  const dispatchers: Dispatcher[] = [];
  const simulators: CmppSimulator[] = [];

  async function openHandle(): Promise<DatabaseHandle> {
    const handle = await openDatabase({ databaseUrl: scratch.url, maxConnections: 4 });
    handles.push(handle);
    return handle;
  }

  async function dispatcherOn(handle: DatabaseHandle, options: Partial<StartDispatcherOptions> = {}): Promise<Dispatcher> {
    const dispatcher = await startDispatcher({
      handle,
      sealKey,
      kind: "worker",
      pollMs: 100,
      // Each counts the others often, so both know their fair share of slots before the send comes.
      reclaimEveryMs: 200,
      cmppLogger: silentLogger,
      cmppPool: { reconnectBaseMs: 100, reconnectMaxMs: 300 },
      ...options,
    });
    dispatchers.push(dispatcher);
    return dispatcher;
  }

  async function gateway(responseDelayMs = 0): Promise<CmppSimulator> {
    // The account allows 8 logins, so a third connection would be accepted and show in the peak.
    const simulator = await startCmppSimulator({
      account: "900001", password: "secret88", accessNumber: "1065", logger: silentLogger,
      reports: { delayMs: 20 }, faults: { responseDelayMs },
    });
    simulators.push(simulator);
    return simulator;
  }

  beforeAll(async () => {
    scratch = await createScratchDatabase(serverUrl!);
    const first = await openHandle();
    await runMigrations(first, scratch.url);
  });
  afterAll(async () => {
    for (const dispatcher of dispatchers) await dispatcher.stop().catch(() => {});
    for (const simulator of simulators) await simulator.close();
    for (const handle of handles) await handle.close().catch(() => {});
    await scratch?.drop();
  });

  it("two dispatchers send one send of 2,000 over 2 connections: each message once, never a third connection", async () => {
    const simulator = await gateway();
    const [a, b] = [handles[0]!, await openHandle()];
    const channel = await createCmppTestChannel(a.db, sealKey, simulator.port, { name: "scale-out", connections: 2 });
    const first = await dispatcherOn(a);
    const second = await dispatcherOn(b);
    await waitFor("both dispatchers to count each other", async () => {
      const [row] = await executeRows<{ n: number }>(a.db, sql`select count(*)::int as n from dispatcher_workers where lease_until >= now()`);
      return row!.n === 2;
    });
    await new Promise((resolve) => setTimeout(resolve, 400));

    const phones = Array.from({ length: 2_000 }, (_, i) => phoneOf(11, i));
    const sendId = await queueSend(a.db, channel.id, { text: "Scale-out notice" }, phones);
    await announceQueued(a.db, "postgres", channel.id);
    await waitFor("the send to finish", async () => (await countsOnSendAndRows(a.db, sendId)).status === "done");

    const { counters, rows } = await countsOnSendAndRows(b.db, sendId);
    expect(counters).toEqual(rows);
    expect(rows.delivered).toBe(phones.length);
    expect(simulator.stats.submitsAccepted).toBe(phones.length);
    expect(simulator.duplicateSubmits()).toEqual([]);
    expect(simulator.peakConnectionCount()).toBeLessThanOrEqual(2);
    expect(simulator.stats.loginStatuses[5] ?? 0).toBe(0);
    const held = [first, second].map((d) => d.lanes().get(channel.id)?.status()?.connections.length ?? 0);
    console.log("[postgres] SUBMITs per gateway connection:", simulator.stats.submitsByConnection, "; connections held per dispatcher:", held);
    // Both took part: a fair share each, not one holding every slot.
    expect(held).toEqual([1, 1]);
    await Promise.all(dispatchers.splice(0).map((d) => d.stop()));
  });

  it("a dispatcher cut off from the database closes its connections before its lease lapses, and another sends what it held", async () => {
    // A slow gateway, so the first dispatcher still has SUBMITs queued and in flight when it is cut off.
    const simulator = await gateway(300);
    const handleA = await openHandle();
    const handleB = await openHandle();
    const channel = await createCmppTestChannel(handleB.db, sealKey, simulator.port, {
      name: "cut-off", connections: 2,
      // A report the cut-off dispatcher could not write is not acknowledged, so the gateway sends
      // it again to the other; the short deadline bounds the wait should one still go missing.
      reportDeadlineSeconds: 3,
    });
    const options: Partial<StartDispatcherOptions> = { leaseMs: 2_000, deadlineEveryMs: 200, cmppPool: { reconnectBaseMs: 100, reconnectMaxMs: 300 } };
    await dispatcherOn(handleA, options);
    const phones = Array.from({ length: 400 }, (_, i) => phoneOf(12, i));
    const sendId = await queueSend(handleB.db, channel.id, { text: "Cut-off notice" }, phones);
    await announceQueued(handleB.db, "postgres", channel.id);
    await waitFor("the first dispatcher to be sending", async () => (await countsOnSendAndRows(handleB.db, sendId)).counters.submitted >= 20);

    // The database becomes unreachable for the first dispatcher: it can neither renew nor record.
    await handleA.close();
    await dispatcherOn(handleB, options);
    await waitFor("the send to finish", async () => (await countsOnSendAndRows(handleB.db, sendId)).status === "done");

    const { counters, rows } = await countsOnSendAndRows(handleB.db, sendId);
    expect(counters).toEqual(rows);
    const messages = await messagesOf(handleB.db, sendId);
    expect(messages.filter((m) => !isFinalState(m.status))).toEqual([]);
    const unknown = messages.filter((m) => m.status === "unknown");
    for (const m of unknown) expect(m.error_code).toBe(REASON_NO_FINAL_REPORT);
    expect(rows.delivered + unknown.length).toBe(phones.length);
    const twice = simulator.duplicateSubmits();
    console.log(`[postgres] cut-off dispatcher: peak connections ${simulator.peakConnectionCount()}, messages the gateway got twice ${twice.length}, uncertain ${counters.uncertain}, by state`, rows);
    // The channel's limit holds across the hand-over: the cut-off one closed its links first.
    expect(simulator.peakConnectionCount()).toBeLessThanOrEqual(2);
    const byPhone = new Map(messages.map((m) => [m.phone, m]));
    for (const copy of twice) expect(byPhone.get(copy.dest), `the message to ${copy.dest}, received ${copy.count} times`).toMatchObject({ uncertain: true });
  });
});

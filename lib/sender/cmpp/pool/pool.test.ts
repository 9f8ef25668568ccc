/**
 * The pool over real TCP on loopback against the gateway simulator, one simulator per test on a
 * free port. Timeouts and intervals are shortened through options; behaviour is asserted on both
 * sides (what the client reports, what the gateway received).
 */
import { afterEach, describe, expect, it } from "vitest";
import { createServer, type Socket } from "node:net";
import { createCmppPool, type CmppPool } from "./pool";
import type { CmppPoolOptions, CmppReceipt, CmppReply, CmppSessionEvent } from "./pool-types";
import { CmppSubmitError } from "../errors";
import { silentLogger } from "../logger";
import { ACCESS_NUMBER, channel, closeSimulators, mobile, simulator, sleep, waitFor } from "../testing/fixtures";
import type { CmppChannelSettings } from "../types";

const pools: CmppPool[] = [];

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
  await closeSimulators();
});

interface Harness {
  pool: CmppPool;
  receipts: CmppReceipt[];
  replies: CmppReply[];
  events: CmppSessionEvent[];
}

function pool(settings: CmppChannelSettings, options: CmppPoolOptions = {}): Harness {
  const h: Harness = { pool: null as unknown as CmppPool, receipts: [], replies: [], events: [] };
  h.pool = createCmppPool(settings, {
    logger: silentLogger,
    reconnectBaseMs: 20,
    reconnectMaxMs: 200,
    onReceipt: (r) => h.receipts.push(r),
    onReply: (r) => h.replies.push(r),
    onSessionEvent: (e) => h.events.push(e),
    ...options,
  });
  pools.push(h.pool);
  return h;
}

/** Every text the gateway received, across destinations. */
function allTexts(texts: Map<string, string[]>): string[] {
  return [...texts.values()].flat();
}

describe("CMPP pool against the simulator", () => {
  it("submits, gets the Msg_Id, and receives the matched, classified receipt", async () => {
    const sim = await simulator({ reports: { statFor: ({ dest }) => (dest.endsWith("9") ? "MK:0001" : undefined) } });
    const { pool: p, receipts } = pool(channel(sim.port));
    const ok = await p.submit({ dest: mobile(1), text: "Your code is 1234", ref: "msg-1" });
    const bad = await p.submit({ dest: mobile(9), text: "hello", ref: "msg-9" });
    expect(ok).toMatchObject({ segments: 1, destinations: [{ dest: mobile(1) }] });
    expect(ok.msgIds[0]).toMatch(/^[0-9a-f]{16}$/);
    await waitFor(() => receipts.length === 2, "two receipts");
    expect(receipts.find((r) => r.ref === "msg-1")).toMatchObject({ msgId: ok.msgIds[0], stat: "DELIVRD", category: "delivered", final: true, matched: true, dest: mobile(1) });
    expect(receipts.find((r) => r.ref === "msg-9")).toMatchObject({ msgId: bad.msgIds[0], stat: "MK:0001", category: "invalid_number" });
    expect(sim.stats.texts.get(mobile(1))).toEqual(["Your code is 1234"]);
  });

  it("reports a refused login and fails queued work with the reason after the queue timeout", async () => {
    const sim = await simulator();
    const { pool: p, events } = pool(channel(sim.port, { password: "wrong" }), { queueTimeoutMs: 300, reconnectBaseMs: 50 });
    const error = await p.submit({ dest: mobile(1), text: "x" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CmppSubmitError);
    expect(error).toMatchObject({ failure: "no_connection" });
    expect((error as Error).message).toMatch(/authentication failed/);
    expect(events.find((e) => e.type === "login_failed")).toMatchObject({ status: 3 });
    expect(sim.stats.submits).toBe(0);
  });

  it("reports 'too many connections' when the account's connection limit is reached", async () => {
    const sim = await simulator({ maxConnections: 2 });
    const { pool: p, events } = pool(channel(sim.port, { connections: 3 }), { reconnectBaseMs: 5_000 });
    await waitFor(() => events.some((e) => e.type === "login_failed"), "a refused login");
    const refused = events.find((e) => e.type === "login_failed");
    expect(refused).toMatchObject({ status: 5 });
    expect(refused && "reason" in refused ? refused.reason : "").toMatch(/too many connections/);
    expect(p.status().ready).toBe(2);
  });

  it("blocks when the window is full and resumes as answers arrive", async () => {
    const sim = await simulator({ faults: { responseDelayMs: 100 } });
    const { pool: p } = pool(channel(sim.port), { window: 4 });
    await p.ready();
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => p.submit({ dest: mobile(i), text: `m${i}` })));
    const elapsed = Date.now() - started;
    expect(results).toHaveLength(12);
    expect(sim.stats.maxInFlight).toBe(4); // never more than the window unanswered at the gateway
    expect(elapsed).toBeGreaterThanOrEqual(290); // three rounds of four
    expect(allTexts(sim.stats.texts).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `m${i}`).sort());
  });

  it("backs off on flow control (Result 8) and still completes every message exactly once", async () => {
    const sim = await simulator({ faults: { flowControlAboveTps: 150 } });
    const { pool: p } = pool(channel(sim.port, { connections: 2 }), { flowControl: { initialBackoffMs: 50 } });
    await p.ready();
    const n = 300;
    const started = Date.now();
    await Promise.all(Array.from({ length: n }, (_, i) => p.submit({ dest: mobile(i), text: `fc${i}` })));
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000); // 300 at 150/s cannot finish in under a second
    expect(sim.stats.flowControlled).toBeGreaterThan(0);
    expect(p.status().counters.flowControlled).toBe(sim.stats.flowControlled);
    // Backing off, not hammering: far fewer refusals than a blind resend loop would collect.
    expect(sim.stats.flowControlled).toBeLessThan(n);
    const texts = allTexts(sim.stats.texts);
    expect(texts).toHaveLength(n);
    expect(new Set(texts).size).toBe(n);
  });

  it("loses no message when the connection drops mid-window (at least once)", async () => {
    const sim = await simulator({ faults: { dropAfterFrames: 40, dropTimes: 1 } });
    const { pool: p, events } = pool(channel(sim.port), { window: 16 });
    const n = 200;
    const results = await Promise.all(Array.from({ length: n }, (_, i) => p.submit({ dest: mobile(i), text: `d${i}` })));
    expect(results).toHaveLength(n);
    expect(sim.stats.droppedConnections).toBe(1);
    expect(sim.stats.connectionsAccepted).toBe(2);
    const disconnected = events.find((e) => e.type === "disconnected");
    expect(disconnected && "requeued" in disconnected ? disconnected.requeued : 0).toBeGreaterThan(0);
    const received = new Set(allTexts(sim.stats.texts));
    for (let i = 0; i < n; i++) expect(received.has(`d${i}`)).toBe(true);
  });

  it("moves a dropped connection's work to the other live connection", async () => {
    const sim = await simulator({ faults: { dropAfterFrames: 30, dropTimes: 1 } });
    // The dropped connection comes back only after 5 s: everything must finish on the other one first.
    const { pool: p } = pool(channel(sim.port, { connections: 2 }), { reconnectBaseMs: 10_000, reconnectMaxMs: 10_000 });
    await waitFor(() => p.status().ready === 2, "two connections");
    const started = Date.now();
    await Promise.all(Array.from({ length: 150 }, (_, i) => p.submit({ dest: mobile(i), text: `w${i}` })));
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(sim.stats.droppedConnections).toBe(1);
    expect(p.status().ready).toBe(1);
    expect(p.status().counters.requeuedAfterDisconnect).toBeGreaterThan(0);
    expect(new Set(allTexts(sim.stats.texts)).size).toBe(150);
  });

  it("spreads submits across all live connections", async () => {
    const sim = await simulator({ faults: { responseDelayMs: 5 } });
    const { pool: p } = pool(channel(sim.port, { connections: 4 }));
    await waitFor(() => p.status().ready === 4, "four connections");
    await Promise.all(Array.from({ length: 400 }, (_, i) => p.submit({ dest: mobile(i), text: `s${i}` })));
    const perConnection = Object.values(sim.stats.submitsByConnection);
    expect(perConnection).toHaveLength(4);
    for (const count of perConnection) expect(count).toBeGreaterThan(40);
  });

  it("keeps an idle link alive with ACTIVE_TEST (and loses it without)", async () => {
    const sim = await simulator({ idleTimeoutMs: 400 });
    const { pool: p } = pool(channel(sim.port), { activeTestIntervalMs: 100 });
    await p.ready();
    await sleep(1_000);
    expect(sim.stats.activeTestsReceived).toBeGreaterThanOrEqual(4);
    expect(sim.stats.idleDisconnects).toBe(0);
    expect(sim.stats.connectionsAccepted).toBe(1);
    await p.submit({ dest: mobile(1), text: "still here" });

    const quiet = pool(channel(sim.port), { activeTestIntervalMs: 60_000 });
    await quiet.pool.ready();
    await waitFor(() => sim.stats.idleDisconnects > 0, "the gateway to drop the silent connection", 2_000);
  });

  it("answers the gateway's ACTIVE_TEST", async () => {
    const sim = await simulator({ activeTestIntervalMs: 50 });
    const { pool: p } = pool(channel(sim.port), { activeTestIntervalMs: 60_000 });
    await p.ready();
    await waitFor(() => sim.stats.activeTestResponsesReceived >= 3, "three ACTIVE_TEST_RESPs", 3_000);
    expect(sim.stats.activeTestsSent).toBeGreaterThanOrEqual(sim.stats.activeTestResponsesReceived);
  });

  it("delivers long Chinese text whole and in order, to several numbers", async () => {
    const sim = await simulator();
    const { pool: p, receipts } = pool(channel(sim.port, { connections: 2 }));
    const texts = [1, 2, 3].map((k) => `第${k}条：` + "中国移动互联网短信网关接口协议".repeat(12) + "😀结束");
    const dests = [mobile(1), mobile(2)];
    for (const text of texts) {
      const result = await p.submit({ dest: dests, text, ref: `long-${text.length}` });
      expect(result.segments).toBe(Math.ceil(text.length / 67));
      expect(result.destinations.map((d) => d.msgIds.length)).toEqual([result.segments, result.segments]);
    }
    for (const dest of dests) expect(sim.stats.texts.get(dest)).toEqual(texts);
    const segments = Math.ceil(texts[0].length / 67);
    await waitFor(() => receipts.length === 3 * 2 * segments, "a receipt per segment and number");
    expect(new Set(receipts.map((r) => `${r.dest}|${r.segment}/${r.segments}`)).size).toBe(2 * segments);
  });

  it("matches a report that arrives before its SUBMIT_RESP to the right message", async () => {
    const sim = await simulator({ faults: { reportBeforeResponse: true } });
    const { pool: p, receipts } = pool(channel(sim.port));
    const results = await Promise.all(["a", "b", "c"].map((ref, i) => p.submit({ dest: mobile(i), text: ref, ref })));
    await waitFor(() => receipts.length === 3, "three receipts");
    for (const [i, ref] of ["a", "b", "c"].entries()) {
      expect(receipts.find((r) => r.ref === ref)).toMatchObject({ matched: true, msgId: results[i].msgIds[0], dest: mobile(i) });
    }
    expect(p.status().counters.unmatchedReceipts).toBe(0);
  });

  it("counts duplicate reports once", async () => {
    const sim = await simulator({ faults: { duplicateReports: true } });
    const { pool: p, receipts } = pool(channel(sim.port));
    await Promise.all(Array.from({ length: 5 }, (_, i) => p.submit({ dest: mobile(i), text: `dup${i}` })));
    await waitFor(() => sim.stats.reportsAcknowledged === 10, "both copies of every report acknowledged");
    expect(receipts).toHaveLength(5);
    expect(p.status().counters.duplicateReceipts).toBe(5);
  });

  it("on close lets the window drain, then sends TERMINATE on every connection", async () => {
    const sim = await simulator({ faults: { responseDelayMs: 100 } });
    const { pool: p } = pool(channel(sim.port, { connections: 2 }));
    await waitFor(() => p.status().ready === 2, "two connections");
    const pending = Array.from({ length: 10 }, (_, i) => p.submit({ dest: mobile(i), text: `c${i}` }));
    await sleep(10);
    await p.close();
    await expect(Promise.all(pending)).resolves.toHaveLength(10);
    expect(sim.stats.terminatesReceived).toBe(2);
    await waitFor(() => sim.connectionCount() === 0, "connections closed");
    await expect(p.submit({ dest: mobile(1), text: "late" })).rejects.toMatchObject({ failure: "closed" });
  });

  it("resends a SUBMIT the gateway never answered", async () => {
    const sim = await simulator({ faults: { ignoreSubmits: 1 } });
    const { pool: p } = pool(channel(sim.port), { requestTimeoutMs: 150 });
    await p.submit({ dest: mobile(1), text: "again" });
    expect(sim.stats.submits).toBe(2);
    expect(sim.stats.texts.get(mobile(1))).toEqual(["again"]);
  });

  it("waits out a slow gateway: a resend answered 'duplicate sequence' does not fail the message", async () => {
    const sim = await simulator({ faults: { responseDelayMs: 350 } });
    const { pool: p } = pool(channel(sim.port), { requestTimeoutMs: 200 });
    const result = await p.submit({ dest: mobile(1), text: "slow" });
    expect(result.msgIds[0]).not.toBe("0000000000000000");
    expect(sim.stats.duplicateSequenceIds).toBeGreaterThanOrEqual(1);
    expect(sim.stats.texts.get(mobile(1))).toEqual(["slow"]);
  });

  it("fails a message after N unanswered transmissions, as 'timeout' (outcome unknown)", async () => {
    const sim = await simulator({ faults: { ignoreSubmits: 3 } });
    const { pool: p } = pool(channel(sim.port), { requestTimeoutMs: 100, maxTries: 3 });
    await expect(p.submit({ dest: mobile(1), text: "lost" })).rejects.toMatchObject({ failure: "timeout", category: "unknown" });
    expect(sim.stats.submits).toBe(3);
  });

  it("rejects with the gateway's Result when it refuses a submit", async () => {
    const sim = await simulator();
    const { pool: p } = pool(channel(sim.port));
    const error = await p.submit({ dest: "12345", text: "x" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ failure: "rejected", result: 13, category: "invalid_number" });
    sim.setFaults({ rejectSubmitsWith: 7 });
    await expect(p.submit({ dest: mobile(1), text: "x" })).rejects.toMatchObject({ result: 7 });
  });

  it("refuses unusable requests before sending anything", async () => {
    const sim = await simulator();
    const { pool: p } = pool(channel(sim.port));
    await expect(p.submit({ dest: "not a number", text: "x" })).rejects.toMatchObject({ failure: "invalid_request", category: "invalid_number" });
    await expect(p.submit({ dest: mobile(1), text: "" })).rejects.toMatchObject({ failure: "invalid_request" });
    await expect(p.submit({ dest: [], text: "x" })).rejects.toMatchObject({ failure: "invalid_request" });
    expect(sim.stats.submits).toBe(0);
  });

  it("gives a multi-destination submit consecutive Msg_Ids and matches each number's receipt", async () => {
    const sim = await simulator();
    const { pool: p, receipts } = pool(channel(sim.port));
    const dests = [mobile(1), mobile(2), mobile(3)];
    const result = await p.submit({ dest: dests, text: "group", ref: "g" });
    const ids = result.msgIds.map((id) => BigInt("0x" + id));
    expect(ids[1] - ids[0]).toBe(1n);
    expect(ids[2] - ids[0]).toBe(2n);
    expect(sim.stats.submits).toBe(1);
    await waitFor(() => receipts.length === 3, "three receipts");
    for (const [i, dest] of dests.entries()) expect(receipts.find((r) => r.msgId === result.msgIds[i])).toMatchObject({ dest, ref: "g", matched: true });
  });

  it("holds each connection to its TPS limit", async () => {
    const sim = await simulator();
    const { pool: p } = pool(channel(sim.port, { tpsPerConnection: 100 }));
    await p.ready();
    const started = Date.now();
    await Promise.all(Array.from({ length: 120 }, (_, i) => p.submit({ dest: mobile(i), text: `t${i}` })));
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(1_100);
    expect(elapsed).toBeLessThan(2_500);
  });

  it("survives Sequence_Id wrap-around on the wire", async () => {
    const sim = await simulator();
    const { pool: p } = pool(channel(sim.port), { firstSequenceId: 0xfffffff0 });
    await Promise.all(Array.from({ length: 40 }, (_, i) => p.submit({ dest: mobile(i), text: `q${i}` })));
    expect(sim.stats.submitsAccepted).toBe(40);
  });

  it("decodes replies (MO), reassembling concatenated ones in UCS2, 16-bit-header and GBK forms", async () => {
    const sim = await simulator();
    const { pool: p, replies } = pool(channel(sim.port));
    await p.ready();
    const long = "回复内容：" + "我已收到您的通知，谢谢！".repeat(10);
    sim.sendReply({ from: mobile(5), text: "TD" });
    sim.sendReply({ from: mobile(6), to: ACCESS_NUMBER + "01", text: long });
    sim.sendReply({ from: mobile(7), text: long, udh16: true });
    sim.sendReply({ from: mobile(8), text: "退订" + "，谢谢".repeat(60), msgFmt: 15 });
    await waitFor(() => replies.length === 4, "four replies");
    const by = (from: string) => replies.find((r) => r.from === from);
    expect(by(mobile(5))).toMatchObject({ text: "TD", to: ACCESS_NUMBER, segments: 1, complete: true });
    expect(by(mobile(6))).toMatchObject({ text: long, to: ACCESS_NUMBER + "01", segments: Math.ceil(long.length / 67), complete: true });
    expect(by(mobile(7))?.text).toBe(long);
    expect(by(mobile(8))).toMatchObject({ text: "退订" + "，谢谢".repeat(60), msgFmt: 15 });
    expect(by(mobile(8))?.segments).toBeGreaterThan(1);
  });

  it("closes a connection whose gateway sends an impossible length, logging why, and reconnects", async () => {
    const warnings: Array<Record<string, unknown> | undefined> = [];
    const logger = { ...silentLogger, warn: (_m: string, fields?: Record<string, unknown>) => warnings.push(fields) };
    let connections = 0;
    const sockets: Socket[] = [];
    const server = createServer((socket) => {
      connections++;
      sockets.push(socket);
      // Instead of a CONNECT_RESP: a header claiming a 2 GB frame.
      socket.once("data", () => socket.write(Buffer.from("7fffffff8000000100000001", "hex")));
      socket.on("error", () => {});
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    try {
      const { events } = pool(channel(port), { logger, reconnectBaseMs: 20 });
      await waitFor(() => connections >= 2, "a reconnect");
      expect(warnings.find((f) => f?.reason)?.reason).toMatch(/Total_Length 2147483647 exceeds the largest legal frame/);
      expect(events.find((e) => e.type === "login_failed")).toMatchObject({ status: null });
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    }
  });

  it("speaks CMPP 2.0 end to end", async () => {
    const sim = await simulator({ version: "2.0" });
    const { pool: p, receipts, replies } = pool(channel(sim.port, { version: "2.0" }));
    const text = "二点零版本长短信测试".repeat(10);
    const result = await p.submit({ dest: mobile(1), text, ref: "v2" });
    expect(sim.stats.texts.get(mobile(1))).toEqual([text]);
    await waitFor(() => receipts.length === result.segments, "receipts");
    expect(receipts.every((r) => r.ref === "v2" && r.stat === "DELIVRD")).toBe(true);
    sim.sendReply({ from: mobile(2), text: "好的" });
    await waitFor(() => replies.length === 1, "a reply");
    expect(replies[0].text).toBe("好的");
  });
});

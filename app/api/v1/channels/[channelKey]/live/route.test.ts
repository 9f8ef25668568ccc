import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { createApiKey } from "@/lib/auth/api-keys";
import { apiRequest, basicAuth, segments, testRuntime } from "@/lib/api/route-test-kit";
import { describeEachDb } from "@/lib/db/test-databases";
import { startCmppSimulator, silentLogger, type CmppSimulator } from "@/lib/sender/cmpp";
import { getRuntime } from "@/lib/server/runtime";
import { startDispatcher, type Dispatcher } from "@/lib/messages/dispatcher/dispatcher";
import { announceQueued } from "@/lib/messages/dispatcher/wake";
import { countsOnSendAndRows, createCmppTestChannel, phoneOf, queueSend, testHandle, waitFor, type TestChannel } from "@/lib/messages/dispatcher/testing/dispatch-fixtures";
import { resetChannelLive } from "@/lib/messages/live/channel-live";
import type { ChannelLiveView } from "@/lib/messages/live/live-queries";
import { startLiveStatsWriter, type LiveStatsWriter } from "@/lib/messages/live/live-stats-writer";
import { GET as liveRoute } from "./route";

vi.mock("@/lib/server/runtime", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/server/runtime")>()),
  getRuntime: vi.fn(),
}));
vi.mock("@/lib/auth/session", () => ({ getSessionActor: vi.fn(async () => null) }));

/**
 * The cockpit of a CMPP channel as an operator watches it: a send goes out over the simulator,
 * the gateway goes away (the connection shows down, with why) and comes back on the same port
 * (up again). Read through GET /api/v1/channels/{key}/live, from the rows the process writes.
 */
describeEachDb("CMPP channel cockpit", (t) => {
  const runtime = () => testRuntime(t);
  let admin: Record<string, string>;
  let dispatcher: Dispatcher | undefined;
  let writer: LiveStatsWriter | undefined;
  let simulator: CmppSimulator | undefined;
  let channel: TestChannel;

  const gateway = (port = 0) =>
    startCmppSimulator({ account: "900001", password: "secret88", accessNumber: "1065", logger: silentLogger, port, reports: { delayMs: 5 } });

  async function live(channelKey = channel.channelKey): Promise<ChannelLiveView> {
    await writer!.flush();
    const response = await liveRoute(apiRequest(`/api/v1/channels/${channelKey}/live`, { headers: admin }), segments({ channelKey }));
    expect(response.status).toBe(200);
    return (await response.json()) as ChannelLiveView;
  }

  beforeAll(async () => {
    resetChannelLive();
    vi.mocked(getRuntime).mockResolvedValue(runtime());
    admin = basicAuth((await createApiKey(t.db, SYSTEM_ACTOR("test"), { name: "cockpit", role: "viewer" })).credentials);
    writer = startLiveStatsWriter({ db: t.db, kind: "web", sealKey: runtime().sealKey, everyMs: 60_000 });
    simulator = await gateway();
    channel = await createCmppTestChannel(t.db, runtime().sealKey, simulator.port, { name: `cockpit-${t.kind}`, connections: 1 });
    dispatcher = await startDispatcher({
      handle: testHandle(t),
      sealKey: runtime().sealKey,
      kind: "web",
      pollMs: 100,
      // The lane must outlive the test's pauses, so its connection stays to be watched.
      laneIdleMs: 120_000,
      cmppLogger: silentLogger,
      cmppPool: { reconnectBaseMs: 50, reconnectMaxMs: 200 },
    });
  });
  afterAll(async () => {
    await dispatcher?.stop();
    await writer?.stop();
    await simulator?.close();
  });

  it("shows a send's figures, then the connection going down with its reason and coming back", async () => {
    const phones = Array.from({ length: 40 }, (_, i) => phoneOf(71, i));
    const sendId = await queueSend(t.db, channel.id, { text: "cockpit check" }, phones);
    await announceQueued(t.db, t.kind, channel.id);
    await waitFor("the send to finish", async () => (await countsOnSendAndRows(t.db, sendId)).status === "done");

    const up = await waitFor("the cockpit to show the reports", async () => {
      const view = await live();
      return view.reports.total >= phones.length && view;
    });
    expect(up).toMatchObject({ type: "cmpp", configuredConnections: 1, tpsLimit: 10_000, connectionsUp: 1, queue: { depth: 0, oldestQueuedAt: null } });
    expect(up.connections).toEqual([
      expect.objectContaining({ slot: 0, state: "up", detail: "ready", lastError: null, windowUsed: 0, windowSize: 16, version: "3.0" }),
    ]);
    expect(up.processes).toEqual([expect.objectContaining({ processId: writer!.processId, kind: "web", lanes: 1 })]);
    expect(up.submits).toEqual({ total: phones.length, accepted: phones.length });
    expect(up.latency.samples).toBe(phones.length);
    expect(up.latency.p50Ms).toBeGreaterThan(0);
    expect(up.latency.p99Ms).toBeGreaterThanOrEqual(up.latency.p50Ms!);
    expect(up.flowControl).toEqual({ total: 0, lastMinute: 0 });
    const upSince = Date.parse(up.connections[0]!.since);

    const port = simulator!.port;
    await simulator!.close();
    const down = await waitFor("the connection to show down", async () => {
      const view = await live();
      return view.connections[0]?.state === "down" && view;
    });
    expect(down.connectionsUp).toBe(0);
    expect(down.connections[0]!.lastError).toEqual(expect.any(String));
    expect(down.connections[0]!.lastError).not.toBe("");
    expect(Date.parse(down.connections[0]!.since)).toBeGreaterThan(upSince);

    simulator = await gateway(port);
    const back = await waitFor("the connection to come back", async () => {
      const view = await live();
      return view.connections[0]?.state === "up" && view;
    });
    expect(back.connections[0]).toMatchObject({ slot: 0, lastError: null });
    expect(Date.parse(back.connections[0]!.since)).toBeGreaterThan(Date.parse(down.connections[0]!.since));
    // Counters are the process's since it started: reconnecting takes nothing away.
    expect(back.submits.total).toBe(phones.length);
  });

  it("shows the queue of a channel nobody sends on, from the sends' counters", async () => {
    const idle = await createCmppTestChannel(t.db, runtime().sealKey, 1, { name: `cockpit-idle-${t.kind}` });
    // Disabled, so no dispatcher takes its messages: they wait, and the wait is the lag.
    await t.db.execute(sql`update channels set enabled = false where id = ${idle.id}::uuid`);
    await queueSend(t.db, idle.id, { text: "waiting" }, [phoneOf(72, 1), phoneOf(72, 2), phoneOf(72, 3)]);
    await queueSend(t.db, idle.id, { text: "waiting too" }, [phoneOf(72, 4)]);
    const view = await live(idle.channelKey);
    expect(view).toMatchObject({ enabled: false, connections: [], connectionsUp: 0, queue: { depth: 4 } });
    expect(view.queue.lagSeconds).toBeGreaterThanOrEqual(0);
    expect(Date.parse(view.queue.oldestQueuedAt!)).toBeLessThanOrEqual(Date.parse(view.at));
  });

  it("answers 404 for a key that names no channel, and 401 without a key", async () => {
    const missing = await liveRoute(apiRequest("/api/v1/channels/nosuchkey2/live", { headers: admin }), segments({ channelKey: "nosuchkey2" }));
    expect(missing.status).toBe(404);
    const anonymous = await liveRoute(apiRequest(`/api/v1/channels/${channel.channelKey}/live`), segments({ channelKey: channel.channelKey }));
    expect(anonymous.status).toBe(401);
  });
});

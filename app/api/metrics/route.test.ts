import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { createApiKey } from "@/lib/auth/api-keys";
import { apiRequest, basicAuth, testRuntime } from "@/lib/api/route-test-kit";
import { describeEachDb } from "@/lib/db/test-databases";
import { startDispatcher, type Dispatcher } from "@/lib/messages/dispatcher/dispatcher";
import { announceQueued } from "@/lib/messages/dispatcher/wake";
import { countsOnSendAndRows, createCmppTestChannel, phoneOf, queueSend, testHandle, waitFor } from "@/lib/messages/dispatcher/testing/dispatch-fixtures";
import { resetChannelLive } from "@/lib/messages/live/channel-live";
import { startLiveStatsWriter, type LiveStatsWriter } from "@/lib/messages/live/live-stats-writer";
import { parsePrometheusText, sampleValue } from "@/lib/metrics/testing/prometheus-text";
import { startCmppSimulator, silentLogger, type CmppSimulator } from "@/lib/sender/cmpp";
import { getRuntime, type Runtime } from "@/lib/server/runtime";
import { GET } from "./route";

vi.mock("@/lib/server/runtime", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/server/runtime")>()),
  getRuntime: vi.fn(),
}));
vi.mock("@/lib/auth/session", () => ({ getSessionActor: vi.fn(async () => null) }));

const TOKEN = "scrape-token-0123456789";

/**
 * GET /api/metrics as Prometheus scrapes it: who may, that the answer is well-formed exposition
 * text, and that the figures move as a send goes through a CMPP gateway (the simulator).
 */
describeEachDb("GET /api/metrics", (t) => {
  let runtime: Runtime;
  let admin: Record<string, string>;
  let viewer: Record<string, string>;
  let writer: LiveStatsWriter | undefined;
  let dispatcher: Dispatcher | undefined;
  let simulator: CmppSimulator | undefined;

  const scrape = (headers: Record<string, string> = {}) => GET(apiRequest("/api/metrics", { headers }));
  async function metrics() {
    await writer!.flush();
    const response = await scrape({ authorization: `Bearer ${TOKEN}` });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    return parsePrometheusText(await response.text());
  }

  beforeAll(async () => {
    resetChannelLive();
    const base = testRuntime(t);
    runtime = { ...base, env: { ...base.env, metricsToken: TOKEN } };
    vi.mocked(getRuntime).mockResolvedValue(runtime);
    admin = basicAuth((await createApiKey(t.db, SYSTEM_ACTOR("test"), { name: "metrics admin", role: "admin" })).credentials);
    viewer = basicAuth((await createApiKey(t.db, SYSTEM_ACTOR("test"), { name: "metrics viewer", role: "viewer" })).credentials);
    writer = startLiveStatsWriter({ db: t.db, kind: "worker", sealKey: runtime.sealKey, everyMs: 60_000 });
    simulator = await startCmppSimulator({ account: "900001", password: "secret88", accessNumber: "1065", logger: silentLogger, reports: { delayMs: 5 } });
  });
  afterAll(async () => {
    await dispatcher?.stop();
    await writer?.stop();
    await simulator?.close();
  });

  it("is refused without an admin key or the token", async () => {
    expect((await scrape()).status).toBe(401);
    expect((await scrape({ authorization: "Bearer not-the-token-at-all" })).status).toBe(401);
    expect((await scrape(viewer)).status).toBe(403);
    const withKey = await scrape(admin);
    expect(withKey.status).toBe(200);
    parsePrometheusText(await withKey.text());
  });

  it("refuses the token when none is configured", async () => {
    vi.mocked(getRuntime).mockResolvedValueOnce(testRuntime(t));
    expect((await scrape({ authorization: `Bearer ${TOKEN}` })).status).toBe(401);
  });

  it("moves the message, queue and CMPP figures as a send runs", async () => {
    const channel = await createCmppTestChannel(t.db, runtime.sealKey, simulator!.port, { name: `metrics-${t.kind}`, connections: 1 });
    const phones = Array.from({ length: 25 }, (_, i) => phoneOf(81, i));
    const sendId = await queueSend(t.db, channel.id, { text: "metrics check" }, phones);
    const of = { channel: channel.channelKey };

    const queued = await metrics();
    expect(sampleValue(queued, "sms_metrics_database_up")).toBe(1);
    expect(sampleValue(queued, "sms_messages", { ...of, state: "queued" })).toBe(phones.length);
    expect(sampleValue(queued, "sms_messages", { ...of, state: "delivered" })).toBe(0);
    expect(sampleValue(queued, "sms_dispatcher_queue_depth", of)).toBe(phones.length);
    expect(sampleValue(queued, "sms_dispatcher_lag_seconds", of)).toBeGreaterThanOrEqual(0);
    expect(sampleValue(queued, "sms_import_rows", { outcome: "inserted" })).toBe(0);

    dispatcher = await startDispatcher({ handle: testHandle(t), sealKey: runtime.sealKey, kind: "worker", pollMs: 100, laneIdleMs: 120_000, cmppLogger: silentLogger });
    await announceQueued(t.db, t.kind, channel.id);
    await waitFor("the send to finish", async () => (await countsOnSendAndRows(t.db, sendId)).status === "done");

    const sent = await waitFor("the reports to be counted", async () => {
      const families = await metrics();
      return (sampleValue(families, "sms_cmpp_reports_total", of) ?? 0) >= phones.length && families;
    });
    const process = { ...of, process: writer!.processId };
    expect(sampleValue(sent, "sms_messages", { ...of, state: "queued" })).toBe(0);
    expect(sampleValue(sent, "sms_messages", { ...of, state: "delivered" })).toBe(phones.length);
    expect(sampleValue(sent, "sms_dispatcher_queue_depth", of)).toBe(0);
    expect(sampleValue(sent, "sms_dispatcher_lag_seconds", of)).toBe(0);
    expect(sampleValue(sent, "sms_cmpp_submits_total", process)).toBe(phones.length);
    expect(sampleValue(sent, "sms_cmpp_flow_control_total", process)).toBe(0);
    expect(sampleValue(sent, "sms_cmpp_connection_state", { ...process, connection: "0", state: "up" })).toBe(1);
    expect(sampleValue(sent, "sms_cmpp_connection_state", { ...process, connection: "0", state: "down" })).toBe(0);
    expect(sent.get("sms_submit_latency_seconds")?.type).toBe("histogram");
    expect(sampleValue(sent, "sms_submit_latency_seconds_count", process)).toBe(phones.length);
    expect(sampleValue(sent, "sms_submit_latency_seconds_bucket", { ...process, le: "+Inf" })).toBe(phones.length);
    expect(sampleValue(sent, "sms_submit_latency_seconds_sum", process)).toBeGreaterThan(0);
  });
});

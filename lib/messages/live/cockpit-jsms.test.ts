import crypto from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { testRuntime } from "@/lib/api/route-test-kit";
import { describeEachDb } from "@/lib/db/test-databases";
import { parsePrometheusText, sampleValue } from "@/lib/metrics/testing/prometheus-text";
import { renderMetrics } from "@/lib/metrics/prometheus-metrics";
import { buildCallbackForm, generateCallbackNonce, startJsmsSandbox, type JsmsSandbox } from "@/lib/sender/jsms";
import { startDispatcher, type Dispatcher } from "../dispatcher/dispatcher";
import { announceQueued } from "../dispatcher/wake";
import { countsOnSendAndRows, createJsmsTestChannel, phoneOf, queueSend, testHandle, waitFor, type TestChannel } from "../dispatcher/testing/dispatch-fixtures";
import { drainJsmsCallbacks, receiveJsmsCallback } from "../jsms-callback-intake";
import { resetChannelLive } from "./channel-live";
import { readChannelLive, type ChannelLiveView } from "./live-queries";
import { startLiveStatsWriter, type LiveStatsWriter } from "./live-stats-writer";

/**
 * The cockpit of a JSMS channel: callbacks as Jiguang (or a forger) posts them, counted by what
 * became of them; the API calls and their refusals; the balance, asked of the sandbox (never of
 * Jiguang) at most once a minute while the cockpit is open.
 */
describeEachDb("JSMS channel cockpit", (t) => {
  const runtime = () => testRuntime(t);
  const app = { appKey: crypto.randomBytes(12).toString("hex"), masterSecret: crypto.randomBytes(12).toString("hex") };
  let sandbox: JsmsSandbox;
  let writer: LiveStatsWriter | undefined;
  let dispatcher: Dispatcher | undefined;
  let channel: TestChannel;

  /** What GET /api/v1/channels/{key}/live answers (the route adds nothing but auth). */
  async function live(): Promise<ChannelLiveView> {
    return JSON.parse(JSON.stringify(await readChannelLive(t.db, channel.channelKey, { viewing: true }))) as ChannelLiveView;
  }
  /** What the operator sees after the writer's next tick. */
  async function afterTick(): Promise<ChannelLiveView> {
    await writer!.flush();
    return live();
  }

  const report = (msgId: string, overrides: Record<string, string> = {}) => {
    const form = buildCallbackForm({
      ...app,
      nonce: generateCallbackNonce(),
      timestamp: String(Date.now()),
      type: "SMS_REPORT",
      data: JSON.stringify({ msgId, phone: "13800138000", receiveTime: Date.now(), status: 4001 }),
    });
    for (const [k, v] of Object.entries(overrides)) form.set(k, v);
    return form;
  };
  async function post(form: URLSearchParams): Promise<number> {
    const answer = await receiveJsmsCallback({ db: t.db, sealKey: runtime().sealKey }, channel.channelKey, form);
    await answer.applied;
    return answer.status;
  }

  beforeAll(async () => {
    resetChannelLive();
    sandbox = await startJsmsSandbox({ apps: [{ ...app, balance: 5_000 }], reports: false });
    channel = await createJsmsTestChannel(t.db, runtime().sealKey, { name: `jsms-cockpit-${t.kind}`, ...app });
    writer = startLiveStatsWriter({ db: t.db, kind: "web", sealKey: runtime().sealKey, jsmsBaseUrl: sandbox.url, everyMs: 60_000 });
  });
  afterAll(async () => {
    await dispatcher?.stop();
    await writer?.stop();
    await sandbox?.close();
  });

  it("asks the balance while the cockpit is open, at most once a minute", async () => {
    const first = await live();
    expect(first).toMatchObject({ type: "jsms", configuredConnections: null, tpsLimit: null, balance: null });
    const shown = await afterTick();
    expect(shown.balance).toMatchObject({ appBalance: 5_000, error: null });
    await afterTick();
    await afterTick();
    expect(sandbox.stats().apps[app.appKey]).toMatchObject({ balanceQueries: 1 });
    expect((await live()).api).toEqual({ calls: 1, errors: [], recipientErrors: [] });
  });

  it("counts a forged callback as rejected, a second copy as duplicated, and a report for no message as unmatched", async () => {
    expect(await post(report("9001", { signature: "0".repeat(40) }))).toBe(401);
    expect((await afterTick()).callbacks).toEqual({ accepted: 0, rejected: 1, malformed: 0, duplicated: 0, unmatched: 0 });

    const genuine = report("9002");
    expect(await post(genuine)).toBe(200);
    expect(await post(genuine)).toBe(200);
    await drainJsmsCallbacks(t.db);
    expect((await afterTick()).callbacks).toEqual({ accepted: 1, rejected: 1, malformed: 0, duplicated: 1, unmatched: 1 });

    const families = parsePrometheusText(await renderMetrics(t.db));
    const of = { channel: channel.channelKey, process: writer!.processId };
    expect(sampleValue(families, "sms_jsms_callbacks_total", { ...of, result: "rejected" })).toBe(1);
    expect(sampleValue(families, "sms_jsms_callbacks_total", { ...of, result: "duplicated" })).toBe(1);
    expect(sampleValue(families, "sms_jsms_balance", { channel: channel.channelKey })).toBe(5_000);
  });

  it("counts the API calls a send makes and the numbers JSMS refuses, by code", async () => {
    dispatcher = await startDispatcher({ handle: testHandle(t), sealKey: runtime().sealKey, kind: "web", pollMs: 100, jsms: { baseUrl: sandbox.url, retry: { attempts: 1 } } });
    const sendId = await queueSend(t.db, channel.id, { template: { id: 1, params: { code: "42" } } }, [phoneOf(73, 1), phoneOf(73, 2), "02112345678"]);
    await announceQueued(t.db, t.kind, channel.id);
    await waitFor("the batch to be answered", async () => {
      const { rows } = await countsOnSendAndRows(t.db, sendId);
      return rows.queued + rows.submitting === 0;
    });
    const view = await afterTick();
    expect(view.api).toEqual({ calls: 2, errors: [], recipientErrors: [{ code: "50006", count: 1 }] });
    expect(view.processes).toEqual([expect.objectContaining({ lanes: 1 })]);
  });

  it("takes its figures away when the process stops", async () => {
    await dispatcher!.stop();
    dispatcher = undefined;
    await writer!.stop();
    writer = undefined;
    const view = await live();
    expect(view.processes).toEqual([]);
    expect(view.callbacks).toEqual({ accepted: 0, rejected: 0, malformed: 0, duplicated: 0, unmatched: 0 });
  });
});

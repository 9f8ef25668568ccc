import { sql } from "drizzle-orm";
import { beforeAll, expect, it, vi } from "vitest";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { createApiKey } from "@/lib/auth/api-keys";
import type { ApiRouteHandler } from "@/lib/api/handler";
import { apiRequest, basicAuth, segments, testRuntime } from "@/lib/api/route-test-kit";
import { describeEachDb } from "@/lib/db/test-databases";
import { insertTestChannel, insertTestSend } from "@/lib/messages/testing/fixtures";
import type { LossAnalysis, Overview, Series } from "@/lib/messages/stats/stats-types";
import { getRuntime } from "@/lib/server/runtime";
import * as lossRoute from "./loss/route";
import * as overviewRoute from "./overview/route";
import * as seriesRoute from "./series/route";

// The routes take their database from the process runtime; here it is the test database, and
// requests carry a real viewer API key, checked by the real code.
vi.mock("@/lib/server/runtime", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/server/runtime")>()),
  getRuntime: vi.fn(),
}));
vi.mock("@/lib/auth/session", () => ({ getSessionActor: vi.fn(async () => null) }));

interface ErrorBody {
  error: { code: string; message: string; details: { path: string; message: string }[] };
}

describeEachDb("the stats REST calls", (t) => {
  let viewer: Record<string, string>;
  let channel: { id: string; channelKey: string };
  let sendId: string;

  beforeAll(async () => {
    vi.mocked(getRuntime).mockResolvedValue(testRuntime(t));
    viewer = basicAuth((await createApiKey(t.db, SYSTEM_ACTOR("test"), { name: "viewer key", role: "viewer" })).credentials);
    channel = await insertTestChannel(t.db, "cmpp", { provider: "china_unicom" });
    sendId = await insertTestSend(t.db, channel.id);
    await t.db.execute(sql`delete from receipt_codes where provider_id = 'china_unicom' and code in ('UNDELIV', 'QX:7')`);
    await t.db.execute(sql`insert into receipt_codes (provider_id, code, outcome, category) values ('china_unicom', 'UNDELIV', 'failed', 'handset_off')`);
    // Made 30 minutes ago: two delivered, one UNDELIV, one code no dictionary knows.
    await t.db.execute(sql`insert into messages (send_id, channel_id, phone, status, error_code, created_at)
      select ${sendId}::uuid, ${channel.id}::uuid, '1380000000' || i, s.status, s.code, now() - interval '30 minutes'
        from (values (1, 'delivered', null), (2, 'delivered', null), (3, 'failed', 'UNDELIV'), (4, 'failed', 'QX:7')) s(i, status, code)`);
  });

  const get = (handler: ApiRouteHandler, url: string, headers: Record<string, string> = viewer) => handler(apiRequest(url, { headers }), segments());

  async function expectError(response: Response, status: number, code: string, path?: string) {
    expect(response.status).toBe(status);
    const body = (await response.json()) as ErrorBody;
    expect(body.error.code).toBe(code);
    if (path) expect(body.error.details.map((d) => d.path)).toContain(path);
    return body.error;
  }

  it("answers the overview of the last 24 hours by default, in the contract's shape", async () => {
    const response = await get(overviewRoute.GET, "/api/v1/stats/overview");
    expect(response.status).toBe(200);
    const body = (await response.json()) as Overview;
    expect(Date.parse(body.to) - Date.parse(body.from)).toBeGreaterThanOrEqual(24 * 3_600_000);
    expect(body.totals).toEqual({ sent: 4, delivered: 2, failed: 2, expired: 0, unknown: 0, queued: 0, submitting: 0, submitted: 0, cancelled: 0, deliveryRate: 0.5 });
    expect(body.channels).toEqual([
      { channelKey: channel.channelKey, name: channel.channelKey, type: "cmpp", providerId: "china_unicom", enabled: true, sent: 4, delivered: 2, failed: 2, expired: 0, unknown: 0, deliveryRate: 0.5, inFlight: 0 },
    ]);
    const earlier = (await (await get(overviewRoute.GET, `/api/v1/stats/overview?to=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}`)).json()) as Overview;
    expect(earlier.totals.sent).toBe(0);
  });

  it("answers the loss analysis with the issue's field names, filtered by channel, provider and send", async () => {
    const response = await get(lossRoute.GET, `/api/v1/stats/loss?channelKey=${channel.channelKey}`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as LossAnalysis;
    expect(body.byCategory).toEqual([
      { category: "handset_off", count: 1 },
      { category: "unclassified", count: 1 },
    ]);
    expect(body.byCode).toEqual([
      { code: "QX:7", category: "unclassified", count: 1, providerId: "china_unicom" },
      { code: "UNDELIV", category: "handset_off", count: 1, providerId: "china_unicom" },
    ]);
    expect(body.unclassified).toEqual([{ code: "QX:7", count: 1, exampleMessageId: expect.stringMatching(/^[1-9][0-9]*$/), providerId: "china_unicom", channelKey: channel.channelKey }]);
    const byProvider = (await (await get(lossRoute.GET, "/api/v1/stats/loss?provider=china_unicom")).json()) as LossAnalysis;
    expect(byProvider.total).toBe(2);
    const bySend = (await (await get(lossRoute.GET, `/api/v1/stats/loss?sendId=${sendId}&from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z`)).json()) as LossAnalysis;
    expect(bySend).toMatchObject({ from: null, to: null, total: 2 });
  });

  it("answers chart buckets by the minute for the last hour", async () => {
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const response = await get(seriesRoute.GET, `/api/v1/stats/series?from=${encodeURIComponent(from)}&timeZone=UTC`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Series;
    expect(body).toMatchObject({ grain: "minute", timeZone: "UTC", channels: [{ channelKey: channel.channelKey, name: channel.channelKey }] });
    expect(body.buckets.length).toBeGreaterThanOrEqual(60);
    expect(body.buckets.reduce((n, b) => n + b.sent, 0)).toBe(4);
    expect(body.buckets.find((b) => b.sent > 0)).toMatchObject({ channelKey: channel.channelKey, sent: 4, delivered: 2, failed: 2, deliveryRate: 0.5 });
  });

  it("refuses bad times, reversed or too long ranges, and bad names with 400 and a detail", async () => {
    await expectError(await get(overviewRoute.GET, "/api/v1/stats/overview?from=yesterday"), 400, "invalid_query", "from");
    await expectError(await get(overviewRoute.GET, "/api/v1/stats/overview?to=2030-01-01T00:00:00"), 400, "invalid_query", "to");
    await expectError(await get(overviewRoute.GET, "/api/v1/stats/overview?from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z"), 400, "invalid_query", "to");
    await expectError(await get(overviewRoute.GET, "/api/v1/stats/overview?from=2030-01-01T00:00:00Z&to=2030-01-01T00:00:00Z"), 400, "invalid_query", "to");
    const long = await expectError(await get(overviewRoute.GET, "/api/v1/stats/overview?from=2029-01-01T00:00:00Z&to=2030-02-06T00:00:00Z"), 400, "invalid_query", "to");
    expect(long.details[0]!.message).toBe("A time range may span at most 400 days.");
    expect((await get(overviewRoute.GET, "/api/v1/stats/overview?from=2029-01-01T00:00:00Z&to=2030-02-05T00:00:00Z")).status).toBe(200);
    await expectError(await get(overviewRoute.GET, "/api/v1/stats/overview?from=2030-01-01T00:00:00Z&from=2030-01-02T00:00:00Z"), 400, "invalid_query", "from");
    await expectError(await get(seriesRoute.GET, "/api/v1/stats/series?timeZone=Mars%2FOlympus"), 400, "invalid_query", "timeZone");
    await expectError(await get(seriesRoute.GET, "/api/v1/stats/series?channelKey=a%20b"), 400, "invalid_query", "channelKey");
    await expectError(await get(lossRoute.GET, "/api/v1/stats/loss?sendId=42"), 400, "invalid_query", "sendId");
    await expectError(await get(lossRoute.GET, "/api/v1/stats/loss?provider=a%00b"), 400, "invalid_query", "provider");
    await expectError(await get(lossRoute.GET, "/api/v1/stats/loss?from=0000-01-01T00:00:00Z"), 400, "invalid_query", "from");
  });

  it("answers 404 for a channel, provider or send that does not exist", async () => {
    await expectError(await get(seriesRoute.GET, "/api/v1/stats/series?channelKey=nosuchkey2"), 404, "channel_not_found");
    await expectError(await get(lossRoute.GET, "/api/v1/stats/loss?channelKey=nosuchkey2"), 404, "channel_not_found");
    await expectError(await get(lossRoute.GET, "/api/v1/stats/loss?provider=nobody"), 404, "provider_not_found");
    await expectError(await get(lossRoute.GET, "/api/v1/stats/loss?sendId=0f8fad5b-d9cb-469f-a165-70867728950e"), 404, "send_not_found");
  });

  it("answers 401 without credentials", async () => {
    for (const handler of [overviewRoute.GET, lossRoute.GET, seriesRoute.GET]) {
      expect((await get(handler, "/api/v1/stats/overview", {})).status).toBe(401);
    }
  });
});

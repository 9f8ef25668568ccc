import { beforeAll, expect, it, vi } from "vitest";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { createApiKey } from "@/lib/auth/api-keys";
import { describeEachDb } from "@/lib/db/test-databases";
import { getRuntime } from "@/lib/server/runtime";
import { apiRequest, basicAuth, segments, testRuntime } from "@/lib/api/route-test-kit";
import type { ChannelView } from "@/lib/channels/channel-view";
import * as listRoute from "./route";
import * as channelRoute from "./[channelKey]/route";

// The routes take their database from the process runtime; here it stands around the test database.
vi.mock("@/lib/server/runtime", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/server/runtime")>()),
  getRuntime: vi.fn(),
}));
vi.mock("@/lib/auth/session", () => ({ getSessionActor: vi.fn(async () => null) }));

const cmpp = {
  type: "cmpp",
  name: "Carrier REST",
  provider: "china_unicom",
  host: "10.1.2.3",
  port: 443,
  account: "901234",
  password: "s3cret!",
  accessNumber: "1065712345",
  connections: 2,
};

describeEachDb("REST /api/v1/channels: send settings in config", (t) => {
  let auth: Record<string, string> = {};

  beforeAll(async () => {
    vi.mocked(getRuntime).mockResolvedValue(testRuntime(t));
    auth = basicAuth((await createApiKey(t.db, SYSTEM_ACTOR("test"), { name: "admin key", role: "admin" })).credentials);
  });

  const send = (method: string, path: string, body?: unknown) =>
    apiRequest(path, { method, headers: { ...auth, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const getOne = async (key: string) => {
    const response = await channelRoute.GET(send("GET", `/api/v1/channels/${key}`), segments({ channelKey: key }));
    expect(response.status).toBe(200);
    return (await response.json()) as ChannelView;
  };

  it("creates with the settings, answers them in config, keeps them through a PATCH that leaves them out", async () => {
    const created = await listRoute.POST(
      send("POST", "/api/v1/channels", { ...cmpp, defaultSignature: "【ACME】", resubmitUncertain: false, reportDeadlineSeconds: 7200 }),
      segments(),
    );
    expect(created.status).toBe(201);
    const view = (await created.json()) as ChannelView;
    // The fields DESIGN.md names are still there, beside the new ones.
    expect(view.config).toEqual({
      provider: "china_unicom",
      providerName: "China Unicom",
      host: "10.1.2.3",
      port: 443,
      account: "901234",
      accessNumber: "1065712345",
      connections: 2,
      version: "3.0",
      serviceId: "",
      tpsPerConnection: 100,
      passwordSet: true,
      defaultSignature: "【ACME】",
      resubmitUncertain: false,
      reportDeadlineSeconds: 7200,
      timestampUtcOffsetMinutes: 480,
    });

    const key = view.channelKey;
    const patched = await channelRoute.PATCH(send("PATCH", `/api/v1/channels/${key}`, { timestampUtcOffsetMinutes: 0 }), segments({ channelKey: key }));
    expect(patched.status).toBe(200);
    expect((await getOne(key)).config).toMatchObject({
      defaultSignature: "【ACME】",
      resubmitUncertain: false,
      reportDeadlineSeconds: 7200,
      timestampUtcOffsetMinutes: 0,
    });

    const list = await listRoute.GET(send("GET", "/api/v1/channels"), segments());
    const items = ((await list.json()) as { items: ChannelView[] }).items;
    expect(items.find((c) => c.channelKey === key)!.config).toMatchObject({ timestampUtcOffsetMinutes: 0 });
  });

  it("answers 400 naming the setting that breaks its rule, and changes nothing", async () => {
    const created = (await (await listRoute.POST(send("POST", "/api/v1/channels", { ...cmpp, name: "Carrier REST 2" }), segments())).json()) as ChannelView;
    const key = created.channelKey;
    const response = await channelRoute.PATCH(
      send("PATCH", `/api/v1/channels/${key}`, { reportDeadlineSeconds: 2_592_001, resubmitUncertain: "no" }),
      segments({ channelKey: key }),
    );
    expect(response.status).toBe(400);
    const error = ((await response.json()) as { error: { details: { path: string; message: string }[] } }).error;
    expect(error.details.map((d) => d.path).sort()).toEqual(["reportDeadlineSeconds", "resubmitUncertain"]);
    expect((await getOne(key)).config).toMatchObject({ reportDeadlineSeconds: 259_200, resubmitUncertain: true });
  });

  it("takes and answers a JSMS channel's report deadline", async () => {
    const response = await listRoute.POST(
      send("POST", "/api/v1/channels", {
        type: "jsms",
        name: "JSMS REST",
        appKey: "dd1066407b044738b6479275",
        masterSecret: "2b38ce69b1de2a7fa95706ea",
        reportDeadlineSeconds: 600,
      }),
      segments(),
    );
    expect(response.status).toBe(201);
    const view = (await response.json()) as ChannelView;
    expect(view.config).toEqual({ appKeyHint: "dd10…9275", appKeySet: true, masterSecretSet: true, reportDeadlineSeconds: 600 });
    expect((await getOne(view.channelKey)).config).toMatchObject({ reportDeadlineSeconds: 600 });
  });
});

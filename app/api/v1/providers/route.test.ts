import { beforeAll, expect, it, vi } from "vitest";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { createApiKey } from "@/lib/auth/api-keys";
import { describeEachDb } from "@/lib/db/test-databases";
import { getRuntime } from "@/lib/server/runtime";
import type { ApiRouteHandler } from "@/lib/api/handler";
import { apiRequest, basicAuth, segments, testRuntime } from "@/lib/api/route-test-kit";
import type { ChannelView } from "@/lib/channels/channel-view";
import type { ProviderView } from "@/lib/providers/provider-service";
import type { ReceiptCodeView } from "@/lib/providers/receipt-code-service";
import * as channelsRoute from "../channels/route";
import * as listRoute from "./route";
import * as codesRoute from "./[providerId]/codes/route";
import * as xlsxRoute from "./[providerId]/codes.xlsx/route";
import * as csvRoute from "./[providerId]/codes.csv/route";
import * as importRoute from "./[providerId]/codes/import/route";

// The routes take their database from the process runtime; here it stands around the test database.
vi.mock("@/lib/server/runtime", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/server/runtime")>()),
  getRuntime: vi.fn(),
}));
vi.mock("@/lib/auth/session", () => ({ getSessionActor: vi.fn(async () => null) }));

interface ErrorBody {
  error: { code: string; message: string; details: { path: string; message: string }[] };
}

describeEachDb("REST /api/v1/providers", (t) => {
  let admin: Record<string, string> = {};
  let viewer: Record<string, string> = {};
  let channelKey = "";
  let namedProvider = "";

  beforeAll(async () => {
    vi.mocked(getRuntime).mockResolvedValue(testRuntime(t));
    admin = basicAuth((await createApiKey(t.db, SYSTEM_ACTOR("test"), { name: "admin key", role: "admin" })).credentials);
    viewer = basicAuth((await createApiKey(t.db, SYSTEM_ACTOR("test"), { name: "viewer key", role: "viewer" })).credentials);
    const created = await channelsRoute.POST(
      apiRequest("/api/v1/channels", {
        method: "POST",
        headers: { ...admin, "content-type": "application/json" },
        body: JSON.stringify({
          type: "cmpp",
          name: "Aggregator gateway",
          provider: "梦网科技",
          host: "10.1.2.3",
          port: 443,
          account: "901234",
          password: "s3cret!",
          accessNumber: "1065712345",
          connections: 1,
        }),
      }),
      segments(),
    );
    expect(created.status).toBe(201);
    const channel = (await created.json()) as ChannelView;
    if (channel.type !== "cmpp") throw new Error("cmpp expected");
    channelKey = channel.channelKey;
    namedProvider = channel.config.provider;
    expect(channel.config.providerName).toBe("梦网科技");
  });

  const get = (route: { GET: ApiRouteHandler }, path: string, params: Record<string, string> = {}, auth = viewer) =>
    route.GET(apiRequest(path, { headers: auth }), segments(params));
  const put = (providerId: string, body: unknown, auth = admin) =>
    codesRoute.PUT(
      apiRequest(`/api/v1/providers/${providerId}/codes`, { method: "PUT", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify(body) }),
      segments({ providerId }),
    );
  const upload = (providerId: string, file: Blob, name: string, fields: Record<string, string> = {}, query = "") => {
    const form = new FormData();
    for (const [key, value] of Object.entries(fields)) form.append(key, value);
    form.append("file", file, name);
    return importRoute.POST(apiRequest(`/api/v1/providers/${providerId}/codes/import${query}`, { method: "POST", headers: admin, body: form }), segments({ providerId }));
  };

  it("lists the providers with their channels, presets first", async () => {
    const response = await get(listRoute, "/api/v1/providers");
    expect(response.status).toBe(200);
    const { items } = (await response.json()) as { items: ProviderView[] };
    expect(items.slice(0, 5).map((p) => [p.providerId, p.name, p.preset])).toEqual([
      ["china_mobile", "China Mobile", true],
      ["china_unicom", "China Unicom", true],
      ["china_telecom", "China Telecom", true],
      ["other", "Other", true],
      ["jsms", "JSMS", true],
    ]);
    expect(items.find((p) => p.providerId === namedProvider)).toEqual({
      providerId: namedProvider,
      name: "梦网科技",
      preset: false,
      kind: "cmpp",
      channels: [channelKey],
      codeCount: expect.any(Number),
    });
  });

  it("answers a dictionary in code order, narrowed by code and category; 404 for an unknown provider", async () => {
    const all = await get(codesRoute, "/api/v1/providers/china_mobile/codes", { providerId: "china_mobile" });
    expect(all.status).toBe(200);
    const { items } = (await all.json()) as { items: ReceiptCodeView[] };
    expect(items.map((c) => c.code)).toEqual([...items.map((c) => c.code)].sort());
    expect(items.find((c) => c.code === "MK:0001")).toMatchObject({ outcome: "failed", category: "invalid_number", description: expect.any(String), descriptionZh: expect.stringContaining("空号") });

    const narrowed = await get(codesRoute, "/api/v1/providers/china_mobile/codes?q=mk:00&category=handset_off", { providerId: "china_mobile" });
    const narrowedItems = ((await narrowed.json()) as { items: ReceiptCodeView[] }).items;
    expect(narrowedItems.length).toBeGreaterThan(3);
    expect(narrowedItems.every((c) => c.code.startsWith("MK:00") && c.category === "handset_off")).toBe(true);

    const bad = await get(codesRoute, "/api/v1/providers/china_mobile/codes?category=lost", { providerId: "china_mobile" });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as ErrorBody).error.details).toEqual([{ path: "category", message: "Choose one of the categories." }]);

    const unknown = await get(codesRoute, "/api/v1/providers/p_ffffffffff/codes", { providerId: "p_ffffffffff" });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as ErrorBody).error.code).toBe("provider_not_found");
  });

  it("replaces a dictionary with PUT (admin only), and names the bad item and field", async () => {
    const items = [
      { code: "DELIVRD", outcome: "delivered", category: "delivered", description: "Delivered.", descriptionZh: "已送达。" },
      { code: "LIMIT:DAY", outcome: "failed", category: "rate_limited", description: "Daily limit." },
    ];
    expect((await put(namedProvider, { items }, viewer)).status).toBe(403);
    const response = await put(namedProvider, { items });
    expect(response.status).toBe(200);
    const answered = ((await response.json()) as { items: ReceiptCodeView[] }).items;
    expect(answered.map(({ code, outcome, category, description, descriptionZh }) => ({ code, outcome, category, description, descriptionZh }))).toEqual([
      items[0],
      { ...items[1], descriptionZh: "" },
    ]);
    expect(answered[0]!.updatedBy).toMatch(/^api_key:/);

    const bad = await put(namedProvider, { items: [items[0], { code: "X", outcome: "failed", category: "delivered" }, { code: "DELIVRD", outcome: "delivered", category: "delivered" }] });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as ErrorBody).error.details).toEqual([
      { path: "items.1.category", message: "A failed code needs a failure category, not delivered." },
      { path: "items.2.code", message: "This code is listed earlier too." },
    ]);
    expect((await put(namedProvider, { codes: [] })).status).toBe(400);
    expect((await put("p_ffffffffff", { items })).status).toBe(404);
    // Nothing of the refused bodies was applied.
    const after = ((await (await get(codesRoute, `/api/v1/providers/${namedProvider}/codes`, { providerId: namedProvider })).json()) as { items: ReceiptCodeView[] }).items;
    expect(after.map((c) => c.code)).toEqual(["DELIVRD", "LIMIT:DAY"]);
  });

  it("downloads the dictionary as .xlsx and .csv, and imports it into another provider", async () => {
    const csv = await get(csvRoute, `/api/v1/providers/${namedProvider}/codes.csv`, { providerId: namedProvider });
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(csv.headers.get("content-disposition")).toBe(`attachment; filename="receipt-codes-${namedProvider}.csv"`);
    const csvBytes = Buffer.from(await csv.arrayBuffer());
    expect(csvBytes.subarray(3).toString("utf8").split("\r\n")).toEqual([
      "code,outcome,category,description_en,description_zh",
      "DELIVRD,delivered,delivered,Delivered.,已送达。",
      "LIMIT:DAY,failed,rate_limited,Daily limit.,",
      "",
    ]);
    const xlsx = await get(xlsxRoute, `/api/v1/providers/${namedProvider}/codes.xlsx`, { providerId: namedProvider });
    expect(xlsx.headers.get("content-type")).toBe("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    const xlsxBytes = Buffer.from(await xlsx.arrayBuffer());
    expect(xlsxBytes.subarray(0, 2).toString("latin1")).toBe("PK");
    expect((await get(xlsxRoute, "/api/v1/providers/p_ffffffffff/codes.xlsx", { providerId: "p_ffffffffff" })).status).toBe(404);

    const imported = await upload("china_telecom", new Blob([xlsxBytes]), "codes.xlsx", { mode: "replace" });
    expect(imported.status).toBe(200);
    expect(await imported.json()).toMatchObject({ mode: "replace", rows: 2, removed: expect.any(Number) });
    const telecom = ((await (await get(codesRoute, "/api/v1/providers/china_telecom/codes", { providerId: "china_telecom" })).json()) as { items: ReceiptCodeView[] }).items;
    expect(telecom.map((c) => [c.code, c.category, c.descriptionZh])).toEqual([
      ["DELIVRD", "delivered", "已送达。"],
      ["LIMIT:DAY", "rate_limited", ""],
    ]);
    const merged = await upload("china_telecom", new Blob([csvBytes]), "codes.csv", {}, "?mode=merge");
    expect(await merged.json()).toEqual({ mode: "merge", rows: 2, added: 0, changed: 0, removed: 0, unchanged: 2 });
  });

  it("answers an import's bad rows with 400 naming row and column, applying nothing; 413 past the size cap", async () => {
    const before = ((await (await get(codesRoute, "/api/v1/providers/other/codes", { providerId: "other" })).json()) as { items: ReceiptCodeView[] }).items;
    const bad = await upload("other", new Blob(["code,outcome,category\nGOOD,failed,blacklisted\nBAD,failed,nonsense\n"]), "codes.csv", { mode: "replace" });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as ErrorBody;
    expect(body.error.code).toBe("invalid_dictionary");
    expect(body.error.details).toEqual([{ path: "rows[3].category", message: "Choose one of the categories." }]);
    const after = ((await (await get(codesRoute, "/api/v1/providers/other/codes", { providerId: "other" })).json()) as { items: ReceiptCodeView[] }).items;
    expect(after).toEqual(before);

    expect((await upload("other", new Blob(["x"]), "codes.csv", { mode: "wipe" })).status).toBe(400);
    expect((await upload("other", new Blob(["x"]), "codes.txt")).status).toBe(400);
    expect((await upload("p_ffffffffff", new Blob(["code,outcome,category\n"]), "codes.csv")).status).toBe(404);
    const huge = await upload("other", new Blob([Buffer.alloc(3 * 1024 * 1024, 0x41)]), "codes.csv");
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as ErrorBody).error.code).toBe("payload_too_large");
  });
});

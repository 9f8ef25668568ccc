import { sql } from "drizzle-orm";
import ExcelJS from "exceljs";
import { beforeAll, expect, it, vi } from "vitest";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { createApiKey } from "@/lib/auth/api-keys";
import { executeRows } from "@/lib/db/client";
import { describeEachDb } from "@/lib/db/test-databases";
import { apiRequest, basicAuth, segments, testRuntime } from "@/lib/api/route-test-kit";
import { parseCsv } from "@/lib/messages/export/testing";
import { FIXTURE_START, HOUR, insertListFixture, type ListFixture } from "@/lib/messages/list/testing";
import { getRuntime } from "@/lib/server/runtime";
import * as listRoute from "../route";
import * as exportRoute from "./route";

vi.mock("@/lib/server/runtime", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/server/runtime")>()),
  getRuntime: vi.fn(),
}));
vi.mock("@/lib/auth/session", () => ({ getSessionActor: vi.fn(async () => null) }));

interface ErrorBody {
  error: { code: string; message: string; details: { path: string; message: string }[] };
}

describeEachDb("the message list and export routes", (t) => {
  let viewer: Record<string, string>;
  let f: ListFixture;
  const at = (hours: number) => new Date(FIXTURE_START + hours * HOUR).toISOString();

  beforeAll(async () => {
    vi.mocked(getRuntime).mockResolvedValue(testRuntime(t));
    viewer = basicAuth((await createApiKey(t.db, SYSTEM_ACTOR("test"), { name: "viewer key", role: "viewer" })).credentials);
    f = await insertListFixture(t.db);
  });

  const get = (route: typeof listRoute | typeof exportRoute, url: string, headers: Record<string, string> = viewer) => route.GET(apiRequest(url, { headers }), segments());

  it("lists with the new filters, and answers the items with their channel and category", async () => {
    const query = new URLSearchParams({ category: "handset_off", channelKey: f.channels.a.channelKey, code: "UNDELIV", from: at(1), to: at(5), sendId: f.sends.a });
    const response = await get(listRoute, `/api/v1/messages?${query}`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { items: { id: string; channelKey: string; errorCategory: string }[]; nextCursor: string | null };
    expect(body).toEqual({ items: [expect.objectContaining({ id: f.ids[2], channelKey: f.channels.a.channelKey, errorCategory: "handset_off" })], nextCursor: null });
    const several = (await (await get(listRoute, "/api/v1/messages?status=expired,unknown&limit=1")).json()) as { items: { id: string }[]; nextCursor: string };
    expect(several.items.map((m) => m.id)).toEqual([f.ids[6]]);
    expect(several.nextCursor).toBe(f.ids[6]);
  });

  it("refuses bad filters with 400 and a detail per parameter, and callers without a key with 401", async () => {
    for (const route of [listRoute, exportRoute]) {
      const base = route === exportRoute ? "/api/v1/messages/export?format=csv&" : "/api/v1/messages?";
      const response = await get(route, `${base}status=lost&category=nope&from=2026-03-01&phone=12*3&provider=a%20b`);
      expect(response.status).toBe(400);
      const { error } = (await response.json()) as ErrorBody;
      expect(error.code).toBe("invalid_query");
      expect(error.details.map((d) => d.path).sort()).toEqual(["category", "from", "phone", "provider", "status"]);
      expect(error.details.find((d) => d.path === "category")?.message).toMatch(/^The category is one of/);
      const order = await get(route, `${base}from=${at(5)}&to=${at(1)}`);
      expect(((await order.json()) as ErrorBody).error.details).toEqual([{ path: "to", message: "The end of the time range must come after its start." }]);
      expect((await get(route, `${base}status=failed`, {})).status).toBe(401);
    }
    const noFormat = await get(exportRoute, "/api/v1/messages/export?status=failed");
    expect(noFormat.status).toBe(400);
    expect(((await noFormat.json()) as ErrorBody).error.details).toEqual([{ path: "format", message: "The format is csv or xlsx." }]);
  });

  it("streams the filtered list as CSV, with its file name, its total and the header in the requester's language", async () => {
    const response = await get(exportRoute, "/api/v1/messages/export?format=csv&status=failed", { ...viewer, "accept-language": "zh-CN,zh;q=0.9" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("content-disposition")).toMatch(/^attachment; filename="messages-\d{8}-\d{6}\.csv"$/);
    expect(response.headers.get("x-total-count")).toBe("6");
    const [header, ...rows] = parseCsv((await response.text()).replace(/^\uFEFF/, ""));
    expect(header![0]).toBe("消息 ID");
    expect(rows.map((r) => r[0])).toEqual([10, 8, 7, 4, 3, 2].map((n) => f.ids[n]));
    // A count the counters cannot give is left out rather than guessed.
    const byUser = await get(exportRoute, "/api/v1/messages/export?format=csv&userid=u1");
    expect(byUser.headers.get("x-total-count")).toBeNull();
    expect(parseCsv((await byUser.text()).slice(1)).length).toBe(3);
    // Handing out numbers in bulk is audited.
    const audit = await executeRows<{ action: string; target: string }>(t.db, sql`select action, target from audit_log where action = 'message.export' order by id`);
    expect(audit).toEqual([
      { action: "message.export", target: "csv" },
      { action: "message.export", target: "csv" },
    ]);
  });

  it("streams .xlsx", async () => {
    const response = await get(exportRoute, `/api/v1/messages/export?format=xlsx&channelKey=${f.channels.j.channelKey}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    expect(response.headers.get("content-disposition")).toMatch(/filename="messages-\d{8}-\d{6}\.xlsx"$/);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(await response.arrayBuffer());
    const sheet = workbook.worksheets[0]!;
    expect(sheet.name).toBe("Messages");
    expect(sheet.rowCount).toBe(3);
    expect(sheet.getRow(2).getCell(1).value).toBe(f.ids[8]);
  });
});

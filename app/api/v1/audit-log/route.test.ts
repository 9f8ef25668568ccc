import crypto from "node:crypto";
import { beforeAll, beforeEach, expect, it, vi } from "vitest";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { createApiKey } from "@/lib/auth/api-keys";
import type { Role } from "@/lib/auth/roles";
import { getSessionActor } from "@/lib/auth/session";
import { createImport } from "@/lib/contacts/import-service";
import { auditLog } from "@/lib/db/schema";
import { describeEachDb } from "@/lib/db/test-databases";
import { getRuntime } from "@/lib/server/runtime";
import { CLIENT_ADDRESS_HEADER } from "@/lib/server/client-address";
import { apiRequest, basicAuth, segments, testRuntime } from "@/lib/api/route-test-kit";
import * as auditRoute from "./route";
import * as errorsRoute from "@/app/api/v1/imports/[importId]/errors.xlsx/route";
import type { AuditLogPage } from "@/lib/audit-log-query";

// The route takes its database from the process runtime and its session from Auth.js; here both
// stand around the test database, so API keys are real rows checked by the real code.
vi.mock("@/lib/server/runtime", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/server/runtime")>()),
  getRuntime: vi.fn(),
}));
vi.mock("@/lib/auth/session", () => ({ getSessionActor: vi.fn(async () => null) }));

describeEachDb("GET /api/v1/audit-log", (t) => {
  const keys = {} as Record<Role, { credentials: string; keyId: string }>;

  beforeAll(async () => {
    vi.mocked(getRuntime).mockResolvedValue(testRuntime(t));
    for (const role of ["viewer", "operator", "admin"] as const) {
      const created = await createApiKey(t.db, SYSTEM_ACTOR("test"), { name: `${role} key`, role });
      keys[role] = { credentials: created.credentials, keyId: created.key.keyId };
    }
  });

  beforeEach(() => {
    vi.mocked(getSessionActor).mockResolvedValue(null);
  });

  const get = (query: string, headers: Record<string, string>) => auditRoute.GET(apiRequest(`/api/v1/audit-log${query}`, { headers }), segments());
  const asAdmin = (query = "") => get(query, basicAuth(keys.admin.credentials));

  async function errorOf(response: Response) {
    return ((await response.json()) as { error: { code: string; details: { path: string; message: string }[] } }).error;
  }

  it("answers 403 to viewer and operator API keys, and 200 to an admin key", async () => {
    for (const role of ["viewer", "operator"] as const) {
      const response = await get("", basicAuth(keys[role].credentials));
      expect(response.status, role).toBe(403);
      expect((await errorOf(response)).code).toBe("forbidden");
    }
    const response = await asAdmin();
    expect(response.status).toBe(200);
    const body = (await response.json()) as AuditLogPage;
    expect(body.items.map((i) => i.action)).toEqual(["api_key.create", "api_key.create", "api_key.create"]);
    expect(body.nextCursor).toBeNull();
  });

  it("answers 403 to a signed-in operator who is not an admin, and 200 to one who is", async () => {
    vi.mocked(getSessionActor).mockResolvedValue({ kind: "operator", id: crypto.randomUUID(), email: "op@example.com", role: "operator" });
    expect((await get("", {})).status).toBe(403);
    vi.mocked(getSessionActor).mockResolvedValue({ kind: "operator", id: crypto.randomUUID(), email: "root@example.com", role: "admin" });
    expect((await get("", {})).status).toBe(200);
  });

  it("shows who downloaded an error report, with the key and the address it came from", async () => {
    const importId = crypto.randomUUID();
    await createImport(t.db, SYSTEM_ACTOR("test"), { importId, fileName: "staff.csv", fileKind: "csv", filePath: "/nonexistent/staff.csv", fileSize: 1, dryRun: true });
    const download = await errorsRoute.GET(
      apiRequest(`/api/v1/imports/${importId}/errors.xlsx`, { headers: { ...basicAuth(keys.viewer.credentials), [CLIENT_ADDRESS_HEADER]: "192.0.2.44" } }),
      segments({ importId }),
    );
    expect(download.status).toBe(200);
    await download.arrayBuffer();
    const response = await asAdmin("?action=import.errors_download");
    expect(((await response.json()) as AuditLogPage).items).toEqual([
      {
        id: expect.any(Number),
        at: expect.any(String),
        actor: `api_key:${keys.viewer.keyId}`,
        action: "import.errors_download",
        target: importId,
        detail: { fileName: "staff.csv" },
        address: "192.0.2.44",
      },
    ]);
  });

  it("filters by actor, action and time, and pages by the cursor it gives", async () => {
    await t.db.insert(auditLog).values(
      Array.from({ length: 120 }, (_, i) => ({ at: new Date("2026-06-01T00:00:00Z"), actor: "operator:paged@example.com", action: "channel.update", target: `c${i}` })),
    );
    const seen = new Set<string>();
    let query = "?actor=operator:paged@example.com&action=channel.&from=2026-06-01T00:00:00%2B00:00&to=2026-06-02T00:00:00Z&limit=50";
    for (let page = 0; page < 3; page++) {
      const response = await asAdmin(query);
      expect(response.status).toBe(200);
      const body = (await response.json()) as AuditLogPage;
      for (const item of body.items) seen.add(item.target);
      if (page < 2) expect(body.nextCursor).toEqual(expect.any(String));
      else expect(body.nextCursor).toBeNull();
      query = `?actor=operator:paged@example.com&limit=50&cursor=${encodeURIComponent(body.nextCursor ?? "")}`;
    }
    expect(seen.size).toBe(120);
    expect(((await (await asAdmin("?action=channel.update&to=2026-06-01T00:00:00Z")).json()) as AuditLogPage).items).toEqual([]);
  });

  it("answers a bad limit, cursor or time with 400 invalid_query naming the parameter", async () => {
    const cases: [query: string, path: string][] = [
      ["?limit=0", "limit"],
      ["?limit=201", "limit"],
      ["?limit=ten", "limit"],
      ["?limit=5&limit=6", "limit"],
      ["?cursor=not-a-cursor!", "cursor"],
      [`?cursor=${Buffer.from("2026-02-30T00:00:00.000000Z|1").toString("base64url")}`, "cursor"],
      ["?actor=operator:a%00", "actor"],
      ["?action=auth.%00*", "action"],
      ["?from=yesterday", "from"],
      ["?from=2026-06-02T00:00:00Z&to=2026-06-01T00:00:00Z", "to"],
    ];
    for (const [query, path] of cases) {
      const response = await asAdmin(query);
      expect(response.status, query).toBe(400);
      const error = await errorOf(response);
      expect(error.code, query).toBe("invalid_query");
      expect(error.details.map((d) => d.path), query).toEqual([path]);
      // Details are sentences in the caller's language, not catalogue keys.
      expect(error.details[0]!.message, query).not.toMatch(/^errors\./);
    }
  });
});

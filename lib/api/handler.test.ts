import { NextRequest } from "next/server";
import { beforeAll, beforeEach, expect, it, vi } from "vitest";
import { describeEachDb } from "@/lib/db/test-databases";
import { SYSTEM_ACTOR, type Actor } from "@/lib/auth/actor";
import { createApiKey, revokeApiKey } from "@/lib/auth/api-keys";
import type { Role } from "@/lib/auth/roles";
import { getSessionActor } from "@/lib/auth/session";
import { readServerEnv } from "@/lib/config/env";
import { getRuntime, type Runtime } from "@/lib/server/runtime";
import { apiRoute, json } from "./handler";

// The wrapper takes its database from the process runtime and its session from Auth.js; here
// both stand around the test database, so API keys are real rows checked by the real code.
vi.mock("@/lib/server/runtime", () => ({ getRuntime: vi.fn() }));
vi.mock("@/lib/auth/session", () => ({ getSessionActor: vi.fn() }));

const admin = SYSTEM_ACTOR("test");

function basic(credentials: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(credentials, "utf8").toString("base64")}` };
}

function request(headers: Record<string, string> = {}, method = "GET"): NextRequest {
  return new NextRequest("http://localhost/api/v1/x", { method, headers });
}

const noParams = { params: Promise.resolve({}) };

describeEachDb("REST wrapper apiRoute", (t) => {
  const keys = {} as Record<Role, string>;
  const seen: Actor[] = [];
  const routeFor = (role: Role) =>
    apiRoute({ role }, async (ctx) => {
      seen.push(ctx.actor);
      return json({ ok: true, role: ctx.actor.role });
    });

  beforeAll(async () => {
    const runtime: Runtime = {
      env: readServerEnv({ NODE_ENV: "test", DATA_DIR: "/nonexistent", APP_SECRET: "handler-test-secret-0123456789-0123456789" }),
      handle: { db: t.db, kind: t.kind, ping: async () => true, close: async () => {} },
      db: t.db,
      sealKey: Buffer.alloc(32),
      sessionSecret: "handler-test-session-secret",
    };
    vi.mocked(getRuntime).mockResolvedValue(runtime);
    for (const role of ["viewer", "operator", "admin"] as const) {
      keys[role] = (await createApiKey(t.db, admin, { name: `${role} key`, role })).credentials;
    }
  });

  beforeEach(() => {
    seen.length = 0;
    vi.mocked(getSessionActor).mockResolvedValue(null);
  });

  async function expectError(response: Response, status: number, code: string) {
    expect(response.status).toBe(status);
    const body = (await response.json()) as { error: Record<string, unknown> };
    expect(body).toEqual({
      error: { code, message: expect.any(String), details: [], requestId: response.headers.get("x-request-id") },
    });
    expect(body.error.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen).toEqual([]);
  }

  it("answers 403 forbidden to a viewer key on an admin call, without running it", async () => {
    const response = await routeFor("admin")(request(basic(keys.viewer)), noParams);
    await expectError(response, 403, "forbidden");
  });

  it("answers 403 to an operator key on an admin call and to a viewer key on an operator call", async () => {
    await expectError(await routeFor("admin")(request(basic(keys.operator)), noParams), 403, "forbidden");
    await expectError(await routeFor("operator")(request(basic(keys.viewer)), noParams), 403, "forbidden");
  });

  it("lets an operator key through to an operator call, as that key", async () => {
    const response = await routeFor("operator")(request(basic(keys.operator), "POST"), noParams);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, role: "operator" });
    expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen).toEqual([expect.objectContaining({ kind: "api_key", keyId: keys.operator.split(":")[0], role: "operator" })]);
  });

  it("lets a stronger key through to a weaker call", async () => {
    expect((await routeFor("viewer")(request(basic(keys.admin)), noParams)).status).toBe(200);
    expect((await routeFor("operator")(request(basic(keys.admin)), noParams)).status).toBe(200);
  });

  it("answers 401 with a Basic challenge when there are no credentials and no session", async () => {
    const response = await routeFor("viewer")(request(), noParams);
    expect(response.headers.get("www-authenticate")).toMatch(/^Basic /);
    await expectError(response, 401, "unauthorized");
  });

  it("answers 401 to a known key with a wrong secret", async () => {
    const keyId = keys.admin.split(":")[0]!;
    await expectError(await routeFor("viewer")(request(basic(`${keyId}:wrong-secret`)), noParams), 401, "unauthorized");
    // The right secret of another key does not open this one.
    const otherSecret = keys.viewer.split(":")[1]!;
    await expectError(await routeFor("viewer")(request(basic(`${keyId}:${otherSecret}`)), noParams), 401, "unauthorized");
  });

  it("answers 401 to an unknown key and to a revoked one", async () => {
    await expectError(await routeFor("viewer")(request(basic("ak_0000000000000000:secret")), noParams), 401, "unauthorized");
    const revoked = await createApiKey(t.db, admin, { name: "revoked key", role: "admin" });
    expect((await routeFor("viewer")(request(basic(revoked.credentials)), noParams)).status).toBe(200);
    seen.length = 0;
    await revokeApiKey(t.db, admin, revoked.key.keyId);
    await expectError(await routeFor("viewer")(request(basic(revoked.credentials)), noParams), 401, "unauthorized");
  });

  it("does not fall back to the session when the Authorization header is there but bad", async () => {
    vi.mocked(getSessionActor).mockResolvedValue({ kind: "operator", id: "op-1", email: "a@example.com", role: "admin" });
    await expectError(await routeFor("viewer")(request({ authorization: "Bearer something" }), noParams), 401, "unauthorized");
    await expectError(await routeFor("viewer")(request(basic("no-colon")), noParams), 401, "unauthorized");
  });

  it("checks a signed-in operator's role like a key's", async () => {
    vi.mocked(getSessionActor).mockResolvedValue({ kind: "operator", id: "op-1", email: "v@example.com", role: "viewer" });
    expect((await routeFor("viewer")(request(), noParams)).status).toBe(200);
    seen.length = 0;
    await expectError(await routeFor("operator")(request(), noParams), 403, "forbidden");
  });

  it("refuses a cross-site write made with the session cookie", async () => {
    vi.mocked(getSessionActor).mockResolvedValue({ kind: "operator", id: "op-1", email: "a@example.com", role: "admin" });
    const crossSite = request({ "sec-fetch-site": "cross-site" }, "POST");
    await expectError(await routeFor("operator")(crossSite, noParams), 403, "forbidden");
    const foreignOrigin = request({ origin: "https://evil.example", host: "localhost" }, "POST");
    await expectError(await routeFor("operator")(foreignOrigin, noParams), 403, "forbidden");
    const sameOrigin = request({ origin: "http://localhost", host: "localhost", "sec-fetch-site": "same-origin" }, "POST");
    expect((await routeFor("operator")(sameOrigin, noParams)).status).toBe(200);
  });
});

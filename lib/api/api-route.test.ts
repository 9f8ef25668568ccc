import { desc, eq } from "drizzle-orm";
import { beforeAll, beforeEach, expect, it, vi } from "vitest";
import { z } from "zod";
import { SYSTEM_ACTOR, type Actor } from "@/lib/auth/actor";
import { createApiKey } from "@/lib/auth/api-keys";
import { getSessionActor } from "@/lib/auth/session";
import { auditLog } from "@/lib/db/schema";
import { describeEachDb } from "@/lib/db/test-databases";
import { CLIENT_ADDRESS_HEADER } from "@/lib/server/client-address";
import { getRuntime } from "@/lib/server/runtime";
import { apiRoute, json } from "./handler";
import { pageLimit, uuidParam } from "./query-schemas";
import { apiRequest, basicAuth, segments, testRuntime } from "./route-test-kit";

vi.mock("@/lib/server/runtime", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/server/runtime")>()),
  getRuntime: vi.fn(),
}));
vi.mock("@/lib/auth/session", () => ({ getSessionActor: vi.fn() }));

const operator: Actor = { kind: "operator", id: "0f8fad5b-d9cb-469f-a165-70867728950e", email: "op@example.com", role: "admin" };

function chunkedBody(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

describeEachDb("apiRoute", (t) => {
  let admin: Record<string, string>;
  const seen: Actor[] = [];
  const echo = apiRoute({ role: "viewer", maxBodyBytes: 64 }, async ({ actor, json: body }) => {
    seen.push(actor);
    return json({ body: await body() });
  });

  beforeAll(async () => {
    vi.mocked(getRuntime).mockResolvedValue(testRuntime(t));
    admin = basicAuth((await createApiKey(t.db, SYSTEM_ACTOR("test"), { name: "api-route test", role: "admin" })).credentials);
  });

  beforeEach(() => {
    seen.length = 0;
    vi.mocked(getSessionActor).mockResolvedValue(null);
  });

  async function expectPayloadTooLarge(response: Response) {
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { code: "payload_too_large", details: [] } });
  }

  it("reads a JSON body within the cap", async () => {
    const response = await echo(apiRequest("/api/v1/x", { method: "POST", headers: admin, body: '{"a":1}' }), segments());
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ body: { a: 1 } });
  });

  it("answers 413 to a chunked body past the cap, which has no Content-Length to go by", async () => {
    const body = chunkedBody(['{"a":"', "x".repeat(40), "x".repeat(40), '"}']);
    const request = apiRequest("/api/v1/x", { method: "POST", headers: admin, body, duplex: "half" });
    expect(request.headers.get("content-length")).toBeNull();
    await expectPayloadTooLarge(await echo(request, segments()));
  });

  it("stops reading a long body once it is past the cap", async () => {
    let pulled = 0;
    const long = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        if (pulled > 10_000) controller.close();
        else controller.enqueue(new Uint8Array(16).fill(0x20));
      },
    });
    const request = apiRequest("/api/v1/x", { method: "POST", headers: admin, body: long, duplex: "half" });
    await expectPayloadTooLarge(await echo(request, segments()));
    // 64 bytes are 4 chunks; the stream may have been asked for a few ahead, never for all 10,000.
    expect(pulled).toBeLessThan(10);
  });

  it("answers 413 to a Content-Length past the cap, and counts the bytes of a body whose header claims less", async () => {
    const big = JSON.stringify({ a: "x".repeat(100) });
    await expectPayloadTooLarge(await echo(apiRequest("/api/v1/x", { method: "POST", headers: { ...admin, "content-length": String(big.length) }, body: big }), segments()));
    // Multi-byte characters: 30 characters of 3 bytes each are 90 bytes, past 64.
    const wide = JSON.stringify({ a: "你".repeat(30) });
    await expectPayloadTooLarge(await echo(apiRequest("/api/v1/x", { method: "POST", headers: admin, body: wide }), segments()));
  });

  it("hands the handler its parsed query and path segments, ignoring query keys it does not know", async () => {
    const route = apiRoute(
      { role: "viewer", query: z.object({ limit: pageLimit(20) }), params: z.object({ id: uuidParam }) },
      async ({ query, params }) => json({ limit: query.limit, id: params.id }),
    );
    const id = "0f8fad5b-d9cb-469f-a165-70867728950e";
    const response = await route(apiRequest(`/api/v1/x/${id}?limit=7&_=123`, { headers: admin }), segments({ id }));
    expect(await response.json()).toEqual({ limit: 7, id });
    expect(await (await route(apiRequest(`/api/v1/x/${id}`, { headers: admin }), segments({ id }))).json()).toEqual({ limit: 20, id });

    const repeated = await route(apiRequest(`/api/v1/x/${id}?limit=1&limit=2`, { headers: admin }), segments({ id }));
    expect(repeated.status).toBe(400);
    expect(await repeated.json()).toMatchObject({
      error: { code: "invalid_query", details: [{ path: "limit", message: "Give this parameter only once." }] },
    });

    const zh = await route(apiRequest(`/api/v1/x/${id}?limit=0`, { headers: { ...admin, "accept-language": "zh-CN" } }), segments({ id }));
    expect(await zh.json()).toMatchObject({ error: { details: [{ path: "limit", message: "limit 须为 1 到 200 之间的整数。" }] } });

    const unknown = await route(apiRequest("/api/v1/x/nope", { headers: admin }), segments({ id: "nope" }));
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: "not_found", details: [{ path: "id", message: expect.stringMatching(/UUID/) }] } });
  });

  it("leaves the Basic challenge off a 401 to a console page whose session has ended", async () => {
    const withCookie = await echo(apiRequest("/api/v1/x", { headers: { cookie: "authjs.session-token=expired" } }), segments());
    expect(withCookie.status).toBe(401);
    expect(withCookie.headers.get("www-authenticate")).toBeNull();
    const secureChunked = await echo(apiRequest("/api/v1/x", { headers: { cookie: "__Secure-authjs.session-token.0=a; other=b" } }), segments());
    expect(secureChunked.headers.get("www-authenticate")).toBeNull();
    const browserFetch = await echo(apiRequest("/api/v1/x", { headers: { "sec-fetch-mode": "cors", "sec-fetch-site": "same-origin" } }), segments());
    expect(browserFetch.status).toBe(401);
    expect(browserFetch.headers.get("www-authenticate")).toBeNull();
  });

  it("keeps the Basic challenge on a 401 to an API client", async () => {
    const nothing = await echo(apiRequest("/api/v1/x"), segments());
    expect(nothing.status).toBe(401);
    expect(nothing.headers.get("www-authenticate")).toBe('Basic realm="sms-console"');
    const wrongKey = await echo(apiRequest("/api/v1/x", { headers: { ...basicAuth("ak_0000000000000000:wrong"), "sec-fetch-mode": "cors" } }), segments());
    expect(wrongKey.status).toBe(401);
    expect(wrongKey.headers.get("www-authenticate")).toBe('Basic realm="sms-console"');
  });

  it("puts the client address on the actor, for an API key and for a console session", async () => {
    const address = { [CLIENT_ADDRESS_HEADER]: "203.0.113.7" };
    await echo(apiRequest("/api/v1/x", { method: "POST", headers: { ...admin, ...address }, body: "{}" }), segments());
    vi.mocked(getSessionActor).mockResolvedValue(operator);
    await echo(apiRequest("/api/v1/x", { method: "POST", headers: { ...address, "sec-fetch-site": "same-origin" }, body: "{}" }), segments());
    expect(seen).toEqual([
      expect.objectContaining({ kind: "api_key", address: "203.0.113.7" }),
      expect.objectContaining({ kind: "operator", address: "203.0.113.7" }),
    ]);
  });

  it("records the client address in the audit log of a change made over the API", async () => {
    const { POST } = await import("@/app/api/v1/api-keys/route");
    const response = await POST(
      apiRequest("/api/v1/api-keys", {
        method: "POST",
        headers: { ...admin, [CLIENT_ADDRESS_HEADER]: "198.51.100.23", "content-type": "application/json" },
        body: JSON.stringify({ name: "made over the API", role: "viewer" }),
      }),
      segments(),
    );
    expect(response.status).toBe(201);
    const { key } = (await response.json()) as { key: { keyId: string } };
    const [row] = await t.db.select().from(auditLog).where(eq(auditLog.target, key.keyId)).orderBy(desc(auditLog.id));
    expect(row).toMatchObject({ action: "api_key.create", address: "198.51.100.23" });
  });
});

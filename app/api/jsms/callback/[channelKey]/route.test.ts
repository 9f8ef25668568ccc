import crypto from "node:crypto";
import { NextRequest } from "next/server";
import { beforeAll, expect, it, vi } from "vitest";
import { describeEachDb } from "@/lib/db/test-databases";
import { channels, jsmsCallbacks, replies } from "@/lib/db/schema";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { createChannel } from "@/lib/channels/channel-service";
import { readServerEnv } from "@/lib/config/env";
import { buildCallbackForm } from "@/lib/sender/jsms/callback";
import { getRuntime, type Runtime } from "@/lib/server/runtime";
import { drainJsmsCallbacks } from "@/lib/messages/jsms-callback-intake";
import { GET, POST } from "./route";

// The route takes its database from the process runtime; here the runtime stands around the test database.
vi.mock("@/lib/server/runtime", () => ({ getRuntime: vi.fn() }));
vi.mock("@/lib/auth/session", () => ({ getSessionActor: vi.fn() }));

const app = { appKey: "dd1066407b044738b6479275", masterSecret: "ee38ce69b1de2a7fa95706ea" };
const url = (key: string, query = "") => `http://localhost/api/jsms/callback/${encodeURIComponent(key)}${query}`;
const params = (channelKey: string) => ({ params: Promise.resolve({ channelKey }) });

async function expectError(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  const body = (await response.json()) as { error: Record<string, unknown> };
  expect(body.error).toMatchObject({ code, message: expect.any(String), details: [] });
}

describeEachDb("JSMS callback route", (t) => {
  const sealKey = crypto.randomBytes(32);
  let jsmsKey = "";
  const cmppKey = `cmpp${crypto.randomBytes(3).toString("hex")}`;

  beforeAll(async () => {
    const runtime: Runtime = {
      env: readServerEnv({ NODE_ENV: "test", DATA_DIR: "/nonexistent", APP_SECRET: "callback-route-test-secret-0123456789" }),
      handle: { db: t.db, kind: t.kind, ping: async () => true, close: async () => {} },
      db: t.db,
      sealKey,
      sessionSecret: "callback-route-test-session-secret",
    };
    vi.mocked(getRuntime).mockResolvedValue(runtime);
    jsmsKey = (await createChannel({ db: t.db, sealKey, publicUrl: "http://x" }, SYSTEM_ACTOR("t"), { type: "jsms", name: `route-${t.kind}`, ...app })).channelKey;
    await t.db.insert(channels).values({ channelKey: cmppKey, name: `route-cmpp-${t.kind}`, type: "cmpp", config: {}, sealedSecrets: "v2.unused" });
  });

  it("answers Jiguang's echostr check with the raw value for a JSMS channel", async () => {
    const response = await GET(new NextRequest(url(jsmsKey, "?echostr=check-4711")), params(jsmsKey));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("check-4711");
    await expectError(await GET(new NextRequest(url(jsmsKey)), params(jsmsKey)), 400, "echostr_missing");
  });

  it("fails the echostr check with 404 for an unknown key, a CMPP channel and a malformed key", async () => {
    for (const key of ["nosuchchan", cmppKey, "bad\u0000key", "x".repeat(300), "../../etc", ""]) {
      await expectError(await GET(new NextRequest(url(key, "?echostr=check")), params(key)), 404, "channel_not_found");
    }
  });

  it("answers 404, not 500, to a callback posted to a malformed key", async () => {
    const form = buildCallbackForm({ ...app, type: "SMS_REPORT", data: "{}" });
    for (const key of ["bad\u0000key", "ключ", "x".repeat(300)]) {
      const response = await POST(new NextRequest(url(key), { method: "POST", body: form.toString() }), params(key));
      await expectError(response, 404, "channel_not_found");
    }
  });

  it("stores and applies a signed callback posted to the channel's URL", async () => {
    const data = JSON.stringify({ phone: "13700137100", replyTime: Date.now(), content: "hello" });
    const form = buildCallbackForm({ ...app, type: "SMS_REPLY", data });
    const response = await POST(
      new NextRequest(url(jsmsKey), { method: "POST", body: form.toString(), headers: { "content-type": "application/x-www-form-urlencoded" } }),
      params(jsmsKey),
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
    expect((await t.db.select().from(jsmsCallbacks)).map((r) => r.data)).toContain(data);
    await drainJsmsCallbacks(t.db);
    expect((await t.db.select().from(replies)).map((r) => r.content)).toContain("hello");
  });

  it("answers 413 to a 3 MB chunked body without reading much past 64 KiB", async () => {
    const chunk = new Uint8Array(16 * 1024).fill(0x61);
    const total = 3 * 1024 * 1024;
    let produced = 0;
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          if (produced >= total) return controller.close();
          produced += chunk.byteLength;
          controller.enqueue(chunk);
        },
      },
      { highWaterMark: 0 },
    );
    // No Content-Length: the body is a stream, sent chunked.
    const init = { method: "POST", body, duplex: "half" } as ConstructorParameters<typeof NextRequest>[1];
    const req = new NextRequest(url(jsmsKey), init);
    expect(req.headers.get("content-length")).toBeNull();
    await expectError(await POST(req, params(jsmsKey)), 413, "payload_too_large");
    expect(produced).toBeLessThanOrEqual(64 * 1024 + 4 * chunk.byteLength);
  });

  it("answers 413 to a declared Content-Length above 64 KiB", async () => {
    const req = new NextRequest(url(jsmsKey), { method: "POST", body: "a".repeat(65 * 1024) });
    await expectError(await POST(req, params(jsmsKey)), 413, "payload_too_large");
  });
});

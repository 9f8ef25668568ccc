import { eq } from "drizzle-orm";
import { beforeAll, expect, it, vi } from "vitest";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { createApiKey } from "@/lib/auth/api-keys";
import type { Role } from "@/lib/auth/roles";
import { upsertUmsUsers } from "@/lib/contacts/ums-upsert";
import { channels } from "@/lib/db/schema";
import { describeEachDb } from "@/lib/db/test-databases";
import { apiRequest, basicAuth, segments, testRuntime } from "@/lib/api/route-test-kit";
import type { ApiRouteHandler } from "@/lib/api/handler";
import { claimPreparingSend, prepareSend } from "@/lib/messages/send-preparer";
import { SEND_BODY_MAX_BYTES } from "@/lib/messages/send-schema";
import { insertTestChannel } from "@/lib/messages/testing/fixtures";
import { getRuntime } from "@/lib/server/runtime";
import * as messagesRoute from "./route";
import * as messageRoute from "./[messageId]/route";
import * as previewRoute from "./preview/route";
import * as audienceFileRoute from "./audience-file/route";
import * as sendsRoute from "@/app/api/v1/sends/route";
import * as sendRoute from "@/app/api/v1/sends/[sendId]/route";
import * as cancelRoute from "@/app/api/v1/sends/[sendId]/cancel/route";
import * as pauseRoute from "@/app/api/v1/sends/[sendId]/pause/route";
import * as resumeRoute from "@/app/api/v1/sends/[sendId]/resume/route";

// The routes take their database from the process runtime; here it is the test database, and
// requests carry real API keys, checked by the real code.
vi.mock("@/lib/server/runtime", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/server/runtime")>()),
  getRuntime: vi.fn(),
}));
vi.mock("@/lib/auth/session", () => ({ getSessionActor: vi.fn(async () => null) }));

interface ErrorBody {
  error: { code: string; message: string; details: { path: string; message: string }[]; requestId: string };
}

describeEachDb("the sending REST calls", (t) => {
  const keys = {} as Record<Role, Record<string, string>>;
  let channel: { id: string; channelKey: string };

  beforeAll(async () => {
    vi.mocked(getRuntime).mockResolvedValue(testRuntime(t));
    for (const role of ["viewer", "operator", "admin"] as const) {
      keys[role] = basicAuth((await createApiKey(t.db, SYSTEM_ACTOR("test"), { name: `${role} key`, role })).credentials);
    }
    channel = await insertTestChannel(t.db, "cmpp");
    await upsertUmsUsers(t.db, SYSTEM_ACTOR("test"), [
      { userid: "alice", phone: { all: "13800000001" } },
      { userid: "bob", phone: { all: "13800000002" } },
    ]);
  });

  const call = (handler: ApiRouteHandler, url: string, options: { role?: Role; method?: string; body?: unknown; params?: Record<string, string> } = {}) => {
    const method = options.method ?? (options.body === undefined ? "GET" : "POST");
    const body = options.body === undefined ? undefined : typeof options.body === "string" ? options.body : JSON.stringify(options.body);
    return handler(
      apiRequest(url, { method, headers: { ...keys[options.role ?? "operator"], ...(body !== undefined ? { "content-type": "application/json" } : {}) }, body }),
      segments(options.params),
    );
  };
  const errorOf = async (response: Response) => ((await response.json()) as ErrorBody).error;
  const send = (body: unknown, role: Role = "operator") => call(messagesRoute.POST, "/api/v1/messages", { role, body });

  it("creates a send (202) and answers its progress from GET /sends/{id}", async () => {
    const response = await send({ channelKey: channel.channelKey, userids: ["alice", "bob", "alice"], text: "Hi", idempotencyKey: "route-1" });
    expect(response.status).toBe(202);
    const accepted = (await response.json()) as { sendId: string; accepted: number; rejected: unknown[] };
    expect(accepted).toEqual({ sendId: expect.any(String), accepted: 2, rejected: [{ recipient: "alice", reason: expect.any(String), code: "duplicate" }], rejectedCount: 1 });
    // The same request again: the first answer.
    const again = await send({ channelKey: channel.channelKey, userids: ["alice", "bob", "alice"], text: "Hi", idempotencyKey: "route-1" });
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual(accepted);
    const reused = await send({ channelKey: channel.channelKey, userids: ["alice"], text: "Hi", idempotencyKey: "route-1" });
    expect(reused.status).toBe(409);
    expect((await errorOf(reused)).code).toBe("idempotency_key_reused");

    await prepareSend(t.db, t.kind, (await claimPreparingSend(t.db))!);
    const progress = await call(sendRoute.GET, `/api/v1/sends/${accepted.sendId}`, { role: "viewer", params: { sendId: accepted.sendId } });
    expect(progress.status).toBe(200);
    expect(await progress.json()).toMatchObject({ sendId: accepted.sendId, channelKey: channel.channelKey, status: "sending", total: 2, counts: { queued: 2 } });

    const list = await call(sendsRoute.GET, "/api/v1/sends?limit=1", { role: "viewer" });
    expect(((await list.json()) as { items: { sendId: string }[] }).items.map((s) => s.sendId)).toEqual([accepted.sendId]);

    const page = (await (await call(messagesRoute.GET, `/api/v1/messages?sendId=${accepted.sendId}&limit=1`, { role: "viewer" })).json()) as {
      items: { id: string; userid: string }[];
      nextCursor: string;
    };
    expect(page.items.map((m) => m.userid)).toEqual(["bob"]);
    const next = (await (await call(messagesRoute.GET, `/api/v1/messages?sendId=${accepted.sendId}&limit=1&cursor=${page.nextCursor}`, { role: "viewer" })).json()) as {
      items: { id: string; userid: string }[];
    };
    expect(next.items.map((m) => m.userid)).toEqual(["alice"]);
    const byPhone = (await (await call(messagesRoute.GET, `/api/v1/messages?phone=${encodeURIComponent("+86 138 0000 0002")}`, { role: "viewer" })).json()) as {
      items: { userid: string }[];
    };
    expect(byPhone.items.map((m) => m.userid)).toEqual(["bob"]);

    const one = await call(messageRoute.GET, `/api/v1/messages/${next.items[0]!.id}`, { role: "viewer", params: { messageId: next.items[0]!.id } });
    expect(one.status).toBe(200);
    expect(await one.json()).toMatchObject({ id: next.items[0]!.id, userid: "alice", status: "queued", segmentCount: 1, events: [], segments: [] });
  });

  it("pauses, resumes and cancels through the routes, and answers 409 when the move cannot be made", async () => {
    const { sendId } = (await (await send({ channelKey: channel.channelKey, phones: ["13900000001", "13900000002"], text: "Hi" })).json()) as { sendId: string };
    const move = (route: { POST: ApiRouteHandler }, name: string) => call(route.POST, `/api/v1/sends/${sendId}/${name}`, { body: "", params: { sendId } });
    const early = await move(pauseRoute, "pause");
    expect(early.status).toBe(409);
    expect((await errorOf(early)).code).toBe("send_preparing");
    await prepareSend(t.db, t.kind, (await claimPreparingSend(t.db))!);
    expect(await (await move(pauseRoute, "pause")).json()).toMatchObject({ sendId, status: "paused" });
    expect(await (await move(resumeRoute, "resume")).json()).toMatchObject({ sendId, status: "sending" });
    expect(await (await move(cancelRoute, "cancel")).json()).toMatchObject({ sendId, status: "cancelled", counts: { queued: 0, cancelled: 2 } });
    const late = await move(pauseRoute, "pause");
    expect(late.status).toBe(409);
    expect((await errorOf(late)).code).toBe("send_finished");
  });

  it("lets viewers read and only operators send, preview, upload a list or steer a send", async () => {
    const sendId = "0f8fad5b-d9cb-469f-a165-70867728950e";
    const writes: [ApiRouteHandler, string, Record<string, string>?][] = [
      [messagesRoute.POST, "/api/v1/messages"],
      [previewRoute.POST, "/api/v1/messages/preview"],
      [audienceFileRoute.POST, "/api/v1/messages/audience-file"],
      [pauseRoute.POST, `/api/v1/sends/${sendId}/pause`, { sendId }],
      [resumeRoute.POST, `/api/v1/sends/${sendId}/resume`, { sendId }],
      [cancelRoute.POST, `/api/v1/sends/${sendId}/cancel`, { sendId }],
    ];
    for (const [handler, url, params] of writes) {
      const response = await call(handler, url, { role: "viewer", body: {}, params });
      expect(response.status, url).toBe(403);
      expect((await errorOf(response)).code).toBe("forbidden");
    }
    for (const [handler, url] of [
      [sendsRoute.GET, "/api/v1/sends"],
      [messagesRoute.GET, "/api/v1/messages"],
    ] as const) {
      expect((await call(handler, url, { role: "viewer" })).status, url).toBe(200);
    }
    expect((await call(sendRoute.GET, `/api/v1/sends/${sendId}`, { role: "viewer", params: { sendId } })).status).toBe(404);
    const missing = await call(messageRoute.GET, "/api/v1/messages/999999999", { role: "viewer", params: { messageId: "999999999" } });
    expect(missing.status).toBe(404);
    expect((await errorOf(missing)).code).toBe("message_not_found");
    const unauthenticated = await messagesRoute.POST(apiRequest("/api/v1/messages", { method: "POST", body: "{}" }), segments());
    expect(unauthenticated.status).toBe(401);
  });

  it("answers bad bodies with 400 naming the field, an unknown channel with 404, a disabled one with 422", async () => {
    const invalid = await send({ channelKey: channel.channelKey, text: "Hi" });
    expect(invalid.status).toBe(400);
    expect(await errorOf(invalid)).toMatchObject({
      code: "invalid_input",
      details: [{ path: "audience", message: 'Give the recipients: exactly one of userids, phones, or audience "everyone".' }],
    });
    const tooLong = await send({ channelKey: channel.channelKey, audience: "everyone", text: "a".repeat(1001) });
    expect(await errorOf(tooLong)).toMatchObject({ code: "text_too_long", details: [{ path: "text", message: "The text is longer than 1000 characters." }] });
    expect((await errorOf(await send("not json"))).code).toBe("invalid_json");
    const unknown = await send({ channelKey: "nosuchkey2", audience: "everyone", text: "Hi" });
    expect(unknown.status).toBe(404);
    expect((await errorOf(unknown)).code).toBe("channel_not_found");
    const disabled = await insertTestChannel(t.db, "cmpp");
    await t.db.update(channels).set({ enabled: false }).where(eq(channels.id, disabled.id));
    const refused = await send({ channelKey: disabled.channelKey, audience: "everyone", text: "Hi" });
    expect(refused.status).toBe(422);
    expect((await errorOf(refused)).code).toBe("channel_disabled");
  });

  it("takes a body of a million recipients' size and refuses a larger one with 413", async () => {
    const million = Array.from({ length: 1_000_000 }, (_, i) => String(13000000000 + i));
    const accepted = await send({ channelKey: channel.channelKey, text: "Hi", phones: million });
    expect(accepted.status).toBe(202);
    expect(((await accepted.json()) as { accepted: number }).accepted).toBe(1_000_000);
    const body = JSON.stringify({ channelKey: channel.channelKey, text: "Hi", phones: ["1".repeat(SEND_BODY_MAX_BYTES)] });
    const response = await send(body);
    expect(response.status).toBe(413);
    const preview = await call(previewRoute.POST, "/api/v1/messages/preview", { body });
    expect(preview.status).toBe(413);
  });

  it("previews a send", async () => {
    const response = await call(previewRoute.POST, "/api/v1/messages/preview", { body: { channelKey: channel.channelKey, userids: ["alice", "nobody"], text: "Hi" } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ recipients: 2, withoutNumber: 1, text: "Hi", characters: 2, encoding: "ASCII", segmentsPerMessage: 1, segmentsTotal: 1 });
  });

  it("reads an uploaded audience file", async () => {
    const form = new FormData();
    form.append("file", new Blob(["userid\nalice\nbob\n"], { type: "text/csv" }), "list.csv");
    const response = await audienceFileRoute.POST(apiRequest("/api/v1/messages/audience-file", { method: "POST", headers: keys.operator, body: form }), segments());
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ kind: "userids", values: ["alice", "bob"], rejected: [], rejectedCount: 0 });
  });

  it("refuses bad filters of the message list with 400", async () => {
    for (const [query, field] of [
      ["status=sent", "status"],
      ["limit=501", "limit"],
      ["phone=12345", "phone"],
      ["sendId=42", "sendId"],
    ] as const) {
      const response = await call(messagesRoute.GET, `/api/v1/messages?${query}`, { role: "viewer" });
      expect(response.status, query).toBe(400);
      expect((await errorOf(response)).details.map((d) => d.path)).toEqual([field]);
    }
    expect((await call(messagesRoute.GET, "/api/v1/messages?limit=500&status=queued", { role: "viewer" })).status).toBe(200);
  });
});

import { sql } from "drizzle-orm";
import { beforeAll, expect, it, vi } from "vitest";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { createApiKey } from "@/lib/auth/api-keys";
import type { Role } from "@/lib/auth/roles";
import { upsertUmsUsers } from "@/lib/contacts/ums-upsert";
import { executeRows } from "@/lib/db/client";
import { describeEachDb } from "@/lib/db/test-databases";
import { apiRequest, basicAuth, segments, testRuntime } from "@/lib/api/route-test-kit";
import type { ApiRouteHandler } from "@/lib/api/handler";
import { applyTransitions } from "@/lib/messages/message-state";
import { RESEND_BODY_MAX_BYTES } from "@/lib/messages/resend-schema";
import { claimPreparingSend, prepareSend } from "@/lib/messages/send-preparer";
import { createSend } from "@/lib/messages/send-service";
import { insertTestChannel } from "@/lib/messages/testing/fixtures";
import { getRuntime } from "@/lib/server/runtime";
import * as messagesResendRoute from "@/app/api/v1/messages/resend/route";
import * as sendRoute from "../route";
import * as resendRoute from "./route";

vi.mock("@/lib/server/runtime", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/server/runtime")>()),
  getRuntime: vi.fn(),
}));
vi.mock("@/lib/auth/session", () => ({ getSessionActor: vi.fn(async () => null) }));

interface ErrorBody {
  error: { code: string; message: string; details: { path: string; message: string }[] };
}

describeEachDb("POST /api/v1/sends/{sendId}/resend and /api/v1/messages/resend", (t) => {
  const keys = {} as Record<Role, Record<string, string>>;
  let cmpp: { id: string; channelKey: string };
  let other: { id: string; channelKey: string };
  let jsms: { id: string; channelKey: string };

  beforeAll(async () => {
    vi.mocked(getRuntime).mockResolvedValue(testRuntime(t));
    for (const role of ["viewer", "operator"] as const) {
      keys[role] = basicAuth((await createApiKey(t.db, SYSTEM_ACTOR("test"), { name: `${role} key`, role })).credentials);
    }
    cmpp = await insertTestChannel(t.db, "cmpp");
    other = await insertTestChannel(t.db, "cmpp");
    jsms = await insertTestChannel(t.db, "jsms");
    await upsertUmsUsers(t.db, SYSTEM_ACTOR("test"), [
      { userid: "alice", phone: { all: "13800000001" } },
      { userid: "bob", phone: { all: "13800000002" } },
      { userid: "carol", phone: { all: "13800000003", [other.channelKey]: "13900000003" } },
    ]);
  });

  const post = (handler: ApiRouteHandler, url: string, body: unknown, options: { role?: Role; params?: Record<string, string> } = {}) => {
    const text = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
    return handler(
      apiRequest(url, { method: "POST", headers: { ...keys[options.role ?? "operator"], ...(text !== undefined ? { "content-type": "application/json" } : {}) }, body: text }),
      segments(options.params),
    );
  };
  const resend = (sendId: string, body: unknown, role?: Role) => post(resendRoute.POST, `/api/v1/sends/${sendId}/resend`, body, { role, params: { sendId } });
  const errorOf = async (response: Response) => ((await response.json()) as ErrorBody).error;

  async function prepareAll() {
    for (let send = await claimPreparingSend(t.db); send; send = await claimPreparingSend(t.db)) await prepareSend(t.db, t.kind, send);
  }

  /** A send to alice (failed), bob (delivered) and carol (expired), its messages made. */
  async function sendWithFailures(): Promise<string> {
    const { sendId } = await createSend(t.db, SYSTEM_ACTOR("test"), { channelKey: cmpp.channelKey, userids: ["alice", "bob", "carol"], text: "Hi" });
    await prepareAll();
    const ids = (await executeRows<{ id: string }>(t.db, sql`select id::text as id from messages where send_id = ${sendId}::uuid order by userid`)).map((r) => r.id);
    await applyTransitions(t.db, ids.map((id) => ({ id, from: "queued" as const, to: "submitted" as const })));
    await applyTransitions(t.db, [
      { id: ids[0]!, from: "submitted", to: "failed", error: { code: "UNDELIV", category: "unknown" } },
      { id: ids[1]!, from: "submitted", to: "delivered" },
      { id: ids[2]!, from: "submitted", to: "expired", error: { code: "EXPIRED", category: "expired" } },
    ]);
    return sendId;
  }

  it("answers 202 with the new send, the same send for the same request, and links both ways on GET", async () => {
    const sendId = await sendWithFailures();
    const response = await resend(sendId, { channelKey: other.channelKey, states: ["failed", "expired"] });
    expect(response.status).toBe(202);
    const made = (await response.json()) as { sendId: string; created: boolean; resentFrom: string; audienceSize: number };
    expect(made).toEqual({ sendId: expect.any(String), created: true, resentFrom: sendId, audienceSize: 2 });

    const again = await resend(sendId, { channelKey: other.channelKey, states: ["expired", "failed"] });
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual({ ...made, created: false });

    const original = (await (await sendRoute.GET(apiRequest(`/api/v1/sends/${sendId}`, { headers: keys.viewer }), segments({ sendId }))).json()) as Record<string, unknown>;
    expect(original).toMatchObject({ sendId, resentFrom: null, resends: [made.sendId] });
    const copy = (await (await sendRoute.GET(apiRequest(`/api/v1/sends/${made.sendId}`, { headers: keys.viewer }), segments({ sendId: made.sendId }))).json()) as Record<
      string,
      unknown
    >;
    expect(copy).toMatchObject({ sendId: made.sendId, channelKey: other.channelKey, status: "preparing", resentFrom: sendId, resentStates: ["failed", "expired"], resends: [] });
  });

  it("takes no body as every state on the same channel", async () => {
    const sendId = await sendWithFailures();
    const response = await resend(sendId, undefined);
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ created: true, resentFrom: sendId, audienceSize: 2 });
  });

  it("answers 400, 403, 404, 409, 413 and 422 as the contract says", async () => {
    const sendId = await sendWithFailures();
    const bad = await resend(sendId, { states: ["delivered"], extra: 1 });
    expect(bad.status).toBe(400);
    const badError = await errorOf(bad);
    expect(badError.code).toBe("invalid_input");
    expect(badError.details.map((d) => d.path).sort()).toEqual(["(body)", "states.0"]);
    expect(badError.details.find((d) => d.path === "states.0")!.message).toBe("Choose among failed, expired and unknown.");
    expect((await errorOf(await resend(sendId, { states: [] }))).details).toEqual([{ path: "states", message: "Choose at least one state to resend." }]);
    expect((await errorOf(await resend(sendId, "{"))).code).toBe("invalid_json");
    expect((await resend(sendId, JSON.stringify({ idempotencyKey: "k".repeat(RESEND_BODY_MAX_BYTES) }))).status).toBe(413);

    expect((await resend(sendId, {}, "viewer")).status).toBe(403);

    const unknownSend = await resend("0f8fad5b-d9cb-469f-a165-70867728950e", {});
    expect(unknownSend.status).toBe(404);
    expect((await errorOf(unknownSend)).code).toBe("send_not_found");
    const unknownChannel = await resend(sendId, { channelKey: "nosuchkey2" });
    expect(unknownChannel.status).toBe(404);
    expect((await errorOf(unknownChannel)).code).toBe("channel_not_found");

    const wrongKind = await resend(sendId, { channelKey: jsms.channelKey });
    expect(wrongKind.status).toBe(422);
    expect(await errorOf(wrongKind)).toMatchObject({ code: "content_not_for_channel", messageKey: "resend.errors.text_needs_cmpp" });

    const { sendId: preparing } = await createSend(t.db, SYSTEM_ACTOR("test"), { channelKey: cmpp.channelKey, userids: ["alice"], text: "Hi" });
    const early = await resend(preparing, {});
    expect(early.status).toBe(409);
    expect((await errorOf(early)).code).toBe("send_preparing");
    await prepareAll();
    const nothing = await resend(preparing, {});
    expect(nothing.status).toBe(422);
    expect((await errorOf(nothing)).code).toBe("nothing_to_resend");
  });

  it("resends a filtered list: one send per earlier send, the same ones again on a repeat", async () => {
    const first = await sendWithFailures();
    const second = await sendWithFailures();
    const body = { filter: { channelKey: cmpp.channelKey, status: "failed", code: "UNDELIV", limit: "50" }, channelKey: other.channelKey };
    const response = await post(messagesResendRoute.POST, "/api/v1/messages/resend", body);
    expect(response.status).toBe(202);
    const answer = (await response.json()) as { resends: { sendId: string; created: boolean; resentFrom: string; audienceSize: number }[] };
    const mine = answer.resends.filter((r) => r.resentFrom === first || r.resentFrom === second);
    expect(mine).toEqual([
      { sendId: expect.any(String), created: true, resentFrom: first, audienceSize: 1 },
      { sendId: expect.any(String), created: true, resentFrom: second, audienceSize: 1 },
    ]);
    const again = await post(messagesResendRoute.POST, "/api/v1/messages/resend", body);
    expect(((await again.json()) as typeof answer).resends).toEqual(answer.resends.map((r) => ({ ...r, created: false })));

    const bad = await post(messagesResendRoute.POST, "/api/v1/messages/resend", { filter: { status: "sent", code: 5 } });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).details.map((d) => d.path).sort()).toEqual(["filter.code"]);
    const badStatus = await post(messagesResendRoute.POST, "/api/v1/messages/resend", { filter: { status: "sent" } });
    expect((await errorOf(badStatus)).details.map((d) => d.path)).toEqual(["filter.status"]);
    expect((await post(messagesResendRoute.POST, "/api/v1/messages/resend", { states: ["failed"] })).status).toBe(400);
    expect((await post(messagesResendRoute.POST, "/api/v1/messages/resend", { filter: {} }, { role: "viewer" })).status).toBe(403);
  });
});

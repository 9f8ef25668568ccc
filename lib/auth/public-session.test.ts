import { describe, expect, it } from "vitest";
import { withoutSessionRowId } from "./public-session";

const sessionAnswer = (body: unknown, init: ResponseInit = {}) =>
  new Response(JSON.stringify(body), { ...init, headers: { "content-type": "application/json", ...init.headers } });

describe("the session answer a page can read", () => {
  it("leaves out the session row id and keeps the rest, cookies included", async () => {
    const headers = new Headers({ "content-type": "application/json" });
    headers.append("set-cookie", "authjs.session-token=abc; Path=/; HttpOnly");
    const answer = await withoutSessionRowId(
      new Response(JSON.stringify({ user: { email: "a@example.com" }, expires: "2026-01-01T00:00:00.000Z", sessionId: "0b5e…" }), { headers }),
    );
    expect(await answer.json()).toEqual({ user: { email: "a@example.com" }, expires: "2026-01-01T00:00:00.000Z" });
    expect(answer.headers.getSetCookie()).toEqual(["authjs.session-token=abc; Path=/; HttpOnly"]);
  });

  it("passes a signed-out answer (null) and other answers through", async () => {
    expect(await (await withoutSessionRowId(sessionAnswer(null))).json()).toBeNull();
    const failed = sessionAnswer({ sessionId: "x" }, { status: 500 });
    expect(await withoutSessionRowId(failed)).toBe(failed);
  });
});

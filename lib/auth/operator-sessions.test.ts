import { eq } from "drizzle-orm";
import { expect, it } from "vitest";
import { operatorSessions } from "@/lib/db/schema";
import { describeEachDb } from "@/lib/db/test-databases";
import { SYSTEM_ACTOR } from "./actor";
import { signInOperator, signOutOperator } from "./console-sign-in";
import { SESSION_MAX_AGE_MS, resolveOperatorSession, startOperatorSession } from "./operator-sessions";
import { createOperator, updateOperator } from "./operators";

const system = SYSTEM_ACTOR("test");
const IDLE_MS = 120 * 60_000;
const client = { address: "192.0.2.10", userAgent: "Mozilla/5.0 (test)" };

describeEachDb("console sessions", (t) => {
  let operatorId = "";
  const t0 = new Date("2026-01-01T08:00:00Z");
  const at = (ms: number) => new Date(t0.getTime() + ms);
  const resolve = (sessionId: string, now: Date) => resolveOperatorSession(t.db, sessionId, { idleMs: IDLE_MS, now });
  const lastSeen = async (sessionId: string) =>
    (await t.db.select().from(operatorSessions).where(eq(operatorSessions.id, sessionId)))[0]!.lastSeenAt.toISOString();

  it("starts a session row on sign-in, with the address and user agent", async () => {
    const created = await createOperator(t.db, system, { email: "s@example.com", password: "session-password", role: "operator" });
    operatorId = created.id;
    const result = await signInOperator(t.db, { email: "s@example.com", password: "session-password" }, client, t0);
    const [row] = await t.db.select().from(operatorSessions).where(eq(operatorSessions.id, result!.sessionId));
    expect(row).toMatchObject({ operatorId, address: "192.0.2.10", userAgent: "Mozilla/5.0 (test)", revokedAt: null });
    expect(await resolve(result!.sessionId, t0)).toMatchObject({ kind: "operator", id: operatorId, email: "s@example.com", role: "operator" });
    expect(await signInOperator(t.db, { email: "s@example.com", password: "wrong-password" }, client, t0)).toBeNull();
  });

  it("ends a session on sign-out, once", async () => {
    const sessionId = await startOperatorSession(t.db, operatorId, client, t0);
    expect(await signOutOperator(t.db, sessionId, client.address, at(1000))).toBe(true);
    expect(await resolve(sessionId, at(2000))).toBeNull();
    expect(await signOutOperator(t.db, sessionId, client.address, at(3000))).toBe(false);
  });

  it("ends every session of an operator who is disabled, for good", async () => {
    const first = await startOperatorSession(t.db, operatorId, client, t0);
    const second = await startOperatorSession(t.db, operatorId, { address: "192.0.2.11", userAgent: null }, t0);
    await updateOperator(t.db, system, operatorId, { disabled: true });
    expect(await resolve(first, at(1000))).toBeNull();
    expect(await resolve(second, at(1000))).toBeNull();
    // Enabling the operator again does not bring old sessions back: they must sign in anew.
    await updateOperator(t.db, system, operatorId, { disabled: false });
    expect(await resolve(first, at(2000))).toBeNull();
    expect(await resolve(await startOperatorSession(t.db, operatorId, client, t0), at(2000))).not.toBeNull();
  });

  it("expires a session left idle longer than the idle time, counted from its last request", async () => {
    const sessionId = await startOperatorSession(t.db, operatorId, client, t0);
    expect(await resolve(sessionId, at(IDLE_MS - 60_000))).not.toBeNull();
    expect(await resolve(sessionId, at(2 * IDLE_MS - 120_000))).not.toBeNull();
    expect(await resolve(sessionId, at(3 * IDLE_MS))).toBeNull();
    const idle = await startOperatorSession(t.db, operatorId, client, t0);
    expect(await resolve(idle, at(IDLE_MS + 1000))).toBeNull();
  });

  it("records a request at most once a minute", async () => {
    const sessionId = await startOperatorSession(t.db, operatorId, client, t0);
    for (const ms of [1000, 30_000, 59_000]) await resolve(sessionId, at(ms));
    expect(await lastSeen(sessionId)).toBe(t0.toISOString());
    await Promise.all([resolve(sessionId, at(60_000)), resolve(sessionId, at(60_000))]);
    expect(await lastSeen(sessionId)).toBe(at(60_000).toISOString());
    await resolve(sessionId, at(100_000));
    expect(await lastSeen(sessionId)).toBe(at(60_000).toISOString());
    await resolve(sessionId, at(120_000));
    expect(await lastSeen(sessionId)).toBe(at(120_000).toISOString());
  });

  it("ends a session after 12 hours however busy it is", async () => {
    const sessionId = await startOperatorSession(t.db, operatorId, client, t0);
    for (let hour = 1; hour <= 12; hour++) expect(await resolve(sessionId, at(hour * 3600_000))).not.toBeNull();
    expect(await resolve(sessionId, at(SESSION_MAX_AGE_MS + 60_000))).toBeNull();
  });

  it("knows no session for a made-up or malformed id", async () => {
    expect(await resolve("00000000-0000-4000-8000-000000000000", t0)).toBeNull();
    expect(await resolve("not-a-uuid", t0)).toBeNull();
    expect(await signOutOperator(t.db, "not-a-uuid", client.address, t0)).toBe(false);
  });
});

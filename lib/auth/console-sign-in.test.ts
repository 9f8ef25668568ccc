import { asc, like } from "drizzle-orm";
import { expect, it } from "vitest";
import { auditLog } from "@/lib/db/schema";
import { describeEachDb } from "@/lib/db/test-databases";
import { SYSTEM_ACTOR } from "./actor";
import { ADDRESS_MAX_FAILURES } from "./attempt-limit";
import { signInOperator, signOutOperator } from "./console-sign-in";
import { MAX_FAILED_LOGINS, createOperator } from "./operators";

const system = SYSTEM_ACTOR("test");

describeEachDb("sign-in audit trail", (t) => {
  it("records sign-ins, refusals with their reason, lockouts, address blocks and sign-outs, never a password", async () => {
    await createOperator(t.db, system, { email: "audited@example.com", password: "audited-password", role: "operator" });
    const now = new Date("2026-01-01T00:00:00Z");
    const from = (address: string) => ({ address, userAgent: "test" });
    const attempt = (email: string, password: string, address: string) =>
      signInOperator(t.db, { email, password }, from(address), now).catch((error: Error) => error);

    const signedIn = await attempt("audited@example.com", "audited-password", "192.0.2.1");
    await attempt("stranger@example.com", "stranger-secret", "192.0.2.2");
    for (let i = 0; i < MAX_FAILED_LOGINS; i++) await attempt("audited@example.com", "secret-guess-" + i, "192.0.2.3");
    await attempt("audited@example.com", "audited-password", "192.0.2.4");
    for (let i = 0; i < ADDRESS_MAX_FAILURES + 1; i++) await attempt(`guess${i}@example.com`, "secret-guess", "192.0.2.5");
    expect(await signOutOperator(t.db, (signedIn as { sessionId: string }).sessionId, "192.0.2.1", now)).toBe(true);

    const rows = await t.db.select().from(auditLog).where(like(auditLog.action, "auth.%")).orderBy(asc(auditLog.id));
    const seen = rows.map((r) => [r.action, r.actor, r.target, (r.detail as { reason?: string }).reason ?? null]);
    expect(seen).toContainEqual(["auth.sign_in", "operator:audited@example.com", "audited@example.com", null]);
    expect(seen).toContainEqual(["auth.sign_in_failed", "system:sign-in", "stranger@example.com", "unknown_email"]);
    expect(seen).toContainEqual(["auth.sign_in_failed", "operator:audited@example.com", "audited@example.com", "wrong_password"]);
    expect(seen).toContainEqual(["auth.lockout", "operator:audited@example.com", "audited@example.com", null]);
    expect(seen).toContainEqual(["auth.sign_in_failed", "operator:audited@example.com", "audited@example.com", "locked"]);
    expect(seen).toContainEqual(["auth.address_blocked", "system:sign-in", "192.0.2.5", null]);
    expect(seen).toContainEqual(["auth.sign_in_failed", "system:sign-in", "guess10@example.com", "address_limited"]);
    expect(seen).toContainEqual(["auth.sign_out", "operator:audited@example.com", "audited@example.com", null]);
    expect(rows.filter((r) => r.action === "auth.lockout")).toHaveLength(1);
    expect(rows.filter((r) => r.action === "auth.address_blocked")).toHaveLength(1);
    // Where each came from: the address of the attempt, not of the session being signed in to.
    expect(rows.find((r) => r.action === "auth.sign_in")?.address).toBe("192.0.2.1");
    expect(rows.find((r) => r.action === "auth.lockout")?.address).toBe("192.0.2.3");
    expect(JSON.stringify(rows)).not.toMatch(/secret|audited-password/);
    // The session is named by a one-way reference shared by its sign-in and sign-out, never by the row id the cookie carries.
    const sessionId = (signedIn as { sessionId: string }).sessionId;
    expect(JSON.stringify(rows)).not.toContain(sessionId);
    const signInDetail = rows.find((r) => r.action === "auth.sign_in")!.detail as { session?: string };
    expect(signInDetail.session).toMatch(/^[0-9a-f]{16}$/);
    expect((rows.find((r) => r.action === "auth.sign_out")!.detail as { session?: string }).session).toBe(signInDetail.session);
  });
});

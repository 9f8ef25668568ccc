import { and, eq } from "drizzle-orm";
import { expect, it } from "vitest";
import { auditLog } from "@/lib/db/schema";
import { describeEachDb } from "@/lib/db/test-databases";
import { SYSTEM_ACTOR } from "./actor";
import { authenticateApiKey, createApiKey, parseBasicAuth, revokeApiKey } from "./api-keys";
import { ADDRESS_BLOCK_MS, ADDRESS_MAX_FAILURES, AddressBlockedError } from "./attempt-limit";
import { signInOperator } from "./console-sign-in";
import { KNOWN_ADDRESS_MS } from "./operator-sessions";
import {
  LOCK_MINUTES,
  LoginLockedError,
  MAX_FAILED_LOGINS,
  attemptFirstAdminSetup,
  countOperators,
  createFirstAdmin,
  createOperator,
  listOperators,
  updateOperator,
  verifyOperatorLogin,
} from "./operators";

const system = SYSTEM_ACTOR("test");

describeEachDb("operators and API keys", (t) => {
  let adminId = "";

  it("creates exactly one first admin, even when two set-ups race", async () => {
    const input = { email: "Root@Example.com", password: "long-enough-pw", confirmPassword: "long-enough-pw" };
    const results = await Promise.allSettled([createFirstAdmin(t.db, input, "a"), createFirstAdmin(t.db, input, "b")]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(await countOperators(t.db)).toBe(1);
    const admin = (results.find((r) => r.status === "fulfilled") as PromiseFulfilledResult<{ id: string; email: string }>).value;
    expect(admin.email).toBe("root@example.com");
    adminId = admin.id;
  });

  it("stores a bcrypt hash, never the password, and signs in case-insensitively", async () => {
    const op = await verifyOperatorLogin(t.db, { email: "ROOT@example.com", password: "long-enough-pw" }, "192.0.2.1");
    expect(op?.role).toBe("admin");
    expect(await verifyOperatorLogin(t.db, { email: "root@example.com", password: "wrong" }, "192.0.2.1")).toBeNull();
    expect(await verifyOperatorLogin(t.db, { email: "nobody@example.com", password: "whatever" }, "192.0.2.1")).toBeNull();
  });

  it("locks an account after repeated failures, even for the right password, until the lock expires", async () => {
    await createOperator(t.db, system, { email: "target@example.com", password: "target-password", role: "operator" });
    const now = new Date("2026-01-01T00:00:00Z");
    for (let i = 1; i < MAX_FAILED_LOGINS; i++) {
      expect(await verifyOperatorLogin(t.db, { email: "target@example.com", password: "guess" + i }, "192.0.2.2", now)).toBeNull();
    }
    await expect(verifyOperatorLogin(t.db, { email: "target@example.com", password: "last-guess" }, "192.0.2.2", now)).rejects.toBeInstanceOf(LoginLockedError);
    await expect(verifyOperatorLogin(t.db, { email: "target@example.com", password: "target-password" }, "192.0.2.3", now)).rejects.toBeInstanceOf(LoginLockedError);
    const later = new Date(now.getTime() + (LOCK_MINUTES + 1) * 60_000);
    expect((await verifyOperatorLogin(t.db, { email: "target@example.com", password: "target-password" }, "192.0.2.3", later))?.email).toBe("target@example.com");
  });

  it("refuses a duplicate email, a disabled operator's sign-in, and losing the last admin", async () => {
    await expect(createOperator(t.db, system, { email: "TARGET@example.com", password: "another-password", role: "viewer" })).rejects.toMatchObject({
      status: 409,
    });
    const viewer = await createOperator(t.db, system, { email: "v@example.com", password: "viewer-password", role: "viewer" });
    await updateOperator(t.db, system, viewer.id, { disabled: true });
    expect(await verifyOperatorLogin(t.db, { email: "v@example.com", password: "viewer-password" }, "192.0.2.4")).toBeNull();
    await expect(updateOperator(t.db, system, adminId, { role: "viewer" })).rejects.toMatchObject({ code: "last_admin" });
    const self = { kind: "operator" as const, id: adminId, email: "root@example.com", role: "admin" as const };
    await expect(updateOperator(t.db, self, adminId, { disabled: true })).rejects.toMatchObject({ status: 403 });
  });

  it("authenticates API keys by keyId:secret, and not after revocation", async () => {
    const { key, secret, credentials } = await createApiKey(t.db, system, { name: "crm", role: "operator" });
    expect(credentials).toBe(`${key.keyId}:${secret}`);
    const header = "Basic " + Buffer.from(credentials).toString("base64");
    const parsed = parseBasicAuth(header)!;
    expect(await authenticateApiKey(t.db, parsed.user, parsed.pass)).toMatchObject({ kind: "api_key", role: "operator" });
    expect(await authenticateApiKey(t.db, key.keyId, secret + "x")).toBeNull();
    expect(await authenticateApiKey(t.db, "ak_unknown", secret)).toBeNull();
    await revokeApiKey(t.db, system, key.keyId);
    expect(await authenticateApiKey(t.db, key.keyId, secret)).toBeNull();
    await expect(createApiKey(t.db, system, { name: "", role: "root" })).rejects.toMatchObject({ status: 400 });
  });

  it("locks an account when 20 wrong passwords arrive at once, each from its own address", async () => {
    await createOperator(t.db, system, { email: "raced@example.com", password: "raced-password", role: "operator" });
    const now = new Date("2026-02-01T00:00:00Z");
    const guesses = Array.from({ length: 20 }, (_, i) =>
      verifyOperatorLogin(t.db, { email: "raced@example.com", password: "guess-" + i }, `198.18.0.${i + 1}`, now),
    );
    await Promise.allSettled(guesses);
    const refused = verifyOperatorLogin(t.db, { email: "raced@example.com", password: "raced-password" }, "198.18.1.1", now);
    await expect(refused).rejects.toBeInstanceOf(LoginLockedError);
    await expect(refused).rejects.toMatchObject({ retryAfterSeconds: LOCK_MINUTES * 60 });
    const lockouts = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "auth.lockout"), eq(auditLog.target, "raced@example.com")));
    expect(lockouts).toHaveLength(1);
  }, 90_000);

  it("keeps the lock from shutting an operator out of an address they signed in from lately", async () => {
    await createOperator(t.db, system, { email: "known@example.com", password: "known-password", role: "admin" });
    const t0 = new Date("2026-03-01T00:00:00Z");
    const home = "198.51.100.7";
    expect(await signInOperator(t.db, { email: "known@example.com", password: "known-password" }, { address: home, userAgent: "test" }, t0)).not.toBeNull();

    const t1 = new Date(t0.getTime() + 24 * 3600_000);
    const lockAccount = async (at: Date) => {
      for (let i = 1; i < MAX_FAILED_LOGINS; i++) {
        expect(await verifyOperatorLogin(t.db, { email: "known@example.com", password: "guess" + i }, "203.0.113.66", at)).toBeNull();
      }
      await expect(verifyOperatorLogin(t.db, { email: "known@example.com", password: "guess" }, "203.0.113.66", at)).rejects.toBeInstanceOf(LoginLockedError);
    };
    await lockAccount(t1);
    // A new address is refused even with the right password …
    await expect(verifyOperatorLogin(t.db, { email: "known@example.com", password: "known-password" }, "203.0.113.99", t1)).rejects.toBeInstanceOf(
      LoginLockedError,
    );
    // … the operator's own address is not, and signing in there ends the lock for everyone.
    expect((await verifyOperatorLogin(t.db, { email: "known@example.com", password: "known-password" }, home, t1))?.lockedUntil).toBeNull();
    expect(await verifyOperatorLogin(t.db, { email: "known@example.com", password: "known-password" }, "203.0.113.99", t1)).not.toBeNull();

    // An address stops counting as known KNOWN_ADDRESS_MS after the last sign-in from it.
    const later = new Date(t0.getTime() + KNOWN_ADDRESS_MS + 3600_000);
    await lockAccount(later);
    await expect(verifyOperatorLogin(t.db, { email: "known@example.com", password: "known-password" }, home, later)).rejects.toBeInstanceOf(
      LoginLockedError,
    );
  });

  it("lets an admin clear a lock with unlock:true", async () => {
    await createOperator(t.db, system, { email: "stuck@example.com", password: "stuck-password", role: "viewer" });
    const stuck = (await listOperators(t.db)).find((o) => o.email === "stuck@example.com");
    for (let i = 0; i < MAX_FAILED_LOGINS; i++) {
      await verifyOperatorLogin(t.db, { email: "stuck@example.com", password: "guess" + i }, "203.0.113.70").catch(() => {});
    }
    await expect(verifyOperatorLogin(t.db, { email: "stuck@example.com", password: "stuck-password" }, "203.0.113.71")).rejects.toBeInstanceOf(
      LoginLockedError,
    );
    const unlocked = await updateOperator(t.db, system, stuck!.id, { unlock: true });
    expect(unlocked.lockedUntil).toBeNull();
    expect((await verifyOperatorLogin(t.db, { email: "stuck@example.com", password: "stuck-password" }, "203.0.113.71"))?.email).toBe("stuck@example.com");
  });

  it("limits set-up attempts per address", async () => {
    const input = { email: "late@example.com", password: "late-password", confirmPassword: "late-password" };
    const now = new Date("2026-04-01T00:00:00Z");
    for (let i = 1; i < ADDRESS_MAX_FAILURES; i++) {
      await expect(attemptFirstAdminSetup(t.db, input, "192.0.2.50", now)).rejects.toMatchObject({ code: "setup_done" });
    }
    await expect(attemptFirstAdminSetup(t.db, input, "192.0.2.50", now)).rejects.toBeInstanceOf(AddressBlockedError);
    await expect(attemptFirstAdminSetup(t.db, { email: "x" }, "192.0.2.50", now)).rejects.toMatchObject({
      code: "address_blocked",
      retryAfterSeconds: ADDRESS_BLOCK_MS / 1000,
    });
    // Other addresses, and signing in from this one, are not affected.
    await expect(attemptFirstAdminSetup(t.db, input, "192.0.2.51", now)).rejects.toMatchObject({ code: "setup_done" });
    expect(await verifyOperatorLogin(t.db, { email: "root@example.com", password: "long-enough-pw" }, "192.0.2.50", now)).not.toBeNull();
    const after = new Date(now.getTime() + ADDRESS_BLOCK_MS + 1000);
    await expect(attemptFirstAdminSetup(t.db, input, "192.0.2.50", after)).rejects.toMatchObject({ code: "setup_done" });
  });
});

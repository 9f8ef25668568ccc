import { expect, it } from "vitest";
import { describeEachDb } from "@/lib/db/test-databases";
import { SYSTEM_ACTOR } from "./actor";
import { authenticateApiKey, createApiKey, parseBasicAuth, revokeApiKey } from "./api-keys";
import {
  LOCK_MINUTES,
  LoginLockedError,
  MAX_FAILED_LOGINS,
  countOperators,
  createFirstAdmin,
  createOperator,
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
    const op = await verifyOperatorLogin(t.db, "ROOT@example.com", "long-enough-pw");
    expect(op?.role).toBe("admin");
    expect(await verifyOperatorLogin(t.db, "root@example.com", "wrong")).toBeNull();
    expect(await verifyOperatorLogin(t.db, "nobody@example.com", "whatever")).toBeNull();
  });

  it("locks an account after repeated failures, even for the right password, until the lock expires", async () => {
    await createOperator(t.db, system, { email: "target@example.com", password: "target-password", role: "operator" });
    const now = new Date("2026-01-01T00:00:00Z");
    for (let i = 1; i < MAX_FAILED_LOGINS; i++) {
      expect(await verifyOperatorLogin(t.db, "target@example.com", "guess" + i, now)).toBeNull();
    }
    await expect(verifyOperatorLogin(t.db, "target@example.com", "last-guess", now)).rejects.toBeInstanceOf(LoginLockedError);
    await expect(verifyOperatorLogin(t.db, "target@example.com", "target-password", now)).rejects.toBeInstanceOf(LoginLockedError);
    const later = new Date(now.getTime() + (LOCK_MINUTES + 1) * 60_000);
    expect((await verifyOperatorLogin(t.db, "target@example.com", "target-password", later))?.email).toBe("target@example.com");
  });

  it("refuses a duplicate email, a disabled operator's sign-in, and losing the last admin", async () => {
    await expect(createOperator(t.db, system, { email: "TARGET@example.com", password: "another-password", role: "viewer" })).rejects.toMatchObject({
      status: 409,
    });
    const viewer = await createOperator(t.db, system, { email: "v@example.com", password: "viewer-password", role: "viewer" });
    await updateOperator(t.db, system, viewer.id, { disabled: true });
    expect(await verifyOperatorLogin(t.db, "v@example.com", "viewer-password")).toBeNull();
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
});

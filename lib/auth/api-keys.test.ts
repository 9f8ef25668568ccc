import crypto from "node:crypto";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { describeEachDb } from "@/lib/db/test-databases";
import { apiKeys, auditLog } from "@/lib/db/schema";
import { SYSTEM_ACTOR } from "./actor";
import { authenticateApiKey, createApiKey, listApiKeys, parseBasicAuth, revokeApiKey } from "./api-keys";

const basic = (credentials: string) => `Basic ${Buffer.from(credentials, "utf8").toString("base64")}`;

describe("parseBasicAuth", () => {
  it("reads keyId and secret from Basic credentials", () => {
    expect(parseBasicAuth(basic("ak_1:s3cret"))).toEqual({ user: "ak_1", pass: "s3cret" });
  });

  it("takes the scheme in any case and any run of spaces around the credentials", () => {
    expect(parseBasicAuth(basic("ak_1:s").replace("Basic", "bAsIc"))).toEqual({ user: "ak_1", pass: "s" });
    expect(parseBasicAuth(basic("ak_1:s").replace(" ", "  \t"))).toEqual({ user: "ak_1", pass: "s" });
    expect(parseBasicAuth(basic("ak_1:s") + "  ")).toEqual({ user: "ak_1", pass: "s" });
  });

  it("splits at the first colon, so a secret may hold colons", () => {
    expect(parseBasicAuth(basic("ak_1:a:b:"))).toEqual({ user: "ak_1", pass: "a:b:" });
  });

  it("accepts a one-character keyId and an empty secret (the key lookup refuses them)", () => {
    expect(parseBasicAuth(basic("k:"))).toEqual({ user: "k", pass: "" });
  });

  it.each([
    ["no header", null],
    ["an empty header", ""],
    ["another scheme", "Bearer abc"],
    ["the scheme alone", "Basic"],
    ["the scheme without a space", "Basic" + Buffer.from("ak_1:s").toString("base64")],
    ["text before the scheme", "X" + basic("ak_1:s")],
    ["a second scheme before it", "Digest " + basic("ak_1:s")],
    ["text after the credentials", basic("ak_1:s") + " extra"],
    ["characters outside base64 after the credentials", basic("ak_1:s") + "!!"],
    ["credentials without a colon", basic("ak_1")],
    ["an empty keyId", basic(":secret")],
  ])("refuses %s", (_what, header) => {
    expect(parseBasicAuth(header)).toBeNull();
  });
});

describeEachDb("API keys", (t) => {
  const admin = SYSTEM_ACTOR("test");

  it("stores only the secret's SHA-256, never the secret itself", async () => {
    const created = await createApiKey(t.db, admin, { name: "stored", role: "viewer" });
    expect(created.key.keyId).toMatch(/^ak_[0-9a-f]{16}$/);
    expect(created.credentials).toBe(`${created.key.keyId}:${created.secret}`);
    const [row] = await t.db.select().from(apiKeys).where(eq(apiKeys.keyId, created.key.keyId));
    expect(row!.secretHash).toBe(crypto.createHash("sha256").update(created.secret, "utf8").digest("hex"));
    expect(JSON.stringify(row)).not.toContain(created.secret);
    expect(JSON.stringify(await listApiKeys(t.db))).not.toContain(created.secret);
  });

  it("authenticates the right secret only, as the key's role", async () => {
    const created = await createApiKey(t.db, admin, { name: "auth", role: "operator" });
    expect(await authenticateApiKey(t.db, created.key.keyId, created.secret)).toEqual({
      kind: "api_key",
      id: expect.any(String),
      keyId: created.key.keyId,
      role: "operator",
    });
    expect(await authenticateApiKey(t.db, created.key.keyId, created.secret + "x")).toBeNull();
    expect(await authenticateApiKey(t.db, "ak_unknown", created.secret)).toBeNull();
  });

  it("records when a key was last used, shown beside it in the list", async () => {
    const created = await createApiKey(t.db, admin, { name: "used", role: "viewer" });
    expect((await listApiKeys(t.db)).find((k) => k.keyId === created.key.keyId)?.lastUsedAt).toBeNull();
    await authenticateApiKey(t.db, created.key.keyId, created.secret);
    // The write is not awaited by the request; it lands right after.
    await expect
      .poll(async () => (await listApiKeys(t.db)).find((k) => k.keyId === created.key.keyId)?.lastUsedAt, { timeout: 5_000 })
      .toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it("revokes a key: it stops authenticating, the list shows when, and the audit log says who", async () => {
    const created = await createApiKey(t.db, admin, { name: "to revoke", role: "admin" });
    const revoked = await revokeApiKey(t.db, admin, created.key.keyId);
    expect(revoked.revokedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect((await listApiKeys(t.db)).find((k) => k.keyId === created.key.keyId)?.revokedAt).toBe(revoked.revokedAt);
    expect(await authenticateApiKey(t.db, created.key.keyId, created.secret)).toBeNull();
    const audit = await t.db.select().from(auditLog).where(eq(auditLog.target, created.key.keyId));
    expect(audit.map((a) => [a.action, a.detail])).toEqual([
      ["api_key.create", { name: "to revoke", role: "admin" }],
      ["api_key.revoke", { name: "to revoke", role: "admin" }],
    ]);
  });

  it("answers 404 for revoking a key that does not exist, and records nothing", async () => {
    await expect(revokeApiKey(t.db, admin, "ak_0000000000000000")).rejects.toMatchObject({ status: 404, code: "api_key_not_found" });
    expect(await t.db.select().from(auditLog).where(eq(auditLog.target, "ak_0000000000000000"))).toEqual([]);
  });

  it("lists keys newest first", async () => {
    const older = await createApiKey(t.db, admin, { name: "older", role: "viewer" });
    await new Promise((resolve) => setTimeout(resolve, 10));
    const newer = await createApiKey(t.db, admin, { name: "newer", role: "viewer" });
    const ids = (await listApiKeys(t.db)).map((k) => k.keyId);
    expect(ids.indexOf(newer.key.keyId)).toBeLessThan(ids.indexOf(older.key.keyId));
  });
});

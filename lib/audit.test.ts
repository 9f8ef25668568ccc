import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Db } from "@/lib/db/client";
import { describeEachDb } from "@/lib/db/test-databases";
import { auditLog, operators } from "@/lib/db/schema";
import { SYSTEM_ACTOR, type Actor } from "@/lib/auth/actor";
import { createApiKey, revokeApiKey } from "@/lib/auth/api-keys";
import { createOperator, updateOperator } from "@/lib/auth/operators";
import { createChannel, deleteChannel, updateChannel, type ChannelContext } from "@/lib/channels/channel-service";
import { createImport, requestImportCancel } from "@/lib/contacts/import-service";
import { errorReportWorkbook } from "@/lib/contacts/spreadsheets";
import { upsertUmsUsers } from "@/lib/contacts/ums-upsert";
import { listAuditLog } from "./audit-log-queries";
import { recordAudit } from "./audit";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "audit-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** An admin signed in from a known address: every row it causes must carry both. */
const admin: Actor & { kind: "operator" } = { kind: "operator", id: "", email: "admin@example.com", role: "admin", address: "203.0.113.7" };
const apiKey: Actor = { kind: "api_key", id: crypto.randomUUID(), keyId: "ak_0123456789abcdef", role: "operator", address: "2001:db8::5" };

/** The admin as a real account (API keys reference their creator). */
function withAdminAccount(t: { db: Db }) {
  beforeAll(async () => {
    admin.id = (await createOperator(t.db, SYSTEM_ACTOR("test"), { email: admin.email, password: "admin-password-1", role: "admin" })).id;
  });
}

describeEachDb("audit log: what is recorded", (t) => {
  withAdminAccount(t);
  const ctx = (): ChannelContext => ({ db: t.db, sealKey: crypto.randomBytes(32), publicUrl: "http://console.example" });
  const rowsFor = async (target: string) => (await listAuditLog(t.db, { limit: 200 })).items.filter((i) => i.target === target).reverse();

  it("stores the actor's address, and none for the system's own actions", async () => {
    await recordAudit(t.db, admin, "test.with_address", "a");
    await recordAudit(t.db, SYSTEM_ACTOR("cli"), "test.without_address", "b");
    expect(await rowsFor("a")).toEqual([expect.objectContaining({ actor: "operator:admin@example.com", address: "203.0.113.7" })]);
    expect(await rowsFor("b")).toEqual([expect.objectContaining({ actor: "system:cli", address: null })]);
  });

  it("records an operator's creation and each change with who, what, which and from where", async () => {
    const created = await createOperator(t.db, admin, { email: "Dana@Example.com", name: "Dana", password: "dana-password-1", role: "viewer" });
    await updateOperator(t.db, admin, created.id, { role: "operator" });
    await updateOperator(t.db, admin, created.id, { disabled: true, role: "operator" });
    expect(await rowsFor("dana@example.com")).toEqual([
      expect.objectContaining({ actor: "operator:admin@example.com", action: "operator.create", address: "203.0.113.7", detail: { name: "Dana", role: "viewer" } }),
      expect.objectContaining({ action: "operator.update", detail: expect.objectContaining({ changes: { role: { from: "viewer", to: "operator" } } }) }),
      expect.objectContaining({ action: "operator.update", detail: expect.objectContaining({ changes: { disabled: { from: false, to: true } } }) }),
    ]);
  });

  it("records API key creation and revocation with the key's name and role", async () => {
    const { key } = await createApiKey(t.db, admin, { name: "billing system", role: "operator" });
    await revokeApiKey(t.db, admin, key.keyId);
    expect(await rowsFor(key.keyId)).toEqual([
      expect.objectContaining({ action: "api_key.create", actor: "operator:admin@example.com", address: "203.0.113.7", detail: { name: "billing system", role: "operator" } }),
      expect.objectContaining({ action: "api_key.revoke", detail: { name: "billing system", role: "operator" } }),
    ]);
  });

  it("records a channel's creation, changes with old and new values, disabling, enabling and deletion", async () => {
    const c = ctx();
    const channel = await createChannel(c, admin, {
      type: "cmpp",
      name: "Carrier Z",
      provider: "china_mobile",
      host: "10.9.8.7",
      port: 7890,
      account: "901234",
      password: "first-pass",
      accessNumber: "1065712345",
      connections: 2,
    });
    await updateChannel(c, admin, channel.channelKey, { host: "10.9.8.8", password: "second-pass" });
    await updateChannel(c, admin, channel.channelKey, { enabled: false });
    await updateChannel(c, admin, channel.channelKey, { enabled: true, connections: 3 });
    // Nothing changes: nothing to record.
    await updateChannel(c, admin, channel.channelKey, { connections: 3, password: "" });
    await deleteChannel(c, admin, channel.channelKey);
    const rows = await rowsFor(channel.channelKey);
    expect(rows.map((r) => [r.action, r.detail])).toEqual([
      ["channel.create", { name: "Carrier Z", type: "cmpp" }],
      ["channel.update", { name: "Carrier Z", changes: { host: { from: "10.9.8.7", to: "10.9.8.8" } }, secretsChanged: ["password"] }],
      ["channel.disable", { name: "Carrier Z" }],
      ["channel.enable", { name: "Carrier Z" }],
      ["channel.update", { name: "Carrier Z", changes: { connections: { from: 2, to: 3 } }, secretsChanged: [] }],
      ["channel.delete", { name: "Carrier Z", type: "cmpp" }],
    ]);
    expect(new Set(rows.map((r) => `${r.actor} ${r.address}`))).toEqual(new Set(["operator:admin@example.com 203.0.113.7"]));
  });

  it("records a REST user upsert as one row with its counts, not one per user", async () => {
    const before = (await listAuditLog(t.db, { action: "user.upsert" })).items.length;
    const users = Array.from({ length: 30 }, (_, i) => ({ userid: `audited${i}`, phone: { all: `1380013${String(i).padStart(4, "0")}` } }));
    await upsertUmsUsers(t.db, apiKey, [...users, { userid: "bad", phone: { all: "123" } }]);
    await upsertUmsUsers(t.db, apiKey, [{ userid: "audited0", del: { phone: ["all"] } }, { userid: "audited1", phone: { all: "13800130001" } }]);
    const rows = (await listAuditLog(t.db, { action: "user.upsert" })).items;
    expect(rows).toHaveLength(before + 2);
    expect(rows[1]).toMatchObject({
      actor: "api_key:ak_0123456789abcdef",
      target: "users",
      address: "2001:db8::5",
      detail: { received: 31, inserted: 30, updated: 0, unchanged: 0, failed: 1, bindingsRemoved: 0 },
    });
    expect((rows[1]!.detail.userids as string[]).length).toBe(20);
    expect(rows[0]).toMatchObject({ detail: { received: 2, inserted: 0, updated: 1, unchanged: 1, failed: 0, bindingsRemoved: 1, userids: ["audited0", "audited1"] } });
  });

  it("records an import's creation, cancellation and each error-report download", async () => {
    const importId = crypto.randomUUID();
    const filePath = path.join(dir, `${t.kind}-users.csv`);
    fs.writeFileSync(filePath, "userid,phone\n");
    await createImport(t.db, apiKey, { importId, fileName: "users.csv", fileKind: "csv", filePath, fileSize: 13, dryRun: false });
    await requestImportCancel(t.db, admin, importId);
    const report = await errorReportWorkbook(t.db, admin, importId);
    for await (const _chunk of report) void _chunk;
    expect((await rowsFor(importId)).map((r) => [r.action, r.actor, r.detail])).toEqual([
      ["import.create", "api_key:ak_0123456789abcdef", { fileName: "users.csv", dryRun: false, fileSize: 13 }],
      ["import.cancel", "operator:admin@example.com", { fileName: "users.csv", status: "cancelled" }],
      ["import.errors_download", "operator:admin@example.com", { fileName: "users.csv" }],
    ]);
    // An unknown import is refused before anything is recorded.
    const unknown = crypto.randomUUID();
    await expect(errorReportWorkbook(t.db, admin, unknown)).rejects.toMatchObject({ status: 404 });
    expect(await rowsFor(unknown)).toEqual([]);
  });
});

describeEachDb("audit log: no secret in any row", (t) => {
  withAdminAccount(t);
  it("never holds a channel secret, a password, its hash or an API key secret", async () => {
    const c: ChannelContext = { db: t.db, sealKey: crypto.randomBytes(32), publicUrl: "http://console.example" };
    const secrets = {
      appKey: "5ec2e7a5ec2e7a5ec2e7a111",
      masterSecret: "f00dcafef00dcafef00d2222",
      newMasterSecret: "beefbeefbeefbeefbeef3333",
      cmppPassword: "Pa55-unique-cmpp!",
      newCmppPassword: "N3w-unique-cmpp?",
      operatorPassword: "operator-password-XYZZY",
    };
    const jsms = await createChannel(c, admin, { type: "jsms", name: "Secret J", appKey: secrets.appKey, masterSecret: secrets.masterSecret });
    await updateChannel(c, admin, jsms.channelKey, { masterSecret: secrets.newMasterSecret, name: "Secret J2" });
    const cmpp = await createChannel(c, admin, {
      type: "cmpp",
      name: "Secret C",
      provider: "other",
      host: "10.0.0.9",
      port: 443,
      account: "900001",
      password: secrets.cmppPassword,
      accessNumber: "10690000",
      connections: 1,
    });
    await updateChannel(c, admin, cmpp.channelKey, { password: secrets.newCmppPassword, enabled: false });
    const operator = await createOperator(t.db, admin, { email: "secretive@example.com", password: secrets.operatorPassword, role: "operator" });
    await updateOperator(t.db, admin, operator.id, { role: "admin" });
    const key = await createApiKey(t.db, admin, { name: "secret holder", role: "viewer" });
    const [stored] = await t.db.select({ hash: operators.passwordHash }).from(operators).where(eq(operators.id, operator.id));

    const everything = JSON.stringify(await t.db.select().from(auditLog));
    // The rows are there (so the search below searches something)…
    for (const action of ['"channel.update"', '"channel.disable"', '"operator.create"', '"operator.update"', '"api_key.create"']) {
      expect(everything).toContain(action);
    }
    expect(everything).toContain('"secretsChanged":["masterSecret"]');
    // …and none of them holds a secret.
    for (const secret of [...Object.values(secrets), stored!.hash, key.secret]) {
      expect(everything).not.toContain(secret);
    }
  });
});

import crypto from "node:crypto";
import { desc, eq } from "drizzle-orm";
import { expect, it } from "vitest";
import { describeEachDb } from "@/lib/db/test-databases";
import { channels, sends, auditLog } from "@/lib/db/schema";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { DomainError } from "@/lib/util/errors";
import {
  createChannel,
  deleteChannel,
  getChannel,
  listChannels,
  loadChannelForSending,
  updateChannel,
  type ChannelContext,
} from "./channel-service";

const actor = SYSTEM_ACTOR("test");
const jsmsInput = { type: "jsms", name: "Marketing", appKey: "dd1066407b044738b6479275", masterSecret: "2b38ce69b1de2a7fa95706ea" };
const cmppInput = {
  type: "cmpp",
  name: "Carrier A",
  provider: "china_mobile",
  host: "10.1.2.3",
  port: 7890,
  account: "901234",
  password: "s3cret!",
  accessNumber: "1065712345",
  connections: 4,
};

async function errorOf(promise: Promise<unknown>): Promise<DomainError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error("expected a DomainError");
}

describeEachDb("channel service", (t) => {
  const ctx = (): ChannelContext => ({ db: t.db, sealKey: crypto.randomBytes(32), publicUrl: "https://sms.example.com" });
  let c: ChannelContext;

  it("creates a JSMS channel with a key, a callback URL and no secret in its view", async () => {
    c = ctx();
    const view = await createChannel(c, actor, jsmsInput);
    expect(view.channelKey).toMatch(/^[a-z0-9]{10}$/);
    expect(view.type).toBe("jsms");
    if (view.type !== "jsms") throw new Error("type");
    expect(view.callbackUrl).toBe(`https://sms.example.com/api/jsms/callback/${view.channelKey}`);
    expect(view.warnings).toEqual([]);
    const json = JSON.stringify(view);
    expect(json).not.toContain(jsmsInput.masterSecret);
    expect(json).not.toContain(jsmsInput.appKey);
    // At rest the secrets are sealed, not stored in clear.
    const [row] = await t.db.select().from(channels).where(eq(channels.channelKey, view.channelKey));
    expect(row!.sealedSecrets).not.toContain(jsmsInput.masterSecret);
    expect(JSON.stringify(row!.config)).not.toContain(jsmsInput.masterSecret);
    const loaded = await loadChannelForSending(c, view.channelKey);
    expect(loaded.secrets).toEqual({ appKey: jsmsInput.appKey, masterSecret: jsmsInput.masterSecret });
  });

  it("creates a CMPP channel on port 7890 with the port warning and defaults", async () => {
    const view = await createChannel(c, actor, cmppInput);
    expect(view.warnings).toEqual([expect.objectContaining({ code: "port_needs_approval" })]);
    expect(view.config).toMatchObject({ port: 7890, version: "3.0", tpsPerConnection: 100, passwordSet: true, connections: 4 });
    expect(JSON.stringify(view)).not.toContain("s3cret!");
    const quiet = await createChannel(c, actor, { ...cmppInput, name: "Carrier B", port: 443 });
    expect(quiet.warnings).toEqual([]);
  });

  it("refuses a duplicate name (any case) with 409 and saves nothing", async () => {
    const before = (await listChannels(c)).length;
    const error = await errorOf(createChannel(c, actor, { ...jsmsInput, name: "marketing" }));
    expect(error.status).toBe(409);
    expect(error.code).toBe("channel_name_taken");
    expect((await listChannels(c)).length).toBe(before);
  });

  it("names every bad field with its rule", async () => {
    const error = await errorOf(
      createChannel(c, actor, { ...cmppInput, name: "Bad", host: "999.1.1.1", port: 70000, connections: 65, accessNumber: "10657abc", password: "" }),
    );
    expect(error.status).toBe(400);
    const byPath = Object.fromEntries(error.details.map((d) => [d.path, d.message]));
    expect(byPath).toMatchObject({
      host: "errors.host_invalid",
      port: "errors.port_range",
      connections: "errors.connections_range",
      accessNumber: "errors.access_number_format",
      password: "errors.password_required",
    });
    const jsms = await errorOf(createChannel(c, actor, { type: "jsms", name: "J", appKey: "xyz", masterSecret: "" }));
    expect(jsms.details.map((d) => d.path).sort()).toEqual(["appKey", "masterSecret"]);
  });

  it("keeps secrets that an update leaves out, and replaces those it gives", async () => {
    const created = await createChannel(c, actor, { ...cmppInput, name: "Carrier C" });
    const renamed = await updateChannel(c, actor, created.channelKey, { name: "Carrier C2", port: 443, password: "" });
    expect(renamed.name).toBe("Carrier C2");
    expect(renamed.warnings).toEqual([]);
    expect((await loadChannelForSending(c, created.channelKey)).secrets.password).toBe("s3cret!");
    await updateChannel(c, actor, created.channelKey, { password: "n3w-pass" });
    expect((await loadChannelForSending(c, created.channelKey)).secrets.password).toBe("n3w-pass");
    const audit = await t.db.select().from(auditLog).where(eq(auditLog.target, created.channelKey));
    expect(audit.map((a) => a.action)).toEqual(["channel.create", "channel.update", "channel.update"]);
    expect(JSON.stringify(audit)).not.toContain("n3w-pass");
  });

  it("validates the merged result of a partial update", async () => {
    const created = await createChannel(c, actor, { ...cmppInput, name: "Carrier D" });
    const error = await errorOf(updateChannel(c, actor, created.channelKey, { connections: 0 }));
    expect(error.details).toEqual([{ path: "connections", message: "errors.connections_range" }]);
    expect((await errorOf(updateChannel(c, actor, created.channelKey, ["port", 443]))).status).toBe(400);
    const typeChange = await errorOf(updateChannel(c, actor, created.channelKey, { type: "jsms" }));
    expect(typeChange.status).toBe(409);
    expect((await getChannel(c, created.channelKey)).config).toMatchObject({ connections: 4 });
  });

  it("round-trips the CMPP send settings through create, get and patch, keeping those a patch leaves out", async () => {
    const created = await createChannel(c, actor, {
      ...cmppInput,
      name: "Carrier S",
      defaultSignature: "【ACME】",
      resubmitUncertain: false,
      reportDeadlineSeconds: "3600",
      timestampUtcOffsetMinutes: 0,
    });
    const settings = { defaultSignature: "【ACME】", resubmitUncertain: false, reportDeadlineSeconds: 3600, timestampUtcOffsetMinutes: 0 };
    expect(created.config).toMatchObject(settings);
    expect((await getChannel(c, created.channelKey)).config).toMatchObject(settings);

    const renamed = await updateChannel(c, actor, created.channelKey, { name: "Carrier S2" });
    expect(renamed.config).toMatchObject(settings);
    const changed = await updateChannel(c, actor, created.channelKey, { resubmitUncertain: true, timestampUtcOffsetMinutes: -300 });
    expect(changed.config).toMatchObject({ ...settings, resubmitUncertain: true, timestampUtcOffsetMinutes: -300 });
    const cleared = await updateChannel(c, actor, created.channelKey, { defaultSignature: "" });
    expect((await getChannel(c, cleared.channelKey)).config).toMatchObject({ defaultSignature: "", reportDeadlineSeconds: 3600 });

    const bad = await errorOf(updateChannel(c, actor, created.channelKey, { defaultSignature: "ACME", reportDeadlineSeconds: 0 }));
    expect(bad.status).toBe(400);
    expect(bad.details).toEqual(
      expect.arrayContaining([
        { path: "defaultSignature", message: "errors.default_signature_format" },
        { path: "reportDeadlineSeconds", message: "errors.report_deadline_range" },
      ]),
    );
    expect((await getChannel(c, created.channelKey)).config).toMatchObject({ defaultSignature: "", reportDeadlineSeconds: 3600 });
    // The secret is untouched by settings-only patches.
    expect((await loadChannelForSending(c, created.channelKey)).secrets.password).toBe("s3cret!");
  });

  it("round-trips a JSMS report deadline, and a patch of the secrets keeps it", async () => {
    const created = await createChannel(c, actor, { ...jsmsInput, name: "Deadline", reportDeadlineSeconds: 86_400 });
    expect(created.config).toEqual({ appKeyHint: "dd10…9275", appKeySet: true, masterSecretSet: true, reportDeadlineSeconds: 86_400 });
    const rekeyed = await updateChannel(c, actor, created.channelKey, { masterSecret: "0123456789abcdef01234567" });
    expect(rekeyed.config.reportDeadlineSeconds).toBe(86_400);
    const changed = await updateChannel(c, actor, created.channelKey, { reportDeadlineSeconds: 120 });
    expect((await getChannel(c, changed.channelKey)).config.reportDeadlineSeconds).toBe(120);
    const plain = await createChannel(c, actor, { ...jsmsInput, name: "Deadline default" });
    expect(plain.config.reportDeadlineSeconds).toBe(259_200);
  });

  it("shows a channel saved before the send settings existed with their defaults, and a rename audits no setting", async () => {
    const created = await createChannel(c, actor, { ...cmppInput, name: "Old carrier", defaultSignature: "【ACME】" });
    const [row] = await t.db.select().from(channels).where(eq(channels.channelKey, created.channelKey));
    const { defaultSignature: _s, resubmitUncertain: _r, reportDeadlineSeconds: _d, timestampUtcOffsetMinutes: _o, ...before } = row!.config;
    await t.db.update(channels).set({ config: before }).where(eq(channels.id, row!.id));

    const defaults = { defaultSignature: "", resubmitUncertain: true, reportDeadlineSeconds: 259_200, timestampUtcOffsetMinutes: 480 };
    expect((await getChannel(c, created.channelKey)).config).toMatchObject(defaults);
    expect((await listChannels(c)).find((v) => v.channelKey === created.channelKey)!.config).toMatchObject(defaults);

    await updateChannel(c, actor, created.channelKey, { name: "Old carrier 2" });
    const [stored] = await t.db.select().from(channels).where(eq(channels.id, row!.id));
    expect(stored!.config).toMatchObject(defaults);
    const [audit] = await t.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.target, created.channelKey))
      .orderBy(desc(auditLog.id))
      .limit(1);
    expect(audit!.action).toBe("channel.update");
    expect(Object.keys((audit!.detail as { changes: object }).changes)).toEqual(["name"]);

    const [oldJsms] = await t.db
      .insert(channels)
      .values({
        id: crypto.randomUUID(),
        channelKey: "oldjsms234",
        name: "Old JSMS",
        type: "jsms",
        config: { appKeyHint: "dd10…9275", appKeySet: true, masterSecretSet: true },
        sealedSecrets: "",
      })
      .returning();
    expect((await getChannel(c, oldJsms!.channelKey)).config).toMatchObject({ reportDeadlineSeconds: 259_200 });
  });

  it("answers 404 for an unknown key", async () => {
    expect((await errorOf(getChannel(c, "nosuchkey0"))).status).toBe(404);
    expect((await errorOf(deleteChannel(c, actor, "nosuchkey0"))).status).toBe(404);
  });

  it("deletes a channel that never sent, and refuses one that did", async () => {
    const unused = await createChannel(c, actor, { ...jsmsInput, name: "Unused" });
    await deleteChannel(c, actor, unused.channelKey);
    expect((await errorOf(getChannel(c, unused.channelKey))).status).toBe(404);

    const used = await createChannel(c, actor, { ...jsmsInput, name: "Used" });
    const [row] = await t.db.select().from(channels).where(eq(channels.channelKey, used.channelKey));
    await t.db.insert(sends).values({ channelId: row!.id, createdBy: "test" });
    const error = await errorOf(deleteChannel(c, actor, used.channelKey));
    expect(error.status).toBe(409);
    expect(error.code).toBe("channel_has_sent");
    expect((await getChannel(c, used.channelKey)).name).toBe("Used");
  });
});

import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq, like } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { describeEachDb } from "@/lib/db/test-databases";
import { openDatabase, runMigrations } from "@/lib/db/client";
import { channels } from "@/lib/db/schema";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { readServerEnv } from "@/lib/config/env";
import { getSecrets, startRuntime } from "@/lib/server/runtime";
import { createChannel, loadChannelForSending, updateChannel, type ChannelContext } from "./channel-service";
import { resealLegacyChannelSecrets } from "./legacy-secret-reseal";

const actor = SYSTEM_ACTOR("test");
/** JSMS input with this channel's own 24-hex-digit AppKey and MasterSecret. */
const jsms = (name: string) => {
  const hex = crypto.createHash("sha256").update(name).digest("hex");
  return { type: "jsms", name, appKey: hex.slice(0, 24), masterSecret: hex.slice(24, 48) };
};

/** A v1 blob as earlier versions wrote it: AES-256-GCM without associated data. */
function sealV1(key: Buffer, secrets: Record<string, string>): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv("aes-256-gcm", key, iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(secrets), "utf8"), cipher.final()]);
  return "v1." + Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url");
}

describeEachDb("sealed channel secrets at rest", (t) => {
  const key = crypto.randomBytes(32);
  const ctx = (): ChannelContext => ({ db: t.db, sealKey: key, publicUrl: "https://sms.example.com" });

  async function rowOf(channelKey: string) {
    const [row] = await t.db.select().from(channels).where(eq(channels.channelKey, channelKey));
    return row!;
  }

  /** Puts a channel back the way an earlier version stored it. */
  async function makeLegacy(channelKey: string, secrets: Record<string, string>) {
    await t.db.update(channels).set({ sealedSecrets: sealV1(key, secrets) }).where(eq(channels.channelKey, channelKey));
  }

  it("binds a channel's sealed secrets to its row: copied onto another channel they do not open", async () => {
    const a = await createChannel(ctx(), actor, jsms("Bound A"));
    const b = await createChannel(ctx(), actor, jsms("Bound B"));
    expect((await rowOf(a.channelKey)).sealedSecrets).toMatch(/^v2\./);
    await t.db
      .update(channels)
      .set({ sealedSecrets: (await rowOf(a.channelKey)).sealedSecrets })
      .where(eq(channels.channelKey, b.channelKey));
    await expect(loadChannelForSending(ctx(), b.channelKey)).rejects.toThrow(/do not open/);
    await expect(updateChannel(ctx(), actor, b.channelKey, { masterSecret: "0123456789abcdef01234567" })).rejects.toThrow(/do not open/);
    expect((await loadChannelForSending(ctx(), a.channelKey)).secrets.masterSecret).toBe(jsms("Bound A").masterSecret);
  });

  it("reseals v1 rows as v2 in one pass; the secrets stay readable and no v1 row is left", async () => {
    const inputs = [jsms("Legacy A"), jsms("Legacy B"), jsms("Legacy C")];
    const created = [];
    for (const input of inputs) {
      const view = await createChannel(ctx(), actor, input);
      await makeLegacy(view.channelKey, { appKey: input.appKey, masterSecret: input.masterSecret });
      created.push(view);
    }
    const current = await createChannel(ctx(), actor, jsms("Already v2"));
    const currentBlob = (await rowOf(current.channelKey)).sealedSecrets;
    await expect(loadChannelForSending(ctx(), created[0]!.channelKey)).rejects.toThrow(/v1/);

    const result = await resealLegacyChannelSecrets(t.db, key);

    expect(result).toEqual({ resealed: 3, unreadable: [] });
    expect(await t.db.select().from(channels).where(like(channels.sealedSecrets, "v1.%"))).toEqual([]);
    for (const [i, view] of created.entries()) {
      const loaded = await loadChannelForSending(ctx(), view.channelKey);
      expect(loaded.secrets).toEqual({ appKey: inputs[i]!.appKey, masterSecret: inputs[i]!.masterSecret });
    }
    expect((await rowOf(current.channelKey)).sealedSecrets).toBe(currentBlob);
    // Bound to their own rows now: a resealed blob moved to another channel does not open there.
    await t.db
      .update(channels)
      .set({ sealedSecrets: (await rowOf(created[0]!.channelKey)).sealedSecrets })
      .where(eq(channels.channelKey, created[1]!.channelKey));
    await expect(loadChannelForSending(ctx(), created[1]!.channelKey)).rejects.toThrow(/do not open/);
    expect(await resealLegacyChannelSecrets(t.db, key)).toEqual({ resealed: 0, unreadable: [] });
  });

  it("leaves a v1 row that this key cannot open as it was and reseals the others", async () => {
    const foreign = await createChannel(ctx(), actor, jsms("Foreign key"));
    const readable = await createChannel(ctx(), actor, jsms("Readable"));
    const foreignBlob = sealV1(crypto.randomBytes(32), { appKey: "x", masterSecret: "y" });
    await t.db.update(channels).set({ sealedSecrets: foreignBlob }).where(eq(channels.channelKey, foreign.channelKey));
    await makeLegacy(readable.channelKey, { appKey: jsms("Readable").appKey, masterSecret: jsms("Readable").masterSecret });

    const result = await resealLegacyChannelSecrets(t.db, key);

    expect(result).toEqual({ resealed: 1, unreadable: [foreign.channelKey] });
    expect((await rowOf(foreign.channelKey)).sealedSecrets).toBe(foreignBlob);
    expect((await loadChannelForSending(ctx(), readable.channelKey)).secrets.masterSecret).toBe(jsms("Readable").masterSecret);
  });
});

describe("console start-up", () => {
  it("reseals v1 channel secrets before the console serves", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "reseal-startup-"));
    try {
      const env = readServerEnv({ NODE_ENV: "test", DATA_DIR: dataDir, APP_SECRET: "start-up-test-secret-0123456789-0123456789" });
      const { sealKey } = getSecrets(env);
      const secrets = { password: "carrier-pass-0123" };
      const before = await openDatabase({ dataDir: env.dataDir });
      await runMigrations(before);
      await before.db.insert(channels).values({
        channelKey: "legacy0001",
        name: "Legacy at start-up",
        type: "cmpp",
        config: {},
        sealedSecrets: sealV1(sealKey, secrets),
      });
      await before.close();

      const runtime = await startRuntime(env);
      try {
        const loaded = await loadChannelForSending(
          { db: runtime.db, sealKey: runtime.sealKey, publicUrl: env.publicUrl },
          "legacy0001",
        );
        expect(loaded.row.sealedSecrets).toMatch(/^v2\./);
        expect(loaded.secrets).toEqual(secrets);
      } finally {
        await runtime.handle.close();
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

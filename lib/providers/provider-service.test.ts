import { eq } from "drizzle-orm";
import { expect, it } from "vitest";
import { SYSTEM_ACTOR } from "@/lib/auth/actor";
import { createChannel, getChannel, updateChannel, type ChannelContext } from "@/lib/channels/channel-service";
import { providers } from "@/lib/db/schema";
import { describeEachDb } from "@/lib/db/test-databases";
import { DomainError } from "@/lib/util/errors";
import { getProvider, listProviders, resolveProviderForChannel } from "./provider-service";
import { seedCodesFor } from "./receipt-code-seeds";
import { getProviderCodes } from "./receipt-code-service";

const actor = SYSTEM_ACTOR("test");
const cmpp = {
  type: "cmpp",
  host: "10.1.2.3",
  port: 443,
  account: "901234",
  password: "s3cret!",
  accessNumber: "1065712345",
  connections: 1,
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

describeEachDb("providers: resolving a channel's provider", (t) => {
  const ctx = (): ChannelContext => ({ db: t.db, sealKey: Buffer.alloc(32, 3), publicUrl: "http://console.test" });

  it("takes the preset ids as they are, and the presets' names in English and Chinese, in any case", async () => {
    for (const id of ["china_mobile", "china_unicom", "china_telecom", "other"]) expect(await resolveProviderForChannel(t.db, id)).toBe(id);
    expect(await resolveProviderForChannel(t.db, "China Mobile")).toBe("china_mobile");
    expect(await resolveProviderForChannel(t.db, "  china unicom ")).toBe("china_unicom");
    expect(await resolveProviderForChannel(t.db, "CHINA TELECOM")).toBe("china_telecom");
    expect(await resolveProviderForChannel(t.db, "中国移动")).toBe("china_mobile");
    expect(await resolveProviderForChannel(t.db, "中国联通")).toBe("china_unicom");
    expect(await resolveProviderForChannel(t.db, "中国电信")).toBe("china_telecom");
    expect(await resolveProviderForChannel(t.db, "Other")).toBe("other");
  });

  it("adds a provider for a new name, with a generated id and the aggregator seed codes, and finds it again by name or id", async () => {
    const before = (await t.db.select().from(providers)).length;
    const id = await resolveProviderForChannel(t.db, "梦网科技");
    expect(id).toMatch(/^p_[0-9a-f]{10}$/);
    const provider = await getProvider(t.db, id);
    expect(provider).toMatchObject({ providerId: id, name: "梦网科技", preset: false, kind: "cmpp", channels: [] });
    const codes = await getProviderCodes(t.db, id);
    expect(codes.map((c) => c.code).sort()).toEqual(seedCodesFor({ id, kind: "cmpp" }).map((c) => c.code).sort());
    expect(codes.map((c) => c.code)).toContain("HIGRISK");

    expect(await resolveProviderForChannel(t.db, "梦网科技")).toBe(id);
    expect(await resolveProviderForChannel(t.db, id)).toBe(id);
    expect(await resolveProviderForChannel(t.db, "Aggregator X")).toBe(await resolveProviderForChannel(t.db, "aggregator x"));
    expect((await t.db.select().from(providers)).length).toBe(before + 2);
  });

  it("takes names that are also names on Object's prototype as new providers", async () => {
    for (const name of ["constructor", "__proto__", "toString"]) {
      const id = await resolveProviderForChannel(t.db, name);
      expect(id).toMatch(/^p_[0-9a-f]{10}$/);
      expect(await getProvider(t.db, id)).toMatchObject({ name, preset: false, kind: "cmpp" });
    }
  });

  it("refuses JSMS as a CMPP channel's provider", async () => {
    for (const name of ["jsms", "JSMS"]) {
      const error = await errorOf(resolveProviderForChannel(t.db, name));
      expect(error.status).toBe(400);
      expect(error.details).toEqual([{ path: "provider", message: "providers.errors.jsms_not_cmpp" }]);
    }
  });

  it("stores the provider's id in a channel, answers its name beside it, and keeps it through a PATCH", async () => {
    const preset = await createChannel(ctx(), actor, { ...cmpp, name: "Preset gateway", provider: "china_unicom" });
    expect(preset.type === "cmpp" && preset.config).toMatchObject({ provider: "china_unicom", providerName: "China Unicom" });

    const named = await createChannel(ctx(), actor, { ...cmpp, name: "Named gateway", provider: "Montnets 梦网" });
    if (named.type !== "cmpp") throw new Error("cmpp expected");
    expect(named.config.provider).toMatch(/^p_[0-9a-f]{10}$/);
    expect(named.config.providerName).toBe("Montnets 梦网");
    await updateChannel(ctx(), actor, named.channelKey, { connections: 2 });
    const after = await getChannel(ctx(), named.channelKey);
    expect(after.type === "cmpp" && after.config).toMatchObject({ provider: named.config.provider, providerName: "Montnets 梦网", connections: 2 });
    await updateChannel(ctx(), actor, named.channelKey, { provider: "中国移动" });
    const moved = await getChannel(ctx(), named.channelKey);
    expect(moved.type === "cmpp" && moved.config).toMatchObject({ provider: "china_mobile", providerName: "China Mobile" });

    const listed = await listProviders(t.db);
    expect(listed.find((p) => p.providerId === "china_unicom")?.channels).toContain(preset.channelKey);
    expect(listed.find((p) => p.providerId === named.config.provider)?.channels).toEqual([]);
    expect(listed.find((p) => p.providerId === "china_mobile")?.channels).toContain(named.channelKey);
    expect(listed.slice(0, 5).map((p) => p.providerId)).toEqual(["china_mobile", "china_unicom", "china_telecom", "other", "jsms"]);
  });

  it("refuses a provider name of 65 characters, and a channel refused for another reason adds no provider", async () => {
    const long = await errorOf(createChannel(ctx(), actor, { ...cmpp, name: "Too long", provider: "x".repeat(65) }));
    expect(long.status).toBe(400);
    expect(long.details).toEqual([{ path: "provider", message: "channels.providerErrors.too_long" }]);
    const ok = await createChannel(ctx(), actor, { ...cmpp, name: "Just right", provider: "y".repeat(64) });
    expect(ok.type === "cmpp" && ok.config.providerName).toBe("y".repeat(64));
    expect((await errorOf(createChannel(ctx(), actor, { ...cmpp, name: "Blank", provider: "  " }))).details).toEqual([
      { path: "provider", message: "channels.providerErrors.required" },
    ]);

    const taken = await errorOf(createChannel(ctx(), actor, { ...cmpp, name: "Just right", provider: "Rolled Back Aggregator" }));
    expect(taken.code).toBe("channel_name_taken");
    expect(await t.db.select().from(providers).where(eq(providers.name, "Rolled Back Aggregator"))).toEqual([]);
  });

  it("answers 404 for an unknown provider", async () => {
    expect((await errorOf(getProvider(t.db, "p_ffffffffff"))).code).toBe("provider_not_found");
    expect((await errorOf(getProviderCodes(t.db, "p_ffffffffff"))).status).toBe(404);
  });
});

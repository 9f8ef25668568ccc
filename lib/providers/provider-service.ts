import crypto from "node:crypto";
import { asc, eq, sql } from "drizzle-orm";
import type { Db } from "@/lib/db/client";
import { channels, providers, receiptCodes } from "@/lib/db/schema";
import { NotFoundError, ValidationError } from "@/lib/util/errors";
import { CMPP_PRESET_IDS, PRESET_PROVIDER_IDS } from "./receipt-code-seeds";
import { insertSeedCodes } from "./seed-receipt-codes";

/** What the console and the REST API show of a provider. */
export interface ProviderView {
  providerId: string;
  name: string;
  preset: boolean;
  kind: "cmpp" | "jsms";
  /** The channels it serves (channel keys, oldest channel first): CMPP channels naming it; every JSMS channel for JSMS. */
  channels: string[];
  /** How many codes its dictionary holds. */
  codeCount: number;
}

/** The preset names in Chinese, which name the same providers as their English names. */
const PRESET_NAMES_ZH: Readonly<Record<string, (typeof CMPP_PRESET_IDS)[number]>> = {
  中国移动: "china_mobile",
  中国联通: "china_unicom",
  中国电信: "china_telecom",
  其他: "other",
};

const PRESET_ORDER = new Map<string, number>(PRESET_PROVIDER_IDS.map((id, index) => [id, index]));

export function isCmppPresetId(value: string): value is (typeof CMPP_PRESET_IDS)[number] {
  return (CMPP_PRESET_IDS as readonly string[]).includes(value);
}

/** A provider name as stored and compared: Unicode-normalised, trimmed. */
export function normalizeProviderName(raw: string): string {
  return raw.normalize("NFC").trim();
}

/** Every provider: presets first (carriers, Other, JSMS), then the others by name. */
export async function listProviders(db: Db): Promise<ProviderView[]> {
  const [rows, counts, channelRows] = await Promise.all([
    db.select().from(providers),
    db
      .select({ providerId: receiptCodes.providerId, n: sql<number>`count(*)::int` })
      .from(receiptCodes)
      .groupBy(receiptCodes.providerId),
    db
      .select({ channelKey: channels.channelKey, type: channels.type, provider: sql<string | null>`${channels.config}->>'provider'` })
      .from(channels)
      .orderBy(asc(channels.createdAt)),
  ]);
  const codeCount = new Map(counts.map((row) => [row.providerId, Number(row.n)]));
  const served = new Map<string, string[]>();
  for (const channel of channelRows) {
    const providerId = channel.type === "jsms" ? "jsms" : (channel.provider ?? "other");
    served.set(providerId, [...(served.get(providerId) ?? []), channel.channelKey]);
  }
  return rows
    .map(
      (row): ProviderView => ({
        providerId: row.id,
        name: row.name,
        preset: row.preset,
        kind: row.kind,
        channels: served.get(row.id) ?? [],
        codeCount: codeCount.get(row.id) ?? 0,
      }),
    )
    .sort(byPresetThenName);
}

function byPresetThenName(a: ProviderView, b: ProviderView): number {
  const pa = PRESET_ORDER.get(a.providerId) ?? Number.MAX_SAFE_INTEGER;
  const pb = PRESET_ORDER.get(b.providerId) ?? Number.MAX_SAFE_INTEGER;
  if (pa !== pb) return pa - pb;
  return a.name.localeCompare(b.name, "zh-CN");
}

export function providerNotFound(providerId: string): NotFoundError {
  return new NotFoundError("provider_not_found", `No provider with the id ${providerId}.`);
}

export async function getProvider(db: Db, providerId: string): Promise<ProviderView> {
  const found = (await listProviders(db)).find((provider) => provider.providerId === providerId);
  if (!found) throw providerNotFound(providerId);
  return found;
}

/** The provider row, or a 404; `lock` holds it for the caller's transaction (dictionary writes). */
export async function findProviderRow(db: Db, providerId: string, lock = false): Promise<typeof providers.$inferSelect> {
  const query = db.select().from(providers).where(eq(providers.id, providerId));
  const [row] = lock ? await query.for("update") : await query;
  if (!row) throw providerNotFound(providerId);
  return row;
}

/** providers.id → name, for channel views. */
export async function providerNames(db: Db): Promise<Map<string, string>> {
  const rows = await db.select({ id: providers.id, name: providers.name }).from(providers);
  return new Map(rows.map((row) => [row.id, row.name]));
}

function notForCmpp(name: string): ValidationError {
  return new ValidationError(`"${name}" is the JSMS provider; a CMPP channel names its carrier or aggregator.`, [
    { path: "provider", message: "providers.errors.jsms_not_cmpp" },
  ]);
}

/** `p_` and 10 hex digits: never one of the preset ids, usable in a URL as it is. */
function newProviderId(): string {
  return `p_${crypto.randomBytes(5).toString("hex")}`;
}

/**
 * The providers.id a CMPP channel's `provider` names, creating the provider when the name is new:
 * - a preset id (`china_mobile`, `china_unicom`, `china_telecom`, `other`): that preset;
 * - the id of an existing CMPP provider (what a channel's config holds and GET answers, so a
 *   PATCH that leaves the provider as it was keeps it);
 * - a name, matched case-insensitively to an existing provider ("china mobile", and the presets'
 *   Chinese names 中国移动, 中国联通, 中国电信, 其他);
 * - otherwise a new provider with that name, a generated id and the seed codes of a provider
 *   added by name.
 * Call it inside the channel's transaction: a channel that is then refused takes its new
 * provider with it. The input is already checked by the channel schema (1–64 characters).
 */
export async function resolveProviderForChannel(db: Db, input: string): Promise<string> {
  const name = normalizeProviderName(input);
  if (isCmppPresetId(name)) return name;
  // Own keys only: a provider named "constructor" or "__proto__" is a name like any other.
  if (Object.hasOwn(PRESET_NAMES_ZH, name)) return PRESET_NAMES_ZH[name]!;

  const [byId] = await db.select({ id: providers.id, kind: providers.kind }).from(providers).where(eq(providers.id, name));
  if (byId) {
    if (byId.kind !== "cmpp") throw notForCmpp(name);
    return byId.id;
  }
  const existing = await findByName(db, name);
  if (existing) {
    if (existing.kind !== "cmpp") throw notForCmpp(name);
    return existing.id;
  }
  const [created] = await db
    .insert(providers)
    .values({ id: newProviderId(), name, kind: "cmpp", preset: false })
    .onConflictDoNothing()
    .returning({ id: providers.id, kind: providers.kind });
  if (!created) {
    // Another request added the same name a moment ago (the unique index on lower(name)).
    const raced = await findByName(db, name);
    if (!raced) throw new Error(`provider "${name}" was neither inserted nor found`);
    if (raced.kind !== "cmpp") throw notForCmpp(name);
    return raced.id;
  }
  await insertSeedCodes(db, [created]);
  return created.id;
}

async function findByName(db: Db, name: string): Promise<{ id: string; kind: "cmpp" | "jsms" } | undefined> {
  const [row] = await db
    .select({ id: providers.id, kind: providers.kind })
    .from(providers)
    .where(sql`lower(${providers.name}) = lower(${name})`);
  return row;
}

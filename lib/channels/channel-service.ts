import crypto from "node:crypto";
import { asc, eq } from "drizzle-orm";
import type { Db } from "@/lib/db/client";
import { channels } from "@/lib/db/schema";
import { recordAudit } from "@/lib/audit";
import { auditChanges } from "@/lib/audit-changes";
import type { Actor } from "@/lib/auth/actor";
import {
  ConflictError,
  NotFoundError,
  ValidationError,
  isForeignKeyViolation,
  isUniqueViolation,
} from "@/lib/util/errors";
import { parseOrThrow } from "@/lib/util/zod";
import {
  SECRET_FIELDS,
  channelCreateSchema,
  channelUpdateSchema,
  type ChannelCreateInput,
  type ChannelType,
  type ChannelUpdateInput,
} from "./channel-schema";
import { providerNames, resolveProviderForChannel } from "@/lib/providers/provider-service";
import { hintForKey, type ChannelView, type CmppPublicConfig, type CmppStoredConfig, type JsmsPublicConfig } from "./channel-view";
import { portNeedsApproval, type ChannelWarning } from "./port-policy";
import { sealSecrets, unsealSecrets } from "./secret-sealing";
import { sendSettingsOf } from "./send-settings";

/** What the channel service needs from its surroundings. */
export interface ChannelContext {
  db: Db;
  sealKey: Buffer;
  /** PUBLIC_URL, for the JSMS receipt callback URL operators paste into Jiguang's console. */
  publicUrl: string;
}

type ChannelRow = typeof channels.$inferSelect;

export function callbackUrlFor(publicUrl: string, channelKey: string): string {
  return `${publicUrl}/api/jsms/callback/${channelKey}`;
}

export function channelWarnings(type: ChannelType, config: Record<string, unknown>): ChannelWarning[] {
  if (type === "cmpp" && typeof config.port === "number" && portNeedsApproval(config.port)) {
    return [
      {
        code: "port_needs_approval",
        message: `Port ${config.port} is not one of 80, 443, 25 or 465: explain this port to business support so the firewall rule is approved.`,
      },
    ];
  }
  return [];
}

/**
 * The stored config with the send settings in effect: a channel saved before a setting existed
 * shows (and is audited with) its default, exactly what the dispatcher reads.
 */
function configInEffect(row: Pick<ChannelRow, "type" | "config">): JsmsPublicConfig | CmppStoredConfig {
  const settings = sendSettingsOf(row);
  if (row.type === "jsms") {
    return { ...(row.config as unknown as JsmsPublicConfig), reportDeadlineSeconds: settings.reportDeadlineSeconds };
  }
  return { ...(row.config as unknown as CmppStoredConfig), ...settings };
}

/** providers.id → name, as toView needs it. */
type ProviderNames = ReadonlyMap<string, string>;

function toView(ctx: ChannelContext, row: ChannelRow, names: ProviderNames): ChannelView {
  const base = {
    channelKey: row.channelKey,
    name: row.name,
    enabled: row.enabled,
    warnings: channelWarnings(row.type, row.config),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
  if (row.type === "jsms") {
    return {
      ...base,
      type: "jsms",
      config: configInEffect(row) as JsmsPublicConfig,
      callbackUrl: callbackUrlFor(ctx.publicUrl, row.channelKey),
    };
  }
  const config = configInEffect(row) as CmppStoredConfig;
  const providerName = names.get(config.provider) ?? config.provider;
  return { ...base, type: "cmpp", config: { ...config, providerName } satisfies CmppPublicConfig };
}

/** Splits validated input into what may be shown (config) and what gets sealed (secrets). */
function splitInput(input: ChannelCreateInput): { config: Record<string, unknown>; secrets: Record<string, string> } {
  if (input.type === "jsms") {
    const config: JsmsPublicConfig = {
      appKeyHint: hintForKey(input.appKey!),
      appKeySet: true,
      masterSecretSet: true,
      reportDeadlineSeconds: input.reportDeadlineSeconds,
    };
    return { config: { ...config }, secrets: { appKey: input.appKey!, masterSecret: input.masterSecret! } };
  }
  const { password, name: _name, type: _type, ...rest } = input;
  const config: CmppStoredConfig = { ...rest, passwordSet: true };
  return { config: { ...config }, secrets: { password: password! } };
}

/**
 * A CMPP channel stores the providers.id its `provider` names (a preset id, an existing provider's
 * id or name, or a new name, which adds that provider with its seed codes), inside the channel's
 * own transaction.
 */
async function resolveProvider(tx: Db, input: ChannelCreateInput, config: Record<string, unknown>): Promise<void> {
  if (input.type === "cmpp") config.provider = await resolveProviderForChannel(tx, input.provider);
}

/** Channel keys: 10 characters, lowercase letters and digits; usable as a JSON key and an Excel header. */
const KEY_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789";
function newChannelKey(): string {
  const bytes = crypto.randomBytes(10);
  return Array.from(bytes, (b) => KEY_ALPHABET[b % KEY_ALPHABET.length]).join("");
}

function nameTaken(name: string): ConflictError {
  return new ConflictError("channel_name_taken", `A channel named "${name}" already exists.`, [
    { path: "name", message: "errors.name_taken" },
  ]);
}

export async function listChannels(ctx: ChannelContext): Promise<ChannelView[]> {
  const [rows, names] = await Promise.all([ctx.db.select().from(channels).orderBy(asc(channels.createdAt)), providerNames(ctx.db)]);
  return rows.map((row) => toView(ctx, row, names));
}

async function findRow(db: Db, channelKey: string, lock = false): Promise<ChannelRow> {
  const query = db.select().from(channels).where(eq(channels.channelKey, channelKey));
  const [row] = lock ? await query.for("update") : await query;
  if (!row) throw new NotFoundError("channel_not_found", `No channel with the key ${channelKey}.`);
  return row;
}

export async function getChannel(ctx: ChannelContext, channelKey: string): Promise<ChannelView> {
  const [row, names] = await Promise.all([findRow(ctx.db, channelKey), providerNames(ctx.db)]);
  return toView(ctx, row, names);
}

export async function createChannel(ctx: ChannelContext, actor: Actor, input: unknown): Promise<ChannelView> {
  const parsed = parseOrThrow(channelCreateSchema, input);
  const { config, secrets } = splitInput(parsed);
  // The id is the sealed secrets' associated data, so it is chosen here rather than by the database.
  const id = crypto.randomUUID();
  const sealedSecrets = sealSecrets(ctx.sealKey, id, secrets);
  try {
    return await ctx.db.transaction(async (tx) => {
      await resolveProvider(tx, parsed, config);
      const [row] = await tx
        .insert(channels)
        .values({ id, channelKey: newChannelKey(), name: parsed.name, type: parsed.type, config, sealedSecrets })
        .returning();
      await recordAudit(tx, actor, "channel.create", row!.channelKey, { name: parsed.name, type: parsed.type });
      return toView(ctx, row!, await providerNames(tx));
    });
  } catch (error) {
    if (isUniqueViolation(error, "channels_name_lower_idx")) throw nameTaken(parsed.name);
    throw error;
  }
}

/**
 * Applies a partial change. The stored public fields are merged with the patch and the result is
 * validated as a whole with the same schema as create, so a PATCH can never leave a channel in a
 * state create would refuse. Secrets left out (or empty) keep their sealed value.
 */
export async function updateChannel(
  ctx: ChannelContext,
  actor: Actor,
  channelKey: string,
  body: unknown,
): Promise<ChannelView> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ValidationError("The body must be a JSON object of the fields to change.", []);
  }
  const patch = body as Record<string, unknown>;
  try {
    return await ctx.db.transaction(async (tx) => {
      const row = await findRow(tx, channelKey, true);
      if (patch.type !== undefined && patch.type !== row.type) {
        throw new ConflictError("channel_type_fixed", "A channel's type cannot be changed; create a new channel instead.", [
          { path: "type", message: "errors.type_fixed" },
        ]);
      }
      const merged = { ...row.config, name: row.name, ...patch, type: row.type };
      const parsed: ChannelUpdateInput = parseOrThrow(channelUpdateSchema, merged);
      const stored = unsealSecrets(ctx.sealKey, row.id, row.sealedSecrets);
      const secrets: Record<string, string> = {};
      for (const field of SECRET_FIELDS[row.type]) {
        const given = (parsed as Record<string, unknown>)[field];
        secrets[field] = typeof given === "string" && given !== "" ? given : stored[field]!;
      }
      const complete = parseOrThrow(channelCreateSchema, { ...parsed, ...secrets });
      const { config } = splitInput(complete);
      await resolveProvider(tx, complete, config);
      const enabled = typeof patch.enabled === "boolean" ? patch.enabled : row.enabled;
      const changedSecrets = SECRET_FIELDS[row.type].filter((f) => secrets[f] !== stored[f]);
      const [updated] = await tx
        .update(channels)
        .set({
          name: complete.name,
          config,
          enabled,
          sealedSecrets: changedSecrets.length ? sealSecrets(ctx.sealKey, row.id, secrets) : row.sealedSecrets,
          updatedAt: new Date(),
        })
        .where(eq(channels.id, row.id))
        .returning();
      // Public fields with their old and new values; secrets by name only, their values stay sealed.
      const before: Record<string, unknown> = { name: row.name, ...configInEffect(row) };
      const after = { name: complete.name, ...config };
      const changes = auditChanges(before, after, [...new Set([...Object.keys(before), ...Object.keys(after)])]);
      if (enabled !== row.enabled) {
        await recordAudit(tx, actor, enabled ? "channel.enable" : "channel.disable", channelKey, { name: complete.name });
      }
      if (Object.keys(changes).length > 0 || changedSecrets.length > 0) {
        await recordAudit(tx, actor, "channel.update", channelKey, { name: complete.name, changes, secretsChanged: changedSecrets });
      }
      return toView(ctx, updated!, await providerNames(tx));
    });
  } catch (error) {
    if (isUniqueViolation(error, "channels_name_lower_idx")) throw nameTaken(String(patch.name ?? ""));
    throw error;
  }
}

/**
 * Deletes a channel that never sent. One that did is kept for its history: the sends table's
 * foreign key refuses the delete, and the operator is told to disable it instead.
 */
export async function deleteChannel(ctx: ChannelContext, actor: Actor, channelKey: string): Promise<void> {
  try {
    await ctx.db.transaction(async (tx) => {
      const row = await findRow(tx, channelKey, true);
      await tx.delete(channels).where(eq(channels.id, row.id));
      await recordAudit(tx, actor, "channel.delete", channelKey, { name: row.name, type: row.type });
    });
  } catch (error) {
    if (isForeignKeyViolation(error)) {
      throw new ConflictError(
        "channel_has_sent",
        "This channel has already sent messages, so it is kept for their history. Disable it instead.",
      );
    }
    throw error;
  }
}

/**
 * Server-only: the channel with its secrets unsealed, for the sender and "test connection".
 * Never pass the result to a page or a response.
 */
export async function loadChannelForSending(ctx: ChannelContext, channelKey: string) {
  const [row, names] = await Promise.all([findRow(ctx.db, channelKey), providerNames(ctx.db)]);
  return { row, view: toView(ctx, row, names), secrets: unsealSecrets(ctx.sealKey, row.id, row.sealedSecrets) };
}

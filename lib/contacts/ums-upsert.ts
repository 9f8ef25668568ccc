import { z } from "zod";
import type { Db } from "@/lib/db/client";
import { channels } from "@/lib/db/schema";
import { recordAudit } from "@/lib/audit";
import type { Actor } from "@/lib/auth/actor";
import { DomainError } from "@/lib/util/errors";
import { validateUserid } from "./import/userid";
import { normalizePhone } from "./phone";
import { writeContacts, type ContactChange, type WriteCounts } from "./contact-writer";

/**
 * The UMS user upsert: `[{"userid":"zhangsan","phone":{"1234":"18756432567"}}]`, at most 1000
 * items; `{"userid":"u1","del":{"phone":["1234"]}}` removes bindings. Each item is checked on its
 * own: a bad item is reported with its index and never stops the good ones.
 */
export const MAX_UMS_ITEMS = 1000;

const itemSchema = z.object({
  // The same rule as the file import: trimmed, 1–64 characters, no control characters.
  userid: z.string({ error: "userid must be a string" }).transform((raw, ctx) => {
    const checked = validateUserid(raw);
    if (checked.ok) return checked.userid;
    ctx.addIssue({ code: "custom", message: checked.reason });
    return z.NEVER;
  }),
  phone: z.record(z.string(), z.union([z.string(), z.number()], { error: "a phone must be a string or a number" })).optional(),
  del: z.object({ phone: z.array(z.string(), { error: "del.phone must be a list of bind ids" }) }, { error: "del must be an object {phone:[…]}" }).optional(),
});

export interface UmsFailure {
  index: number;
  userid: string | null;
  path: string;
  message: string;
}

export interface UmsUpsertResult extends WriteCounts {
  failed: UmsFailure[];
}

/** How many userids an audit row names; the counts cover the whole request. */
const AUDITED_USERIDS = 20;

export async function upsertUmsUsers(db: Db, actor: Actor, body: unknown): Promise<UmsUpsertResult> {
  if (!Array.isArray(body)) {
    throw new DomainError("invalid_input", 400, 'The body must be a JSON array of users: [{"userid":"…","phone":{"all":"…"}}].');
  }
  if (body.length > MAX_UMS_ITEMS) {
    throw new DomainError("too_many_items", 413, `At most ${MAX_UMS_ITEMS} users a request; this one has ${body.length}.`);
  }
  const channelKeys = new Set((await db.select({ key: channels.channelKey }).from(channels)).map((c) => c.key));
  const known = (bindId: string) => bindId === "all" || channelKeys.has(bindId);
  const failed: UmsFailure[] = [];
  const changes: ContactChange[] = [];

  body.forEach((raw, index) => {
    const parsed = itemSchema.safeParse(raw);
    const userid = typeof (raw as { userid?: unknown })?.userid === "string" ? (raw as { userid: string }).userid : null;
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      failed.push({ index, userid, path: issue.path.join(".") || "(item)", message: issue.message });
      return;
    }
    const item = parsed.data;
    const problems: UmsFailure[] = [];
    const phones: Record<string, string> = {};
    for (const [bindId, value] of Object.entries(item.phone ?? {})) {
      if (!known(bindId)) {
        problems.push({ index, userid: item.userid, path: `phone.${bindId}`, message: `"${bindId}" is neither "all" nor an existing channel key.` });
        continue;
      }
      const normalized = normalizePhone(value);
      if (normalized.ok) phones[bindId] = normalized.phone;
      else problems.push({ index, userid: item.userid, path: `phone.${bindId}`, message: normalized.reason });
    }
    const remove = item.del?.phone ?? [];
    for (const bindId of remove) {
      if (!known(bindId)) problems.push({ index, userid: item.userid, path: "del.phone", message: `"${bindId}" is neither "all" nor an existing channel key.` });
    }
    // An item is taken whole or not at all: a user is never half-updated.
    if (problems.length) failed.push(...problems);
    else changes.push({ userid: item.userid, phones, remove });
  });

  // One audit row per request, with its counts, in the same transaction as the writes.
  const counts = await db.transaction(async (tx) => {
    const written = await writeContacts(tx, changes, { inTransaction: true });
    await recordAudit(tx, actor, "user.upsert", "users", {
      received: body.length,
      ...written,
      failed: new Set(failed.map((f) => f.index)).size,
      bindingsRemoved: changes.reduce((n, c) => n + (c.remove?.length ?? 0), 0),
      userids: changes.slice(0, AUDITED_USERIDS).map((c) => c.userid),
    });
    return written;
  });
  return { ...counts, failed };
}

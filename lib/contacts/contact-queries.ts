import { and, asc, eq, gt, inArray, like, or, sql } from "drizzle-orm";
import type { Db } from "@/lib/db/client";
import { channels, contactPhones, contacts } from "@/lib/db/schema";
import { NotFoundError } from "@/lib/util/errors";

/** A user as the REST API shows it: `{userid, phones: {all?, channelKey…}}`. */
export interface ContactView {
  userid: string;
  phones: Record<string, string>;
}

/** For each channel, the number a send on it would use: its own binding, else "all", else none. */
export interface EffectiveNumber {
  channelKey: string;
  channelName: string;
  phone: string | null;
  source: "channel" | "all" | "none";
}

async function phonesByUser(db: Db, userids: string[]): Promise<Map<string, Record<string, string>>> {
  const map = new Map<string, Record<string, string>>(userids.map((u) => [u, {}]));
  if (userids.length === 0) return map;
  const rows = await db.select().from(contactPhones).where(inArray(contactPhones.userid, userids));
  for (const row of rows) map.get(row.userid)![row.bindId] = row.phone;
  return map;
}

export async function getContact(db: Db, userid: string): Promise<ContactView> {
  const [row] = await db.select({ userid: contacts.userid }).from(contacts).where(eq(contacts.userid, userid));
  if (!row) throw new NotFoundError("user_not_found", `No user with the userid ${userid}.`);
  return { userid, phones: (await phonesByUser(db, [userid])).get(userid)! };
}

export function effectiveNumbers(phones: Record<string, string>, channelList: { channelKey: string; name: string }[]): EffectiveNumber[] {
  return channelList.map((c) => {
    if (phones[c.channelKey]) return { channelKey: c.channelKey, channelName: c.name, phone: phones[c.channelKey]!, source: "channel" };
    if (phones.all) return { channelKey: c.channelKey, channelName: c.name, phone: phones.all, source: "all" };
    return { channelKey: c.channelKey, channelName: c.name, phone: null, source: "none" };
  });
}

export async function getContactWithEffectiveNumbers(db: Db, userid: string) {
  const contact = await getContact(db, userid);
  const channelList = await db.select({ channelKey: channels.channelKey, name: channels.name }).from(channels).orderBy(asc(channels.createdAt));
  return { ...contact, effective: effectiveNumbers(contact.phones, channelList) };
}

/**
 * Server-side search and keyset pagination (by userid): `q` matches a userid prefix or a phone
 * prefix. The cursor is the last userid of the previous page.
 */
export async function searchContacts(
  db: Db,
  options: { q?: string; cursor?: string; limit?: number },
): Promise<{ items: ContactView[]; nextCursor: string | null }> {
  const limit = Math.min(Math.max(options.limit ?? 50, 1), 200);
  const q = options.q?.trim();
  const prefix = q ? q.replace(/[\\%_]/g, (c) => "\\" + c) + "%" : null;
  const conditions = [];
  if (prefix) {
    conditions.push(
      or(
        like(contacts.userid, prefix),
        sql`exists (select 1 from ${contactPhones} p where p.userid = ${contacts.userid} and p.phone like ${prefix})`,
      ),
    );
  }
  if (options.cursor) conditions.push(gt(contacts.userid, options.cursor));
  const rows = await db
    .select({ userid: contacts.userid })
    .from(contacts)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(asc(contacts.userid))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const phones = await phonesByUser(db, page.map((r) => r.userid));
  return {
    items: page.map((r) => ({ userid: r.userid, phones: phones.get(r.userid)! })),
    nextCursor: rows.length > limit ? page[page.length - 1]!.userid : null,
  };
}

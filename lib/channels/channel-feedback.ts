import { and, desc, eq, lt } from "drizzle-orm";
import type { Db } from "@/lib/db/client";
import { channelReviews, channels, replies } from "@/lib/db/schema";
import { NotFoundError } from "@/lib/util/errors";

/**
 * What a provider tells us about a channel besides delivery reports: Jiguang's review results
 * for templates and signatures, and replies (MO messages) from phones.
 */
export interface ReviewView {
  kind: "template" | "sign";
  ref: string;
  status: "approved" | "rejected";
  refuseReason: string | null;
  reviewedAt: string;
}

export interface ReplyView {
  id: string;
  phone: string;
  content: string;
  repliedAt: string | null;
  receivedAt: string;
}

async function channelId(db: Db, channelKey: string): Promise<string> {
  const [row] = await db.select({ id: channels.id }).from(channels).where(eq(channels.channelKey, channelKey));
  if (!row) throw new NotFoundError("channel_not_found", `No channel with the key ${channelKey}.`);
  return row.id;
}

export async function listChannelReviews(db: Db, channelKey: string): Promise<ReviewView[]> {
  const id = await channelId(db, channelKey);
  const rows = await db.select().from(channelReviews).where(eq(channelReviews.channelId, id)).orderBy(desc(channelReviews.reviewedAt));
  return rows.map((r) => ({ kind: r.kind, ref: r.ref, status: r.status, refuseReason: r.refuseReason, reviewedAt: r.reviewedAt.toISOString() }));
}

/** Newest first, keyset-paged by id. */
export async function listChannelReplies(
  db: Db,
  channelKey: string,
  options: { cursor?: string; limit?: number } = {},
): Promise<{ items: ReplyView[]; nextCursor: string | null }> {
  const id = await channelId(db, channelKey);
  const limit = Math.min(Math.max(options.limit ?? 20, 1), 200);
  const cursor = options.cursor && /^\d+$/.test(options.cursor) ? BigInt(options.cursor) : null;
  const rows = await db
    .select()
    .from(replies)
    .where(cursor ? and(eq(replies.channelId, id), lt(replies.id, cursor)) : eq(replies.channelId, id))
    .orderBy(desc(replies.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  return {
    items: page.map((r) => ({
      id: r.id.toString(),
      phone: r.phone,
      content: r.content,
      repliedAt: r.repliedAt?.toISOString() ?? null,
      receivedAt: r.receivedAt.toISOString(),
    })),
    nextCursor: rows.length > limit ? page[page.length - 1]!.id.toString() : null,
  };
}

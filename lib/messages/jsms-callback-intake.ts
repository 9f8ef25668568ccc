import { and, eq, isNull, lt, sql } from "drizzle-orm";
import type { Db } from "@/lib/db/client";
import { channelReviews, channels, jsmsCallbacks, replies } from "@/lib/db/schema";
import { unsealSecrets } from "@/lib/channels/secret-sealing";
import {
  checkCallbackTimestamp,
  parseCallbackForm,
  verifyCallbackSignature,
  type JsmsCallback,
} from "@/lib/sender/jsms/callback";
import { DEFAULT_JSMS_REPORT_CODES, classifyJsmsReport } from "@/lib/sender/jsms/report-codes";
import { logger } from "@/lib/util/logger";
import { createBatcher, type Batcher } from "@/lib/util/batcher";
import { applyReceipt, applyReceipts, type ProviderReceipt } from "./receipts";

/**
 * Jiguang's sending-status callbacks for one channel. The order matters:
 *   1. the signature (with this channel's own AppKey and MasterSecret) and the timestamp are
 *      checked first: a forged callback is stored nowhere, only counted and logged (401);
 *   2. the fields and `data` are parsed: malformed ones get 400 with the reason;
 *   3. the callback is stored as received (a replay of the same nonce+signature is a no-op)
 *      before the 200, and applied right after in a batch. Jiguang retries at most three times,
 *      so what was answered 200 must never be lost: if applying fails, the stored row is
 *      applied again later by applyPendingJsmsCallbacks.
 */
export interface CallbackAnswer {
  status: number;
  body: Record<string, unknown>;
  /** Settles when the callback's effect is applied (the route does not wait for it; tests do). */
  applied?: Promise<void>;
}

export interface IntakeContext {
  db: Db;
  sealKey: Buffer;
}

interface JsmsChannelCredentials {
  id: string;
  appKey: string;
  masterSecret: string;
}

/** Rejected callbacks per channel key since start: the one trace a forged callback leaves. */
export const rejectedCallbackCounts = new Map<string, number>();

const CREDENTIAL_TTL_MS = 10_000;
const credentialCache = new Map<string, { until: number; value: JsmsChannelCredentials | null }>();

/**
 * Callbacks come in bursts; reading and unsealing the channel once per burst instead of once per
 * callback saves a query each. A changed MasterSecret applies within CREDENTIAL_TTL_MS.
 */
async function credentialsFor(ctx: IntakeContext, channelKey: string): Promise<JsmsChannelCredentials | null> {
  const cached = credentialCache.get(channelKey);
  if (cached && cached.until > Date.now()) return cached.value;
  const [row] = await ctx.db
    .select({ id: channels.id, type: channels.type, sealedSecrets: channels.sealedSecrets })
    .from(channels)
    .where(eq(channels.channelKey, channelKey));
  let value: JsmsChannelCredentials | null = null;
  if (row?.type === "jsms") {
    const secrets = unsealSecrets(ctx.sealKey, row.id, row.sealedSecrets);
    value = { id: row.id, appKey: secrets.appKey!, masterSecret: secrets.masterSecret! };
  }
  credentialCache.set(channelKey, { until: Date.now() + CREDENTIAL_TTL_MS, value });
  return value;
}

function refuse(status: number, code: string, message: string): CallbackAnswer {
  return { status, body: { error: { code, message, details: [] } } };
}

function countRejected(channelKey: string, reason: string): void {
  const count = (rejectedCallbackCounts.get(channelKey) ?? 0) + 1;
  rejectedCallbackCounts.set(channelKey, count);
  logger.warn("JSMS callback rejected", { channelKey, reason, rejectedSinceStart: count });
}

export async function receiveJsmsCallback(
  ctx: IntakeContext,
  channelKey: string,
  form: URLSearchParams,
  now = Date.now(),
): Promise<CallbackAnswer> {
  const channel = await credentialsFor(ctx, channelKey);
  if (!channel) return refuse(404, "channel_not_found", `No JSMS channel with the key ${channelKey}.`);

  const nonce = form.get("nonce") ?? "";
  const timestamp = form.get("timestamp") ?? "";
  const signature = form.get("signature") ?? "";
  if (!nonce || !timestamp || !signature) {
    countRejected(channelKey, "missing nonce, timestamp or signature");
    return refuse(401, "signature_missing", "The callback needs nonce, timestamp and signature.");
  }
  if (!verifyCallbackSignature(channel, { nonce, timestamp, signature })) {
    countRejected(channelKey, "bad signature");
    return refuse(401, "signature_invalid", "The signature does not match this channel's AppKey and MasterSecret.");
  }
  const fresh = checkCallbackTimestamp(timestamp, { now });
  if (!fresh.ok) {
    countRejected(channelKey, fresh.reason);
    return refuse(401, fresh.reason, fresh.message);
  }

  const parsed = parseCallbackForm(form);
  if (!parsed.ok) {
    logger.warn("JSMS callback malformed", { channelKey, field: parsed.field, reason: parsed.reason });
    return refuse(400, "callback_malformed", `${parsed.field}: ${parsed.reason}`);
  }

  const stored = await inboxFor(ctx.db).submit({ channelId: channel.id, nonce, timestamp, signature, type: parsed.value.type, data: parsed.value.rawData });
  if (stored === null) return { status: 200, body: { ok: true, duplicate: true }, applied: Promise.resolve() };

  // Stored, so answered 200 now; applying follows in the next batch. Should it fail,
  // applyPendingJsmsCallbacks applies the stored row later: nothing answered 200 is lost.
  const applied = applierFor(ctx.db)
    .submit({ callbackId: stored, channelId: channel.id, callback: parsed.value })
    .catch((error: unknown) => {
      logger.error("JSMS callback stored but not applied yet", { channelKey, callbackId: String(stored), error });
    });
  return { status: 200, body: { ok: true }, applied };
}

type InboxRow = typeof jsmsCallbacks.$inferInsert;
interface StoredCallback {
  callbackId: bigint;
  channelId: string;
  callback: JsmsCallback;
}

const inboxes = new WeakMap<Db, Batcher<InboxRow, bigint | null>>();
const appliers = new WeakMap<Db, Batcher<StoredCallback, void>>();

/**
 * Callbacks are written in groups: one multi-row INSERT per few milliseconds instead of one per
 * callback, and each request waits for its own row's commit before answering 200.
 */
function inboxFor(db: Db): Batcher<InboxRow, bigint | null> {
  let batcher = inboxes.get(db);
  if (!batcher) {
    batcher = createBatcher({
      maxBatch: 200,
      maxWaitMs: 2,
      flush: async (rows) => {
        const inserted = await db
          .insert(jsmsCallbacks)
          .values(rows)
          .onConflictDoNothing()
          .returning({ id: jsmsCallbacks.id, channelId: jsmsCallbacks.channelId, nonce: jsmsCallbacks.nonce, signature: jsmsCallbacks.signature });
        const ids = new Map(inserted.map((r) => [`${r.channelId}/${r.nonce}/${r.signature}`, r.id]));
        // A replay (stored before, or twice in this batch) gets null: only its first copy counts.
        return rows.map((row) => {
          const key = `${row.channelId}/${row.nonce}/${row.signature}`;
          const id = ids.get(key) ?? null;
          ids.delete(key);
          return id;
        });
      },
    });
    inboxes.set(db, batcher);
  }
  return batcher;
}

function applierFor(db: Db): Batcher<StoredCallback, void> {
  let batcher = appliers.get(db);
  if (!batcher) {
    batcher = createBatcher({ maxBatch: 500, maxWaitMs: 5, flush: (items) => applyStoredCallbacks(db, items) });
    appliers.set(db, batcher);
  }
  return batcher;
}

/** Waits until every callback received so far is applied (tests, shutdown). */
export async function drainJsmsCallbacks(db: Db): Promise<void> {
  await inboxes.get(db)?.drain();
  await appliers.get(db)?.drain();
}

/** Applies stored callbacks together: all delivery reports in one receipt batch, then marks the rows. */
async function applyStoredCallbacks(db: Db, items: StoredCallback[]): Promise<void[]> {
  const outcomes = new Array<string>(items.length);
  const reports: { index: number; receipt: ProviderReceipt }[] = [];
  for (const [index, item] of items.entries()) {
    if (item.callback.type === "SMS_REPORT") reports.push({ index, receipt: receiptFromReport(item.channelId, item.callback) });
    else outcomes[index] = await applyJsmsCallback(db, item.channelId, item.callback);
  }
  const receiptOutcomes = await applyReceipts(db, reports.map((r) => r.receipt));
  reports.forEach((r, i) => (outcomes[r.index] = receiptOutcomes[i]!));
  const rows = items.map((item, i) => sql`(${item.callbackId.toString()}::bigint, ${outcomes[i]!}::text)`);
  await db.execute(sql`
    update jsms_callbacks c set applied_at = now(), outcome = v.outcome
      from (values ${sql.join(rows, sql`, `)}) as v(id, outcome)
     where c.id = v.id`);
  return items.map(() => undefined);
}

function receiptFromReport(channelId: string, callback: Extract<JsmsCallback, { type: "SMS_REPORT" }>): ProviderReceipt {
  const mapping = classifyJsmsReport(DEFAULT_JSMS_REPORT_CODES, callback.data.status);
  return {
    channelId,
    providerMessageId: callback.data.msgId,
    phone: callback.data.phone,
    code: String(callback.data.status),
    category: mapping.category,
    final: mapping.final,
    reportedAt: new Date(callback.data.receiveTime),
    raw: { provider: "jsms", ...callback.data },
  };
}

/** What one callback changes. Returns a word for the stored row's `outcome`. */
export async function applyJsmsCallback(db: Db, channelId: string, callback: JsmsCallback): Promise<string> {
  switch (callback.type) {
    case "SMS_REPORT":
      return applyReceipt(db, receiptFromReport(channelId, callback));
    case "SMS_REPLY":
      await db.insert(replies).values({
        channelId,
        phone: callback.data.phone,
        content: callback.data.content,
        repliedAt: new Date(callback.data.replyTime),
      });
      return "reply";
    case "SMS_TEMPLATE":
    case "SMS_SIGN": {
      const kind = callback.type === "SMS_TEMPLATE" ? "template" : "sign";
      const ref = String(callback.type === "SMS_TEMPLATE" ? callback.data.tempId : callback.data.signId);
      const review = {
        status: callback.data.status === 1 ? ("approved" as const) : ("rejected" as const),
        refuseReason: callback.data.refuseReason,
        reviewedAt: new Date(),
      };
      await db
        .insert(channelReviews)
        .values({ channelId, kind, ref, ...review })
        .onConflictDoUpdate({ target: [channelReviews.channelId, channelReviews.kind, channelReviews.ref], set: review });
      return "review";
    }
  }
}

/**
 * Applies stored callbacks that were answered 200 but not applied (the process died, or the
 * database failed mid-way). Safe to run at any time: applying is idempotent.
 */
export async function applyPendingJsmsCallbacks(db: Db, olderThanMs = 30_000, limit = 500): Promise<number> {
  const pending = await db
    .select()
    .from(jsmsCallbacks)
    .where(and(isNull(jsmsCallbacks.appliedAt), lt(jsmsCallbacks.receivedAt, new Date(Date.now() - olderThanMs))))
    .orderBy(jsmsCallbacks.id)
    .limit(limit);
  let applied = 0;
  for (const row of pending) {
    const form = new URLSearchParams({ nonce: row.nonce, timestamp: "0", signature: row.signature, type: row.type, data: row.data });
    const parsed = parseCallbackForm(form);
    if (!parsed.ok) {
      await db.update(jsmsCallbacks).set({ appliedAt: new Date(), outcome: `unreadable: ${parsed.reason}` }).where(eq(jsmsCallbacks.id, row.id));
      continue;
    }
    try {
      await applyStoredCallbacks(db, [{ callbackId: row.id, channelId: row.channelId, callback: parsed.value }]);
      applied++;
    } catch (error) {
      logger.error("stored JSMS callback still not applicable", { callbackId: String(row.id), error });
    }
  }
  return applied;
}

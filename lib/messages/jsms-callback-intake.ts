import { and, count, eq, gt, inArray, isNotNull, isNull, lt, sql } from "drizzle-orm";
import { LRUCache } from "lru-cache";
import { z } from "zod";
import type { Db } from "@/lib/db/client";
import { processClaimedRows } from "@/lib/db/claim";
import { channelReviews, channels, jsmsCallbacks, replies } from "@/lib/db/schema";
import { unsealSecrets } from "@/lib/channels/secret-sealing";
import {
  checkCallbackTimestamp,
  parseCallbackForm,
  verifyCallbackSignature,
  type CallbackParseResult,
  type JsmsCallback,
} from "@/lib/sender/jsms/callback";
import { DEFAULT_JSMS_REPORT_CODES, classifyJsmsReport } from "@/lib/sender/jsms/report-codes";
import { logger } from "@/lib/util/logger";
import { createBatcher, type Batcher } from "@/lib/util/batcher";
import { applyReceipt, applyReceipts, type ProviderReceipt } from "./receipts";
import { channelLive } from "./live/channel-live";

/**
 * Jiguang's sending-status callbacks for one channel. The order matters:
 *   1. the signature (with this channel's own AppKey and MasterSecret) and the timestamp are
 *      checked first: a forged callback is stored nowhere, only counted and logged (401);
 *   2. the fields and `data` are parsed: malformed ones get 400 with the reason;
 *   3. the callback is stored as received before the 200, and applied right after in a batch.
 *      Jiguang retries at most three times, so what was answered 200 must never be lost: if
 *      applying fails, the stored row is applied again later by applyPendingJsmsCallbacks.
 *
 * A callback is the same callback when its channel, nonce and timestamp are: those are what the
 * signature covers. The signature itself is not part of the key (its hex can be re-cased and
 * still verify), nor are `type` and `data` (unsigned): a second copy is answered 200 and changes
 * nothing, and a copy with other data is logged as a suspected forgery.
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

/** A channel key as it can appear in a callback URL; anything else names no channel (404). */
export const callbackChannelKeySchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

/**
 * Anyone can post to any callback URL, so every per-channel-key memory is bounded: random keys
 * push out the least recently used entries instead of growing the process.
 */
export const CHANNEL_CACHE_MAX = 1_000;

/** Rejected callbacks per channel key since start: the one trace a forged callback leaves. */
export const rejectedCallbackCounts = new LRUCache<string, number>({ max: CHANNEL_CACHE_MAX });

const CREDENTIAL_TTL_MS = 10_000;
const credentialCache = new LRUCache<string, { value: JsmsChannelCredentials | null }>({ max: CHANNEL_CACHE_MAX, ttl: CREDENTIAL_TTL_MS });

/** How many channel keys the credentials cache holds now. */
export function cachedChannelCredentialsCount(): number {
  return credentialCache.size;
}

/**
 * Callbacks come in bursts; reading and unsealing the channel once per burst instead of once per
 * callback saves a query each. A changed MasterSecret applies within CREDENTIAL_TTL_MS.
 */
async function credentialsFor(ctx: IntakeContext, channelKey: string): Promise<JsmsChannelCredentials | null> {
  const cached = credentialCache.get(channelKey);
  if (cached) return cached.value;
  const [row] = await ctx.db
    .select({ id: channels.id, type: channels.type, sealedSecrets: channels.sealedSecrets })
    .from(channels)
    .where(eq(channels.channelKey, channelKey));
  let value: JsmsChannelCredentials | null = null;
  if (row?.type === "jsms") {
    const secrets = unsealSecrets(ctx.sealKey, row.id, row.sealedSecrets);
    value = { id: row.id, appKey: secrets.appKey!, masterSecret: secrets.masterSecret! };
  }
  credentialCache.set(channelKey, { value });
  return value;
}

/** Jiguang's URL check passes only for a JSMS channel, so a mistyped callback URL fails it. */
export async function isJsmsCallbackChannel(db: Db, channelKey: string): Promise<boolean> {
  const [row] = await db.select({ type: channels.type }).from(channels).where(eq(channels.channelKey, channelKey));
  return row?.type === "jsms";
}

function refuse(status: number, code: string, message: string): CallbackAnswer {
  return { status, body: { error: { code, message, details: [] } } };
}

function countRejected(channelKey: string, reason: string, message = "JSMS callback rejected"): void {
  const count = (rejectedCallbackCounts.get(channelKey) ?? 0) + 1;
  rejectedCallbackCounts.set(channelKey, count);
  logger.warn(message, { channelKey, reason, rejectedSinceStart: count });
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
  // The cockpit's callback counters (lib/messages/live): rejected, malformed, duplicated, accepted here; unmatched once applied.
  const live = channelLive(channel.id, "jsms");
  if (!nonce || !timestamp || !signature) {
    live.countCallback("rejected");
    countRejected(channelKey, "missing nonce, timestamp or signature");
    return refuse(401, "signature_missing", "The callback needs nonce, timestamp and signature.");
  }
  if (!verifyCallbackSignature(channel, { nonce, timestamp, signature })) {
    live.countCallback("rejected");
    countRejected(channelKey, "bad signature");
    return refuse(401, "signature_invalid", "The signature does not match this channel's AppKey and MasterSecret.");
  }
  const fresh = checkCallbackTimestamp(timestamp, { now });
  if (!fresh.ok) {
    live.countCallback("rejected");
    countRejected(channelKey, fresh.reason);
    return refuse(401, fresh.reason, fresh.message);
  }

  const parsed = parseCallbackForm(form);
  if (!parsed.ok) {
    live.countCallback("malformed");
    logger.warn("JSMS callback malformed", { channelKey, field: parsed.field, reason: parsed.reason });
    return refuse(400, "callback_malformed", `${parsed.field}: ${parsed.reason}`);
  }

  const stored = await inboxFor(ctx.db).submit({
    channelId: channel.id,
    nonce,
    timestamp,
    signature: signature.toLowerCase(),
    type: parsed.value.type,
    data: parsed.value.rawData,
  });
  if (!stored.stored) {
    live.countCallback("duplicated");
    if (stored.differs) {
      // Only someone who saw the original can replay its signature: Jiguang's own retry carries the same data.
      countRejected(channelKey, `nonce ${nonce} and timestamp ${timestamp} came again with other data`, "JSMS callback replayed with other data: suspected forgery");
    }
    return { status: 200, body: { ok: true, duplicate: true }, applied: Promise.resolve() };
  }

  live.countCallback("accepted");
  // Stored, so answered 200 now; applying follows in the next batch. Should it fail,
  // applyPendingJsmsCallbacks applies the stored row later: nothing answered 200 is lost.
  const applied = applierFor(ctx.db)
    .submit(stored.id)
    .catch((error: unknown) => {
      logger.error("JSMS callback stored but not applied yet", { channelKey, callbackId: String(stored.id), error });
    });
  return { status: 200, body: { ok: true }, applied };
}

type InboxRow = typeof jsmsCallbacks.$inferInsert;
type StoreOutcome = { stored: true; id: bigint } | { stored: false; differs: boolean };

const inboxes = new WeakMap<Db, Batcher<InboxRow, StoreOutcome>>();
const appliers = new WeakMap<Db, Batcher<bigint, void>>();

/** The replay key: the same columns as the unique index jsms_callbacks_replay_idx. */
const replayKey = (row: { channelId: string; nonce: string; timestamp: string }) => `${row.channelId}\u0000${row.nonce}\u0000${row.timestamp}`;
const sameContent = (a: { type: string; data: string }, b: { type: string; data: string }) => a.type === b.type && a.data === b.data;

/**
 * Callbacks are written in groups: one multi-row INSERT per few milliseconds instead of one per
 * callback, and each request waits for its own row's commit before answering 200.
 */
function inboxFor(db: Db): Batcher<InboxRow, StoreOutcome> {
  let batcher = inboxes.get(db);
  if (!batcher) {
    batcher = createBatcher({ maxBatch: 200, maxWaitMs: 2, flush: (rows) => storeCallbacks(db, rows) });
    inboxes.set(db, batcher);
  }
  return batcher;
}

/** Stores the first copy of each callback; a replay (stored before, or twice in this batch) is not stored again. */
async function storeCallbacks(db: Db, rows: InboxRow[]): Promise<StoreOutcome[]> {
  const firstCopies = new Map<string, InboxRow>();
  for (const row of rows) if (!firstCopies.has(replayKey(row))) firstCopies.set(replayKey(row), row);
  const inserted = await db
    .insert(jsmsCallbacks)
    .values([...firstCopies.values()])
    .onConflictDoNothing({ target: [jsmsCallbacks.channelId, jsmsCallbacks.nonce, jsmsCallbacks.timestamp] })
    .returning({ id: jsmsCallbacks.id, channelId: jsmsCallbacks.channelId, nonce: jsmsCallbacks.nonce, timestamp: jsmsCallbacks.timestamp });
  const ids = new Map(inserted.map((r) => [replayKey(r), r.id]));
  const storedBefore = [...firstCopies.entries()].filter(([key]) => !ids.has(key)).map(([, row]) => row);
  const earlier = await storedContent(db, storedBefore);
  return rows.map((row) => {
    const key = replayKey(row);
    const first = firstCopies.get(key)!;
    const id = ids.get(key);
    if (row === first && id !== undefined) return { stored: true, id };
    const original = row === first ? earlier.get(key) : first;
    return { stored: false, differs: original !== undefined && !sameContent(row, original) };
  });
}

/** What was stored before under these callbacks' replay keys. */
async function storedContent(db: Db, rows: InboxRow[]): Promise<Map<string, { type: string; data: string }>> {
  if (rows.length === 0) return new Map();
  const keys = rows.map((r) => sql`(${r.channelId}::uuid, ${r.nonce}::text, ${r.timestamp}::text)`);
  const found = await db
    .select({ channelId: jsmsCallbacks.channelId, nonce: jsmsCallbacks.nonce, timestamp: jsmsCallbacks.timestamp, type: jsmsCallbacks.type, data: jsmsCallbacks.data })
    .from(jsmsCallbacks)
    .where(sql`(${jsmsCallbacks.channelId}, ${jsmsCallbacks.nonce}, ${jsmsCallbacks.timestamp}) in (${sql.join(keys, sql`, `)})`);
  return new Map(found.map((r) => [replayKey(r), r]));
}

function applierFor(db: Db): Batcher<bigint, void> {
  let batcher = appliers.get(db);
  if (!batcher) {
    batcher = createBatcher({
      maxBatch: 500,
      maxWaitMs: 5,
      flush: async (ids) => {
        await applyClaimedCallbacks(db, (tx) =>
          tx
            .select()
            .from(jsmsCallbacks)
            .where(and(inArray(jsmsCallbacks.id, ids), isNull(jsmsCallbacks.appliedAt), isNull(jsmsCallbacks.setAsideAt)))
            .orderBy(jsmsCallbacks.id)
            .for("update", { skipLocked: true }),
        );
        return ids.map(() => undefined);
      },
    });
    appliers.set(db, batcher);
  }
  return batcher;
}

/** Waits until every callback received so far is applied (tests, shutdown). */
export async function drainJsmsCallbacks(db: Db): Promise<void> {
  await inboxes.get(db)?.drain();
  await appliers.get(db)?.drain();
}

type StoredCallbackRow = typeof jsmsCallbacks.$inferSelect;

/** A stored row that failed to apply this many times is set aside: it stops coming back and holding up the sweep. */
export const MAX_CALLBACK_APPLY_ATTEMPTS = 5;

/**
 * Claims stored callbacks (see lib/db/claim.ts) and applies them in the claiming transaction, so
 * no row is applied twice however many processes sweep. Answers how many rows were applied.
 */
async function applyClaimedCallbacks(db: Db, claim: (tx: Db) => Promise<StoredCallbackRow[]>): Promise<number> {
  const outcomes = await processClaimedRows(db, { claim, process: applyStoredRows, recordFailure: recordFailedAttempt });
  // Counted once committed: a report no message matched yet, or a report already applied under another nonce.
  for (const o of outcomes) {
    if (o.ok && o.result === "unmatched") channelLive(o.row.channelId, "jsms").countCallback("unmatched");
    if (o.ok && o.result === "duplicate") channelLive(o.row.channelId, "jsms").countCallback("duplicated");
  }
  return outcomes.filter((o) => o.ok && o.result !== "set_aside").length;
}

/** Stored rows passed the form check when they came; the signature and timestamp were checked then too. */
function parseStoredRow(row: StoredCallbackRow): CallbackParseResult {
  // Rows stored before the timestamp was kept hold "legacy-<id>": applying never reads it.
  const form = new URLSearchParams({ nonce: row.nonce, timestamp: "0", signature: row.signature, type: row.type, data: row.data });
  return parseCallbackForm(form);
}

/** Applies stored callbacks together: all delivery reports in one receipt batch, then marks the rows. */
async function applyStoredRows(tx: Db, rows: StoredCallbackRow[]): Promise<string[]> {
  const outcomes = new Array<string>(rows.length);
  const reports: { index: number; receipt: ProviderReceipt }[] = [];
  const unreadable: { id: bigint; reason: string }[] = [];
  for (const [index, row] of rows.entries()) {
    const parsed = parseStoredRow(row);
    if (!parsed.ok) {
      // Trying again cannot help: set it aside at once, where an operator sees it.
      unreadable.push({ id: row.id, reason: `unreadable: ${parsed.reason}` });
      outcomes[index] = "set_aside";
    } else if (parsed.value.type === "SMS_REPORT") {
      reports.push({ index, receipt: receiptFromReport(row.channelId, parsed.value) });
    } else {
      outcomes[index] = await applyJsmsCallback(tx, row.channelId, parsed.value);
    }
  }
  const receiptOutcomes = await applyReceipts(tx, reports.map((r) => r.receipt));
  reports.forEach((r, i) => (outcomes[r.index] = receiptOutcomes[i]!));
  const applied = rows.flatMap((row, i) => (outcomes[i] === "set_aside" ? [] : [sql`(${row.id.toString()}::bigint, ${outcomes[i]!}::text)`]));
  if (applied.length > 0) {
    await tx.execute(sql`
      update jsms_callbacks c set applied_at = now(), outcome = v.outcome
        from (values ${sql.join(applied, sql`, `)}) as v(id, outcome)
       where c.id = v.id`);
  }
  for (const { id, reason } of unreadable) {
    await tx.update(jsmsCallbacks).set({ setAsideAt: new Date(), lastError: reason }).where(eq(jsmsCallbacks.id, id));
    logger.error("stored JSMS callback set aside", { callbackId: String(id), reason });
  }
  return outcomes;
}

/** The database's own words for a failure: drizzle wraps them in "Failed query: …" with the parameters. */
function describeFailure(error: unknown): string {
  let current: unknown = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return (current instanceof Error ? current.message : String(current)).slice(0, 1000);
}

/** Counts a failed try in SQL (so concurrent claimers never lose one) and sets the row aside at the limit. */
async function recordFailedAttempt(tx: Db, row: StoredCallbackRow, error: unknown): Promise<void> {
  const lastError = describeFailure(error);
  const [counted] = await tx
    .update(jsmsCallbacks)
    .set({
      attempts: sql`${jsmsCallbacks.attempts} + 1`,
      lastError,
      setAsideAt: sql`case when ${jsmsCallbacks.attempts} + 1 >= ${MAX_CALLBACK_APPLY_ATTEMPTS} then now() end`,
    })
    .where(eq(jsmsCallbacks.id, row.id))
    .returning({ attempts: jsmsCallbacks.attempts, setAsideAt: jsmsCallbacks.setAsideAt });
  // The error itself, not lastError: the logger keeps the values a query was given out of the log.
  const fields = { callbackId: String(row.id), attempts: counted?.attempts, error };
  if (counted?.setAsideAt) logger.error("stored JSMS callback set aside after repeated failures", fields);
  else logger.warn("stored JSMS callback not applied; it is tried again later", fields);
}

/** Stored callbacks that failed MAX_CALLBACK_APPLY_ATTEMPTS times or were unreadable: they wait for an operator. */
export async function countSetAsideJsmsCallbacks(db: Db): Promise<number> {
  const [row] = await db.select({ n: count() }).from(jsmsCallbacks).where(isNotNull(jsmsCallbacks.setAsideAt));
  return row?.n ?? 0;
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
    case "SMS_REPLY": {
      // Jiguang may retry a reply under a new nonce: the reply's own identity (replies_dedup_idx) keeps one copy.
      const inserted = await db
        .insert(replies)
        .values({ channelId, phone: callback.data.phone, content: callback.data.content, repliedAt: new Date(callback.data.replyTime) })
        .onConflictDoNothing()
        .returning({ id: replies.id });
      return inserted.length > 0 ? "reply" : "duplicate";
    }
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
 * database failed mid-way). Safe to run at any time and in any number of processes at once:
 * each batch is claimed (FOR UPDATE SKIP LOCKED) and applied in one transaction. One pass goes
 * once over what is pending, so a failing row is tried once per pass. Answers how many were applied.
 */
export async function applyPendingJsmsCallbacks(db: Db, olderThanMs = 30_000, limit = 500): Promise<number> {
  const receivedBefore = new Date(Date.now() - olderThanMs);
  let afterId = 0n;
  let applied = 0;
  for (;;) {
    let claimed: StoredCallbackRow[] = [];
    applied += await applyClaimedCallbacks(db, async (tx) => {
      claimed = await tx
        .select()
        .from(jsmsCallbacks)
        .where(
          and(
            isNull(jsmsCallbacks.appliedAt),
            isNull(jsmsCallbacks.setAsideAt),
            lt(jsmsCallbacks.receivedAt, receivedBefore),
            gt(jsmsCallbacks.id, afterId),
          ),
        )
        .orderBy(jsmsCallbacks.id)
        .limit(limit)
        .for("update", { skipLocked: true });
      return claimed;
    });
    if (claimed.length < limit) return applied;
    afterId = claimed[claimed.length - 1]!.id;
  }
}

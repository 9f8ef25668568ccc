import crypto from "node:crypto";
import { and, asc, eq, sql, type SQL } from "drizzle-orm";
import { actorLabel, type Actor } from "@/lib/auth/actor";
import { recordAudit } from "@/lib/audit";
import { applyDefaultSignature, sendSettingsOf } from "@/lib/channels/send-settings";
import { executeRows, type Db } from "@/lib/db/client";
import { channels, sends } from "@/lib/db/schema";
import { countSegments } from "@/lib/sender/cmpp";
import { ConflictError, DomainError, NotFoundError } from "@/lib/util/errors";
import { arrayParam } from "@/lib/db/array-literal";
import type { MessageListFilter } from "./list/message-list-filter";
import { planMessageList } from "./list/message-list-query";
import { anyResendable, countResendable, type ResendAudience } from "./resend-audience";
import { canonicalFilter, canonicalStates, type ResendState, type StoredListFilter } from "./resend-schema";
import { ChannelDisabledError, type SendContent } from "./send-request";
import { SendNotFoundError } from "./send-queries";
import { IdempotencyKeyReusedError } from "./send-service";
import { wakeSendPreparers } from "./send-wake";

/**
 * Resending: a new send, linked to an earlier one by `resent_from`, whose audience is the earlier
 * send's messages in the chosen final states (failed, expired, unknown; never delivered ones, nor
 * any still on their way or cancelled), on the same channel or another of the same type. The
 * send is made "preparing" and its messages are made by the send preparer (resend-audience.ts
 * says which messages and which numbers).
 *
 * Idempotent: every resend has a key in `sends.idempotency_key` (unique). Without a key given,
 * the key is derived from the request itself (the send, the channel, the states, and the list
 * filter for a resend from the message list), so the same request again — a second click —
 * answers the first resend (also one made by the same request with a key). With a key given, the
 * same (send, key) answers the first resend, and 409 for another request; a new key asks for a
 * new resend, which takes only what no earlier resend of the send took (resend-audience.ts). Two requests at once make one send: the insert does nothing on a
 * conflict and the loser reads the winner's row. Derived and given keys start with a character a
 * key given to POST /api/v1/messages cannot hold (those are printable ASCII), so they never meet.
 *
 * Content: the earlier send's text or template. Text goes to a CMPP channel with that channel's
 * default signature put in front unless the text already starts with a 【…】 signature (the rule
 * of a new send); a template goes to a JSMS channel as it is. Text cannot become a template nor
 * a template text (there is no rule that says which template a text is), so sending on a channel
 * of the other type is refused with 422 content_not_for_channel.
 */
export interface ResendResult {
  /** The new send. */
  sendId: string;
  /** false: an earlier identical request made it, and it is answered again. */
  created: boolean;
  resentFrom: string;
  /** Messages it takes (counted when it was made). */
  audienceSize: number;
}

export interface ResendSendInput {
  sendId: string;
  /** Another channel; the earlier send's own when left out. */
  channelKey?: string;
  /** Default: all three. */
  states?: readonly ResendState[];
  idempotencyKey?: string;
  actor: Actor;
}

export interface ResendMessagesInput {
  /** The message list's filter, parsed (lib/messages/list/message-list-filter.ts). */
  filter: MessageListFilter;
  /** One channel for every resend; each earlier send's own when left out. */
  channelKey?: string;
  states?: readonly ResendState[];
  idempotencyKey?: string;
  actor: Actor;
}

/** Most earlier sends one list resend may take messages from (each becomes one new send). */
export const MAX_LIST_RESEND_SENDS = 100;

/** The prefix of every resend key: not printable ASCII, so no key of POST /api/v1/messages has it. */
const KEY_PREFIX = "resend\u00b7";

export class ResendPreparingError extends ConflictError {
  constructor() {
    super("send_preparing", "This send is still being prepared (its messages are being made); resend it once it is sending.");
    this.withMessageKey("resend.errors.send_preparing");
  }
}

export class ResendInProgressError extends ConflictError {
  constructor() {
    super(
      "resend_preparing",
      "An earlier resend of this send is still being prepared; resend again in a moment (a new resend takes only what that one does not).",
    );
    this.withMessageKey("resend.errors.resend_preparing");
  }
}

export class NothingToResendError extends DomainError {
  constructor() {
    super("nothing_to_resend", 422, "No message is in the chosen states (or every one was resent already): there is nothing to resend.");
    this.withMessageKey("resend.errors.nothing_to_resend");
  }
}

export class ContentNotForChannelError extends DomainError {
  constructor(content: "text" | "template", channelKey: string, channelType: "cmpp" | "jsms") {
    super(
      "content_not_for_channel",
      422,
      content === "text"
        ? `The send's content is text, which only a CMPP channel sends; "${channelKey}" is a ${channelType.toUpperCase()} channel. Choose a CMPP channel.`
        : `The send's content is a JSMS template, which only a JSMS channel sends; "${channelKey}" is a ${channelType.toUpperCase()} channel. Choose a JSMS channel.`,
    );
    this.withMessageKey(content === "text" ? "resend.errors.text_needs_cmpp" : "resend.errors.template_needs_jsms", { channel: channelKey });
  }
}

export class TooManySendsError extends DomainError {
  constructor() {
    super("too_many_sends", 422, `The filter takes messages of more than ${MAX_LIST_RESEND_SENDS} sends; narrow it (a send, a time range, a channel).`);
    this.withMessageKey("resend.errors.too_many_sends", { max: MAX_LIST_RESEND_SENDS });
  }
}

interface ChannelRow {
  id: string;
  channelKey: string;
  type: "jsms" | "cmpp";
  enabled: boolean;
  config: Record<string, unknown>;
}

const channelColumns = { id: channels.id, channelKey: channels.channelKey, type: channels.type, enabled: channels.enabled, config: channels.config };

async function findChannel(db: Db, channelKey: string): Promise<ChannelRow> {
  const [row] = await db.select(channelColumns).from(channels).where(eq(channels.channelKey, channelKey));
  if (!row) throw new NotFoundError("channel_not_found", `There is no channel "${channelKey}".`);
  return row;
}

interface SourceSend {
  id: string;
  status: (typeof sends.$inferSelect)["status"];
  content: Record<string, unknown>;
  channel: ChannelRow;
}

async function findSource(db: Db, sendId: string): Promise<SourceSend> {
  const [row] = await db
    .select({ id: sends.id, status: sends.status, content: sends.content, channel: channelColumns })
    .from(sends)
    .innerJoin(channels, eq(channels.id, sends.channelId))
    .where(eq(sends.id, sendId));
  if (!row) throw new SendNotFoundError(sendId);
  return row;
}

function sha256(value: unknown): string {
  return crypto.createHash("sha256").update(JSON.stringify(value)).digest("hex");
}

/** The content for the target channel, and its SMS per message; 422 when the channel cannot send it. */
function contentFor(source: SourceSend, target: ChannelRow): { content: SendContent; segmentsPerMessage: number } {
  const content = source.content;
  if (typeof content.text === "string") {
    if (target.type !== "cmpp") throw new ContentNotForChannelError("text", target.channelKey, target.type);
    const text = applyDefaultSignature(content.text, sendSettingsOf(target).defaultSignature);
    return { content: { text }, segmentsPerMessage: countSegments(text) };
  }
  if (target.type !== "jsms") throw new ContentNotForChannelError("template", target.channelKey, target.type);
  return { content: content as SendContent, segmentsPerMessage: 1 };
}

/** What one resend is, before it is judged. */
interface ResendPlan {
  source: SourceSend;
  target: ChannelRow;
  audience: ResendAudience;
  /** The stored key (derived or given). */
  key: string;
  /** SHA-256 of the request (send, channel, states, filter): the same key with another request is 409. */
  hash: string;
  /** A list resend's own hash, stored on each send it makes, so a repeat never takes those sends. */
  listHash?: string;
  /** The key as given, for the audit log. */
  givenKey?: string;
}

function planFor(source: SourceSend, target: ChannelRow, states: ResendState[], options: { filter?: StoredListFilter; givenKey?: string; listHash?: string }): ResendPlan {
  const mode = options.filter ? "list" : "send";
  const request = { from: source.id, channelId: target.id, states, filter: options.filter ?? null };
  const hash = sha256(request);
  const key = KEY_PREFIX + (options.givenKey === undefined ? hash : sha256({ mode, from: source.id, key: options.givenKey }));
  const audience: ResendAudience = { kind: "resend", fromSendId: source.id, states, ...(options.filter ? { filter: options.filter } : {}) };
  return { source, target, audience, key, hash, listHash: options.listHash, givenKey: options.givenKey };
}

/**
 * The resend an earlier identical request made, or null. By the key first; a request without a
 * key also finds a resend of the same send, channel and states made with a key (it is the same
 * request). 409 idempotency_key_reused when a given key was used for another request.
 */
async function earlierAnswer(db: Db, plan: ResendPlan): Promise<ResendResult | null> {
  const columns = { id: sends.id, requestHash: sends.requestHash, resentFrom: sends.resentFrom, audienceSize: sends.audienceSize };
  let [row] = await db.select(columns).from(sends).where(eq(sends.idempotencyKey, plan.key));
  if (row && (row.requestHash !== plan.hash || row.resentFrom !== plan.source.id)) throw new IdempotencyKeyReusedError();
  if (!row && plan.givenKey === undefined) {
    [row] = await db
      .select(columns)
      .from(sends)
      .where(and(eq(sends.resentFrom, plan.source.id), eq(sends.requestHash, plan.hash)))
      .orderBy(asc(sends.createdAt), asc(sends.id))
      .limit(1);
  }
  if (!row) return null;
  return { sendId: row.id, created: false, resentFrom: plan.source.id, audienceSize: row.audienceSize };
}

type Judged = { earlier: ResendResult } | { earlier: null; content: SendContent; segmentsPerMessage: number };

/**
 * The answer of an earlier identical request, or else the content the new send would carry: 409
 * send_preparing, 422 channel_disabled or content_not_for_channel.
 */
async function judge(db: Db, plan: ResendPlan): Promise<Judged> {
  const earlier = await earlierAnswer(db, plan);
  if (earlier) return { earlier };
  if (plan.source.status === "preparing") throw new ResendPreparingError();
  if (!plan.target.enabled) throw new ChannelDisabledError(plan.target.channelKey);
  const judged = { earlier: null, ...contentFor(plan.source, plan.target) };
  if (await resendBeingPrepared(db, plan.source.id)) throw new ResendInProgressError();
  return judged;
}

/**
 * Whether a resend of the send is still being prepared. A new resend waits for it: which
 * recipients an earlier resend took is read from its messages, and until they are all made a
 * new one could take them again.
 */
async function resendBeingPrepared(db: Db, sourceId: string): Promise<boolean> {
  const rows = await db
    .select({ id: sends.id })
    .from(sends)
    .where(and(eq(sends.resentFrom, sourceId), eq(sends.status, "preparing")))
    .limit(1);
  return rows.length > 0;
}

/**
 * Stores the resend as "preparing", audited in the same transaction, and wakes the preparers;
 * answers the send an identical request made at the same moment instead, when that one won.
 * Resends of one send are made one at a time, under the earlier send's row lock: a request
 * waiting for it then finds the winner's resend (the same request) or a resend still being
 * prepared (another one: 409 resend_preparing).
 */
async function storeResend(db: Db, actor: Actor, plan: ResendPlan, made: { content: SendContent; segmentsPerMessage: number }, audienceSize: number): Promise<ResendResult> {
  const stored = await db.transaction(async (tx) => {
    await tx.select({ id: sends.id }).from(sends).where(eq(sends.id, plan.source.id)).for("update");
    const earlier = await earlierAnswer(tx, plan);
    if (earlier) return { earlier, row: undefined };
    if (await resendBeingPrepared(tx, plan.source.id)) throw new ResendInProgressError();
    const [row] = await tx
      .insert(sends)
      .values({
        channelId: plan.target.id,
        createdBy: actorLabel(actor),
        idempotencyKey: plan.key,
        requestHash: plan.hash,
        status: "preparing",
        content: made.content,
        audience: { ...plan.audience, ...(plan.listHash ? { listHash: plan.listHash } : {}) },
        audienceSize,
        rejected: [],
        segmentsPerMessage: made.segmentsPerMessage,
        resentFrom: plan.source.id,
      })
      .onConflictDoNothing({ target: sends.idempotencyKey })
      .returning({ id: sends.id });
    if (row) {
      await recordAudit(tx, actor, "send.resend", row.id, {
        resentFrom: plan.source.id,
        channelKey: plan.target.channelKey,
        states: plan.audience.states,
        recipients: audienceSize,
        ...(plan.audience.filter ? { filter: plan.audience.filter } : {}),
        ...(plan.givenKey !== undefined ? { idempotencyKey: plan.givenKey } : {}),
      });
    }
    return { earlier: null, row };
  });
  if (stored.earlier) return stored.earlier;
  const inserted = stored.row;
  if (!inserted) {
    // An identical request committed first (the insert waited for it): answer its send.
    const winner = await earlierAnswer(db, plan);
    if (winner) return winner;
    throw new Error(`resend with key ${plan.key} conflicted but cannot be read`);
  }
  wakeSendPreparers("prepare");
  return { sendId: inserted.id, created: true, resentFrom: plan.source.id, audienceSize };
}

/**
 * Resends a send's messages in the chosen states: 404 send_not_found or channel_not_found, 409
 * send_preparing (its messages are still being made; a sending, paused, done or cancelled send
 * may be resent, taking what is in the chosen states when each chunk is read), 422
 * channel_disabled, content_not_for_channel or nothing_to_resend.
 */
export async function resendSend(db: Db, input: ResendSendInput): Promise<ResendResult> {
  const source = await findSource(db, input.sendId);
  const target = input.channelKey === undefined ? source.channel : await findChannel(db, input.channelKey);
  const plan = planFor(source, target, canonicalStates(input.states), { givenKey: input.idempotencyKey });
  const judged = await judge(db, plan);
  if (judged.earlier) return judged.earlier;
  const audienceSize = await countResendable(db, plan.audience);
  if (audienceSize === 0) throw new NothingToResendError();
  return storeResend(db, input.actor, plan, judged, audienceSize);
}

export interface ListResendResult {
  /** One new send per earlier send the filter takes messages of, oldest earlier send first. */
  resends: ResendResult[];
}

/** Which sends a list resend can take messages of (which of their messages match is asked after). */
function candidateConditions(filter: MessageListFilter, states: readonly ResendState[], listHash: string): SQL {
  const counters: Record<ResendState, SQL> = { failed: sql`s.failed_count > 0`, expired: sql`s.expired_count > 0`, unknown: sql`s.unknown_count > 0` };
  const where: SQL[] = [sql`s.status <> 'preparing'`, sql`(${sql.join(states.map((s) => counters[s]), sql` or `)})`];
  // A repeat of this list resend must not take the sends it made itself.
  where.push(sql`coalesce(s.audience->>'listHash', '') <> ${listHash}`);
  if (filter.sendId !== undefined) where.push(sql`s.id = ${filter.sendId}::uuid`);
  // A send's messages are made after the send: one made at or after `to` has none before it.
  if (filter.to !== undefined) where.push(sql`s.created_at < ${filter.to}::timestamptz`);
  return sql.join(where, sql` and `);
}

/**
 * Resends the messages a message-list filter matches (the list's own conditions), in the chosen
 * states (of those, the filter's `status` ones only, when it names some). Messages keep their own
 * send's content, so each earlier send whose messages match becomes one new send, resent from it
 * (at most MAX_LIST_RESEND_SENDS, else 422 too_many_sends). Idempotent as resendSend, per earlier
 * send, from the filter, the channel and the states; a repeat also never takes the sends the
 * first request made. 404 for a filter's unknown send; 409 when that send is still preparing;
 * 422 nothing_to_resend when no message matches.
 */
export async function resendMessages(db: Db, input: ResendMessagesInput): Promise<ListResendResult> {
  const { filter } = input;
  const stored = canonicalFilter(filter);
  const chosen = canonicalStates(input.states);
  const states = filter.status === undefined ? chosen : chosen.filter((s) => filter.status!.includes(s));
  if (states.length === 0) throw new NothingToResendError();
  if (filter.sendId !== undefined) {
    const named = await findSource(db, filter.sendId);
    if (named.status === "preparing") throw new ResendPreparingError();
  }
  const target = input.channelKey === undefined ? null : await findChannel(db, input.channelKey);
  const listHash = sha256({ filter: stored, channelId: target?.id ?? null, states });
  const matching = await planMessageList(db, filter);
  if (matching.empty) throw new NothingToResendError();

  const candidates = await executeRows<{ id: string }>(
    db,
    sql`select s.id::text as id from sends s
         where ${candidateConditions(filter, states, listHash)}
           and exists (select 1 from messages m join channels c on c.id = m.channel_id
                        where m.send_id = s.id and m.status = any(${arrayParam(states, "text")}) and ${matching.where})
         order by s.created_at, s.id
         limit ${MAX_LIST_RESEND_SENDS + 1}::int`,
  );
  if (candidates.length > MAX_LIST_RESEND_SENDS) throw new TooManySendsError();

  // Every send is judged before any is made, so a refusal (a disabled channel, content of the
  // other type) makes none of them.
  const judged: { plan: ResendPlan; judged: Judged }[] = [];
  for (const { id } of candidates) {
    const source = await findSource(db, id);
    const plan = planFor(source, target ?? source.channel, states, { filter: stored, givenKey: input.idempotencyKey, listHash });
    const earlier = await earlierAnswer(db, plan);
    // A send whose matching messages were all resent already takes no part.
    if (!earlier && !(await anyResendable(db, plan.audience))) continue;
    judged.push({ plan, judged: earlier ? { earlier } : await judge(db, plan) });
  }
  const resends: ResendResult[] = [];
  for (const { plan, judged: one } of judged) {
    if (one.earlier) {
      resends.push(one.earlier);
      continue;
    }
    const audienceSize = await countResendable(db, plan.audience);
    if (audienceSize > 0) resends.push(await storeResend(db, input.actor, plan, one, audienceSize));
  }
  if (resends.length === 0) throw new NothingToResendError();
  return { resends };
}

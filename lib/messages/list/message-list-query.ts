import { sql, type SQL } from "drizzle-orm";
import { arrayParam } from "@/lib/db/array-literal";
import { executeRows, type Db } from "@/lib/db/client";
import type { MessageState } from "@/lib/messages/message-states";
import { listChannelInfo, type ChannelInfo } from "@/lib/messages/stats/range-cells";
import type { LossCategory } from "@/lib/messages/stats/stats-types";
import { codesPresent, loadCodeDictionaryFor, messageCategory } from "./message-category";
import { phoneMatch, type MessageListFilter } from "./message-list-filter";

/**
 * The message list: messages newest first by id, filtered on the server, keyset-paged on the id
 * (a page never repeats or skips a message, whatever is inserted meanwhile: new messages get
 * larger ids than any page already read). The same conditions feed the export
 * (lib/messages/export), so an export holds exactly the rows the list shows.
 *
 * Speed on millions of rows comes from the indexes that end in the id, so `order by id desc
 * limit n` walks an index and stops after n rows: (send_id, status, id), (send_id, id),
 * (phone, id), (userid, id), (error_code, id) for coded messages, and the primary key for the
 * rest. A time range becomes id bounds too (ids grow with created_at, see timeToIdBounds), so the
 * walk starts at the range's end instead of the newest message.
 */

/** A message as the list answers it: the REST list's fields (DESIGN.md section 6) and its channel. */
export interface MessageListItem {
  /** A bigint, as a string. */
  id: string;
  sendId: string;
  channelKey: string;
  userid: string | null;
  phone: string;
  status: MessageState;
  providerMessageId: string | null;
  segments: number;
  attempts: number;
  uncertain: boolean;
  errorCode: string | null;
  /** Read now from the provider's receipt codes, else the console's reasons (message-category.ts). */
  errorCategory: LossCategory | null;
  createdAt: string;
  submittedAt: string | null;
  doneAt: string | null;
  updatedAt: string;
}

export interface MessageListPage {
  items: MessageListItem[];
  nextCursor: string | null;
}

/**
 * How far a message's created_at may run behind a message with a smaller id: created_at is the
 * inserting transaction's start, and a transaction that writes messages lasts about a second
 * (lib/messages/send-preparer.ts writes chunks of 50,000). Time bounds are widened by this much
 * before they become id bounds; the exact created_at condition still decides.
 */
export const CREATION_SKEW_MS = 15 * 60_000;

/** Text the database turns into an ISO instant ("2026-03-01T08:00:00.123Z"), as the REST API writes times. */
export function isoSql(column: SQL): SQL {
  return sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/**
 * The conditions of a filter, resolved once, over `m` (messages) alone: channels are named by id
 * and categories by their codes, so no query joins and the planner always walks an index in id
 * order. A category becomes one branch per raw code that means it (each walks the error_code
 * index), merged in id order.
 */
export interface MessageListPlan {
  /** The whole filter as one condition over `m` (branches or-ed), for queries of their own. */
  where: SQL;
  /** Conditions every row meets. */
  conditions: SQL[];
  /** Alternatives of which a row meets one (a category's codes); null: no alternatives. */
  branches: SQL[] | null;
  /** Nothing can match (an unknown channel or provider, a category no message has). */
  empty: boolean;
  /** Every channel, for the rows' channel keys and providers. */
  channels: ChannelInfo[];
}

const at = (iso: string) => sql`${iso}::timestamptz`;

/**
 * Id bounds that hold every message created in [from, to): lower < id < upper. Read from
 * message_stats, whose cells keep the newest id created in each minute (and hour): the newest
 * message created a skew before `from` has an id below every message created from `from` on, and
 * one created a skew after `to` has an id above every message created before `to`.
 */
export async function timeToIdBounds(db: Db, from: string | undefined, to: string | undefined): Promise<{ lower: bigint | null; upper: bigint | null }> {
  if (!from && !to) return { lower: null, upper: null };
  const before = (iso: string, backMs: number) => new Date(Date.parse(iso) - backMs).toISOString();
  const after = (iso: string, aheadMs: number) => new Date(Date.parse(iso) + aheadMs).toISOString();
  // A bucket ends a minute (an hour) after its start, so a bucket wholly before t starts a grain before it.
  const lowerSql = from
    ? sql`coalesce(
        (select max(last_message_id) from message_stats where grain = 'minute' and bucket =
          (select max(bucket) from message_stats where grain = 'minute' and bucket <= ${at(before(from, CREATION_SKEW_MS + 60_000))})),
        (select max(last_message_id) from message_stats where grain = 'hour' and bucket =
          (select max(bucket) from message_stats where grain = 'hour' and bucket <= ${at(before(from, CREATION_SKEW_MS + 3_600_000))})))`
    : sql`null::bigint`;
  const upperSql = to
    ? sql`coalesce(
        (select max(last_message_id) from message_stats where grain = 'minute' and bucket =
          (select min(bucket) from message_stats where grain = 'minute' and bucket >= ${at(after(to, CREATION_SKEW_MS))})),
        (select max(last_message_id) from message_stats where grain = 'hour' and bucket =
          (select min(bucket) from message_stats where grain = 'hour' and bucket >= ${at(after(to, CREATION_SKEW_MS))})))`
    : sql`null::bigint`;
  const [row] = await executeRows<{ lower: string | null; upper: string | null }>(db, sql`select (${lowerSql})::text as lower, (${upperSql})::text as upper`);
  return { lower: row?.lower ? BigInt(row.lower) : null, upper: row?.upper ? BigInt(row.upper) : null };
}

/** The channels a filter names, or null when it names none (every channel). */
function channelsOf(channels: ChannelInfo[], filter: MessageListFilter): ChannelInfo[] | null {
  if (filter.channelKey === undefined && filter.provider === undefined) return null;
  return channels.filter((c) => (filter.channelKey === undefined || c.channelKey === filter.channelKey) && (filter.provider === undefined || c.providerId === filter.provider));
}

const idList = (channels: readonly ChannelInfo[]) => sql`m.channel_id in (${sql.join(channels.map((c) => sql`${c.id}::uuid`), sql`, `)})`;

/** Above this many codes a category is one `= any(…)` condition instead of a branch per code. */
const MAX_BRANCHES = 64;

/**
 * The alternatives a category means within some channels (the rule of message-category.ts, applied
 * to every code present in messages): for each code, the channels on which it means the category;
 * and, for "expired" and "unknown", messages without a code in the states that count as such.
 * An empty list: no message can be of the category.
 */
async function categoryBranches(db: Db, category: LossCategory, scope: ChannelInfo[]): Promise<SQL[]> {
  const codes = await codesPresent(db);
  const dictionary = await loadCodeDictionaryFor(db, codes);
  const perCode: { code: string; channels: ChannelInfo[] }[] = [];
  for (const code of codes) {
    if (code === "") continue;
    const on = scope.filter((c) => messageCategory(dictionary, c.providerId, code, "failed") === category);
    if (on.length) perCode.push({ code, channels: on });
  }
  // A code means the same on every channel in scope: no channel condition is needed for it.
  const withChannels = (entry: { channels: ChannelInfo[] }) => entry.channels.length < scope.length;
  const branches: SQL[] = [];
  if (perCode.length > MAX_BRANCHES) {
    const pairs = perCode.flatMap((e) => e.channels.map((c) => `${c.id} ${e.code}`));
    branches.push(
      sql`m.error_code = any(${arrayParam(perCode.map((e) => e.code), "text")}) and (m.channel_id::text || ' ' || m.error_code) = any(${arrayParam(pairs, "text")})`,
    );
  } else {
    for (const entry of perCode) branches.push(withChannels(entry) ? sql`m.error_code = ${entry.code} and ${idList(entry.channels)}` : sql`m.error_code = ${entry.code}`);
  }
  const codeless = CODELESS_STATES[category];
  if (codeless) {
    branches.push(sql`(m.error_code is null or m.error_code = '') and m.status in (${sql.join(codeless.map((s) => sql`${s}`), sql`, `)})`);
  }
  return branches;
}

/** The states in which a message without a code counts under a category (message-category.ts). */
const CODELESS_STATES: Partial<Record<LossCategory, readonly string[]>> = { expired: ["expired"], unknown: ["failed", "unknown"] };

/**
 * For a filter by state that no index serves (no send, number, code or category): the newest id
 * that can match, from the counters (every message that is in a counter cell entered it, and the
 * cell keeps the newest id that entered), or "none" when no cell holds such a message. A state
 * no message is in is then answered without reading messages, and a rare one starts its walk
 * where its newest message is.
 */
async function stateUpperBound(db: Db, filter: MessageListFilter, channelIds: string[] | null): Promise<bigint | "none" | null> {
  if (!filter.status || filter.sendId || filter.userid || filter.phone || filter.code || filter.category) return null;
  const conditions: SQL[] = [sql`grain = 'hour'`, sql`n <> 0`, sql`status in (${sql.join(filter.status.map((s) => sql`${s}`), sql`, `)})`];
  if (channelIds) conditions.push(sql`channel_id in (${sql.join(channelIds.map((id) => sql`${id}::uuid`), sql`, `)})`);
  if (filter.from) conditions.push(sql`bucket >= date_trunc('hour', ${at(filter.from)} at time zone 'UTC') at time zone 'UTC'`);
  if (filter.to) conditions.push(sql`bucket < ${at(filter.to)}`);
  const [row] = await executeRows<{ id: string | null }>(db, sql`select max(last_message_id)::text as id from message_stats where ${sql.join(conditions, sql` and `)}`);
  return row?.id ? BigInt(row.id) : "none";
}

/** The first character after every prefix's last one, for a range an index can serve: "139" for "138". */
function prefixUpperBound(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

/** The filter's conditions over `m`. */
export async function planMessageList(db: Db, filter: MessageListFilter): Promise<MessageListPlan> {
  const where: SQL[] = [];
  const [channels, bounds] = await Promise.all([listChannelInfo(db), timeToIdBounds(db, filter.from, filter.to)]);
  const nothing: MessageListPlan = { where: sql`false`, conditions: [sql`false`], branches: null, empty: true, channels };
  const named = channelsOf(channels, filter);
  if (named !== null) {
    if (named.length === 0) return nothing;
    where.push(idList(named));
  }
  if (filter.sendId !== undefined) where.push(sql`m.send_id = ${filter.sendId}::uuid`);
  if (filter.status !== undefined) {
    where.push(filter.status.length === 1 ? sql`m.status = ${filter.status[0]}` : sql`m.status in (${sql.join(filter.status.map((s) => sql`${s}`), sql`, `)})`);
  }
  if (filter.userid !== undefined) where.push(sql`m.userid = ${filter.userid}`);
  if (filter.phone !== undefined) {
    const match = phoneMatch(filter.phone);
    if (match.kind === "exact") where.push(sql`m.phone = ${match.value}`);
    // A range the (phone, id) index can serve whatever the collation, and the prefix itself checked.
    else where.push(sql`m.phone >= ${match.value} and m.phone < ${prefixUpperBound(match.value)} and left(m.phone, ${match.value.length}::int) = ${match.value}`);
  }
  if (filter.code !== undefined) where.push(sql`m.error_code = ${filter.code}`);
  if (filter.from !== undefined) where.push(sql`m.created_at >= ${at(filter.from)}`);
  if (filter.to !== undefined) where.push(sql`m.created_at < ${at(filter.to)}`);
  if (bounds.lower !== null) where.push(sql`m.id > ${bounds.lower.toString()}::bigint`);
  if (bounds.upper !== null) where.push(sql`m.id < ${bounds.upper.toString()}::bigint`);
  const stateBound = await stateUpperBound(db, filter, named?.map((c) => c.id) ?? null);
  if (stateBound === "none") return nothing;
  if (stateBound !== null) where.push(sql`m.id <= ${stateBound.toString()}::bigint`);
  let branches: SQL[] | null = null;
  if (filter.category !== undefined) {
    branches = await categoryBranches(db, filter.category, named ?? channels);
    if (branches.length === 0) return nothing;
  }
  const all = branches ? [...where, sql`(${sql.join(branches.map((b) => sql`(${b})`), sql` or `)})`] : where;
  return { where: all.length ? sql.join(all, sql` and `) : sql`true`, conditions: where, branches, empty: false, channels };
}

/**
 * The statement reading `limit` rows of a plan newest first, below `before` when given. With
 * branches, each is its own ordered, limited walk and the union is merged by id (a Merge Append:
 * only as many rows are read from each as the page takes). `columns` must include
 * `m.id as sort_id`.
 */
export function planQuery(plan: MessageListPlan, columns: SQL, before: string | null, limit: number): SQL {
  const conditions = before === null ? plan.conditions : [...plan.conditions, sql`m.id < ${before}::bigint`];
  const where = (extra?: SQL) => {
    const all = extra ? [...conditions, extra] : conditions;
    return all.length ? sql.join(all, sql` and `) : sql`true`;
  };
  if (!plan.branches) return sql`select ${columns} from messages m where ${where()} order by m.id desc limit ${limit}`;
  const parts = plan.branches.map((branch) => sql`(select ${columns} from messages m where ${where(branch)} order by m.id desc limit ${limit})`);
  return sql`select * from (${sql.join(parts, sql` union all `)}) x order by x.sort_id desc limit ${limit}`;
}

const itemColumns = sql`m.id as sort_id, m.id::text as id, m.send_id::text as "sendId", m.channel_id::text as "channelId", m.userid, m.phone, m.status,
  m.provider_message_id as "providerMessageId", m.segments, m.attempts, m.uncertain, m.error_code as "errorCode",
  ${isoSql(sql`m.created_at`)} as "createdAt", ${isoSql(sql`m.submitted_at`)} as "submittedAt",
  ${isoSql(sql`m.done_at`)} as "doneAt", ${isoSql(sql`m.updated_at`)} as "updatedAt"`;

type ItemRow = Omit<MessageListItem, "channelKey" | "errorCategory"> & { sort_id: unknown; channelId: string };

export interface MessageListPageOptions {
  /** The previous page's nextCursor: the last id it held. */
  cursor?: string;
  limit: number;
}

/** One page of the filtered list, newest first. */
export async function listMessagePage(db: Db, filter: MessageListFilter, options: MessageListPageOptions): Promise<MessageListPage> {
  const plan = await planMessageList(db, filter);
  if (plan.empty) return { items: [], nextCursor: null };
  const rows = await executeRows<ItemRow>(db, planQuery(plan, itemColumns, options.cursor ?? null, options.limit + 1));
  const page = rows.slice(0, options.limit);
  const dictionary = await loadCodeDictionaryFor(db, [...new Set(page.flatMap((r) => (r.errorCode ? [r.errorCode] : [])))]);
  const channelOf = new Map(plan.channels.map((c) => [c.id, c]));
  const items = page.map(({ sort_id: _sortId, channelId, ...row }): MessageListItem => {
    const channel = channelOf.get(channelId);
    return {
      id: row.id,
      sendId: row.sendId,
      channelKey: channel?.channelKey ?? "",
      userid: row.userid,
      phone: row.phone,
      status: row.status,
      providerMessageId: row.providerMessageId,
      segments: Number(row.segments),
      attempts: Number(row.attempts),
      uncertain: row.uncertain,
      errorCode: row.errorCode,
      errorCategory: messageCategory(dictionary, channel?.providerId ?? "", row.errorCode, row.status),
      createdAt: row.createdAt,
      submittedAt: row.submittedAt,
      doneAt: row.doneAt,
      updatedAt: row.updatedAt,
    };
  });
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > options.limit && last ? last.id : null };
}

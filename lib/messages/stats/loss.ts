/**
 * Loss analysis: messages now failed, expired or unknown, by outcome category, raw code, channel
 * and provider, over a range of creation time (message_stats) or for one send (send_stats). The
 * category is joined from the dictionaries as the rows are read (code-category.ts), so classifying
 * a code moves its messages at once, without touching them.
 */
import { sql, type SQL } from "drizzle-orm";
import { executeRows, type Db } from "@/lib/db/client";
import { NotFoundError } from "@/lib/util/errors";
import { SendNotFoundError } from "@/lib/messages/send-queries";
import { channelProviderSql, codeCategorySql } from "./code-category";
import { listChannelInfo, LOSS_STATES, rangeCellsSql, toCount, type ChannelInfo } from "./range-cells";
import {
  UNCLASSIFIED,
  type LossAnalysis,
  type LossCategory,
  type LossCategoryCount,
  type LossCodeCount,
  type LossFilter,
  type UnclassifiedCode,
} from "./stats-types";
import { DEFAULT_RANGE_MS, toMinuteRange } from "./time-range";

/** One (channel, state, code) cell of lost messages with its category. */
interface LossCell {
  channelId: string;
  status: string;
  code: string;
  n: number;
  exampleId: string | null;
  category: LossCategory;
}

const lossStates = sql.join(LOSS_STATES.map((s) => sql`${s}`), sql`, `);

/** The cells' SQL, classified: `source` yields (channel_id, status, code, n, last_message_id). */
async function classifiedCells(db: Db, source: SQL): Promise<LossCell[]> {
  const rows = await executeRows<{ channel_id: string; status: string; code: string; n: string | number; example_id: string | null; category: string }>(
    db,
    sql`with agg as (
          select channel_id, status, code, sum(n) as n, max(last_message_id) as example_id
            from (${source}) cells group by 1, 2, 3 having sum(n) <> 0)
        select a.channel_id::text as channel_id, a.status, a.code, a.n, a.example_id::text as example_id,
               ${codeCategorySql(channelProviderSql("c"), sql`a.code`, sql`a.status`)} as category
          from agg a join channels c on c.id = a.channel_id`,
  );
  return rows.map((r) => ({ channelId: r.channel_id, status: r.status, code: r.code, n: toCount(r.n), exampleId: r.example_id, category: r.category as LossCategory }));
}

/** The channels a filter covers (all of them without channelKey and provider); 404 for unknown ones. */
function channelsInScope(filter: LossFilter, channels: readonly ChannelInfo[], providerIds: ReadonlySet<string>): ChannelInfo[] | undefined {
  if (filter.provider !== undefined && !providerIds.has(filter.provider)) {
    throw new NotFoundError("provider_not_found", `There is no provider "${filter.provider}".`);
  }
  if (filter.channelKey !== undefined) {
    const channel = channels.find((c) => c.channelKey === filter.channelKey);
    if (!channel) throw new NotFoundError("channel_not_found", `There is no channel "${filter.channelKey}".`);
    return filter.provider === undefined || channel.providerId === filter.provider ? [channel] : [];
  }
  if (filter.provider !== undefined) return channels.filter((c) => c.providerId === filter.provider);
  return undefined;
}

function addTo<K>(map: Map<K, number>, key: K, n: number): void {
  map.set(key, (map.get(key) ?? 0) + n);
}

function byCategoryOf(cells: readonly LossCell[]): LossCategoryCount[] {
  const counts = new Map<LossCategory, number>();
  for (const cell of cells) addTo(counts, cell.category, cell.n);
  return [...counts]
    .filter(([, count]) => count !== 0)
    .map(([category, count]) => ({ category, count }))
    .sort((a, b) => b.count - a.count || a.category.localeCompare(b.category, "en"));
}

/**
 * The newest message of each unclassified code as its example, checked against the messages: a
 * counter's example is the last message that entered the cell, which may have left it since (a late
 * report); then the newest message in scope that has the code now is looked up instead.
 */
async function checkedExamples(db: Db, items: UnclassifiedCode[], scope: SQL, channelKeys: ReadonlyMap<string, string>): Promise<UnclassifiedCode[]> {
  if (!items.length) return items;
  const ids = items.map((i) => i.exampleMessageId).filter((id) => id !== "");
  const found = ids.length
    ? await executeRows<{ id: string; error_code: string | null }>(
        db,
        sql`select id::text as id, error_code from messages where id in (${sql.join(ids.map((id) => sql`${id}::bigint`), sql`, `)})`,
      )
    : [];
  const codeOf = new Map(found.map((r) => [r.id, r.error_code]));
  return Promise.all(
    items.map(async (item) => {
      if (item.exampleMessageId && codeOf.get(item.exampleMessageId) === item.code) return item;
      const [row] = await executeRows<{ id: string; channel_id: string }>(
        db,
        sql`select m.id::text as id, m.channel_id::text as channel_id from messages m join channels c on c.id = m.channel_id
             where m.error_code = ${item.code} and m.status in (${lossStates}) and ${channelProviderSql("c")} = ${item.providerId} and ${scope}
             order by m.id desc limit 1`,
      );
      return row ? { ...item, exampleMessageId: row.id, channelKey: channelKeys.get(row.channel_id) ?? item.channelKey } : item;
    }),
  );
}

/** The analysis of a range (default: the last 24 hours), or of one send when `sendId` is given. */
export async function getLoss(db: Db, filter: LossFilter = {}): Promise<LossAnalysis> {
  const [channels, providers, sends] = await Promise.all([
    listChannelInfo(db),
    executeRows<{ id: string; name: string }>(db, sql`select id, name from providers`),
    filter.sendId === undefined
      ? Promise.resolve([])
      : executeRows<{ channel_id: string }>(db, sql`select channel_id::text as channel_id from sends where id = ${filter.sendId}::uuid`),
  ]);
  const scope = channelsInScope(filter, channels, new Set(providers.map((p) => p.id)));
  let cells: LossCell[];
  let from: string | null = null;
  let to: string | null = null;
  let exampleScope: SQL;
  if (filter.sendId !== undefined) {
    const [send] = sends;
    if (!send) throw new SendNotFoundError(filter.sendId);
    const inScope = !scope || scope.some((c) => c.id === send.channel_id);
    cells = inScope
      ? await classifiedCells(
          db,
          sql`select ${send.channel_id}::uuid as channel_id, status, code, n, last_message_id from send_stats
               where send_id = ${filter.sendId}::uuid and status in (${lossStates}) and n <> 0`,
        )
      : [];
    exampleScope = sql`m.send_id = ${filter.sendId}::uuid`;
  } else {
    const until = filter.to ?? new Date();
    const range = toMinuteRange({ from: filter.from ?? new Date(until.getTime() - DEFAULT_RANGE_MS), to: until });
    from = range.from.toISOString();
    to = range.to.toISOString();
    cells = await classifiedCells(db, rangeCellsSql(range, { channelIds: scope?.map((c) => c.id), statuses: LOSS_STATES }));
    exampleScope = sql`m.created_at >= ${from}::timestamptz and m.created_at < ${to}::timestamptz`;
  }
  if (scope) exampleScope = sql`${exampleScope} and m.channel_id in (${scope.length ? sql.join(scope.map((c) => sql`${c.id}::uuid`), sql`, `) : sql`null`})`;

  const channelById = new Map(channels.map((c) => [c.id, c]));
  const providerName = new Map(providers.map((p) => [p.id, p.name]));
  const providerOf = (cell: LossCell) => channelById.get(cell.channelId)?.providerId ?? "other";

  const byCode = new Map<string, LossCodeCount>();
  const unclassified = new Map<string, UnclassifiedCode & { exampleNumber: bigint }>();
  const perChannel = new Map<string, LossCell[]>();
  const perProvider = new Map<string, LossCell[]>();
  for (const cell of cells) {
    const providerId = providerOf(cell);
    const codeKey = `${providerId}\u0000${cell.code}`;
    const code = byCode.get(codeKey) ?? { code: cell.code, category: cell.category, count: 0, providerId };
    code.count += cell.n;
    byCode.set(codeKey, code);
    if (cell.category === UNCLASSIFIED) {
      const item = unclassified.get(codeKey) ?? { code: cell.code, count: 0, exampleMessageId: "", providerId, channelKey: "", exampleNumber: -1n };
      item.count += cell.n;
      if (cell.exampleId && BigInt(cell.exampleId) > item.exampleNumber) {
        item.exampleNumber = BigInt(cell.exampleId);
        item.exampleMessageId = cell.exampleId;
        item.channelKey = channelById.get(cell.channelId)?.channelKey ?? "";
      }
      unclassified.set(codeKey, item);
    }
    const ofChannel = perChannel.get(cell.channelId) ?? [];
    if (!ofChannel.length) perChannel.set(cell.channelId, ofChannel);
    ofChannel.push(cell);
    const ofProvider = perProvider.get(providerId) ?? [];
    if (!ofProvider.length) perProvider.set(providerId, ofProvider);
    ofProvider.push(cell);
  }
  const sum = (list: readonly LossCell[]) => list.reduce((total, c) => total + c.n, 0);
  const byCount = <T extends { count: number }>(a: T, b: T) => b.count - a.count;

  const unclassifiedItems = [...unclassified.values()]
    .filter((u) => u.count !== 0)
    .map(({ exampleNumber: _drop, ...item }) => item)
    .sort((a, b) => byCount(a, b) || a.code.localeCompare(b.code, "en"));
  return {
    from,
    to,
    total: sum(cells),
    byCategory: byCategoryOf(cells),
    byCode: [...byCode.values()].filter((c) => c.count !== 0).sort((a, b) => byCount(a, b) || a.code.localeCompare(b.code, "en") || a.providerId.localeCompare(b.providerId, "en")),
    unclassified: await checkedExamples(db, unclassifiedItems, exampleScope, new Map(channels.map((c) => [c.id, c.channelKey]))),
    byChannel: [...perChannel]
      .map(([channelId, list]) => {
        const channel = channelById.get(channelId);
        return { channelKey: channel?.channelKey ?? "", name: channel?.name ?? "", providerId: channel?.providerId ?? "other", count: sum(list), byCategory: byCategoryOf(list) };
      })
      .filter((c) => c.count !== 0)
      .sort((a, b) => byCount(a, b) || a.channelKey.localeCompare(b.channelKey, "en")),
    byProvider: [...perProvider]
      .map(([providerId, list]) => ({ providerId, name: providerName.get(providerId) ?? providerId, count: sum(list), byCategory: byCategoryOf(list) }))
      .filter((p) => p.count !== 0)
      .sort((a, b) => byCount(a, b) || a.providerId.localeCompare(b.providerId, "en")),
  };
}

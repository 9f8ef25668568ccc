import { sql } from "drizzle-orm";
import { executeRows, type Db } from "@/lib/db/client";
import { loadCodeDictionary, messageCategory } from "@/lib/messages/list/message-category";
import type { MessageListFilter } from "@/lib/messages/list/message-list-filter";
import { isoSql, planMessageList, planQuery } from "@/lib/messages/list/message-list-query";

/**
 * The rows of an export, read in keyset batches newest first (`id < last` on the list's own
 * conditions), which works alike on PGlite and PostgreSQL and holds no cursor or transaction open
 * while a slow client downloads. The next batch is asked for while the current one is written.
 */

/** The export's columns, in their fixed order; headers are messageExport.columns.<key>. */
export const EXPORT_COLUMNS = [
  { key: "id", width: 12 },
  { key: "sendId", width: 38 },
  { key: "channelKey", width: 14 },
  { key: "userid", width: 20 },
  { key: "phone", width: 16 },
  { key: "status", width: 11 },
  { key: "errorCode", width: 16 },
  { key: "errorCategory", width: 16 },
  { key: "providerMessageId", width: 24 },
  { key: "segments", width: 8 },
  { key: "createdAt", width: 25 },
  { key: "updatedAt", width: 25 },
] as const;

export type ExportColumnKey = (typeof EXPORT_COLUMNS)[number]["key"];

/** One exported message, as its cells in column order. */
export type ExportRow = [
  id: string,
  sendId: string,
  channelKey: string,
  userid: string | null,
  phone: string,
  status: string,
  errorCode: string | null,
  errorCategory: string | null,
  providerMessageId: string | null,
  segments: number,
  createdAt: string,
  updatedAt: string,
];

export const DEFAULT_EXPORT_BATCH = 5000;

interface RawRow {
  id: string;
  s: string;
  ch: string;
  u: string | null;
  p: string;
  st: string;
  e: string | null;
  pm: string | null;
  sg: number;
  ca: string;
  ua: string;
}

/** Batches of the filtered list's rows, newest first, until none is left. */
export async function* exportBatches(db: Db, filter: MessageListFilter, batchSize = DEFAULT_EXPORT_BATCH): AsyncGenerator<ExportRow[]> {
  const [plan, dictionary] = await Promise.all([planMessageList(db, filter), loadCodeDictionary(db)]);
  if (plan.empty) return;
  const channelOf = new Map(plan.channels.map((c) => [c.id, c]));
  const columns = sql`m.id as sort_id, m.id::text as id, m.send_id::text as s, m.channel_id::text as ch, m.userid as u, m.phone as p,
    m.status as st, m.error_code as e, m.provider_message_id as pm, m.segments as sg,
    ${isoSql(sql`m.created_at`)} as ca, ${isoSql(sql`m.updated_at`)} as ua`;
  const read = (before: string | null) => executeRows<RawRow>(db, planQuery(plan, columns, before, batchSize));
  // A batch asked for ahead and then not wanted (the download stopped) must not fail unheard.
  const ahead = (promise: Promise<RawRow[]>) => {
    promise.catch(() => {});
    return promise;
  };
  let pending = ahead(read(null));
  for (;;) {
    const raw = await pending;
    if (raw.length === 0) return;
    // Ask for the next batch before this one is turned into cells and written.
    pending = raw.length === batchSize ? ahead(read(raw[raw.length - 1]!.id)) : Promise.resolve([]);
    const rows: ExportRow[] = new Array(raw.length);
    for (let i = 0; i < raw.length; i++) {
      const r = raw[i]!;
      const channel = channelOf.get(r.ch);
      rows[i] = [
        r.id,
        r.s,
        channel?.channelKey ?? "",
        r.u,
        r.p,
        r.st,
        r.e,
        messageCategory(dictionary, channel?.providerId ?? "", r.e, r.st),
        r.pm,
        Number(r.sg),
        r.ca,
        r.ua,
      ];
    }
    yield rows;
  }
}

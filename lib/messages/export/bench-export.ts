/**
 * Speed check of the message list and the export on PostgreSQL, run by hand (not part of the
 * test suite; `npm run bench:dashboard` is the product's benchmark):
 *
 *     npx tsx lib/messages/export/bench-export.ts [rows=1000000] [--url=postgres://…] [--keep] [--explain] [--formats=csv,xlsx]
 *
 * Seeds `rows` messages over 30 days on 4 channels (3 providers) with a realistic outcome mix into
 * a scratch database on the server of DATABASE_URL (default the local one), or reuses the database
 * of --url. Then times list pages for each filter (median of 7), and the CSV and .xlsx export of
 * every message to a stream that discards the bytes, sampling the process's peak RSS.
 * --explain prints each list query's plan. Prints the machine's cores.
 */
import os from "node:os";
import { Writable } from "node:stream";
import { sql } from "drizzle-orm";
import { arrayParam } from "@/lib/db/array-literal";
import { executeRows, openDatabase, runMigrations, type Db } from "@/lib/db/client";
import { createScratchDatabase } from "@/lib/db/scratch-database";
import type { MessageListFilter } from "@/lib/messages/list/message-list-filter";
import { countMessagesFromCounters } from "@/lib/messages/list/message-list-count";
import { listMessagePage, planMessageList } from "@/lib/messages/list/message-list-query";
import { writeMessagesExport, type ExportProgress } from "./write-messages-export";

const args = process.argv.slice(2);
const rows = Number(args.find((a) => /^\d+$/.test(a)) ?? 1_000_000);
const reuseUrl = args.find((a) => a.startsWith("--url="))?.slice(6);
const keep = args.includes("--keep");
const explain = args.includes("--explain");
/** --formats=csv to time one format only. */
const exportFormats = (args.find((a) => a.startsWith("--formats="))?.slice(10).split(",") ?? ["csv", "xlsx"]) as ("csv" | "xlsx")[];
const DAY = 86_400_000;

const CHANNELS = [
  { key: "benchcm001", type: "cmpp", provider: "china_mobile" },
  { key: "benchcm002", type: "cmpp", provider: "china_mobile" },
  { key: "benchcu001", type: "cmpp", provider: "china_unicom" },
  { key: "benchjs001", type: "jsms", provider: "jsms" },
] as const;

async function seed(db: Db, total: number): Promise<{ start: Date; sendIds: string[] }> {
  const channelIds: string[] = [];
  for (const c of CHANNELS) {
    const [row] = await executeRows<{ id: string }>(
      db,
      sql`insert into channels (channel_key, name, type, config, sealed_secrets)
          values (${c.key}, ${c.key}, ${c.type}, ${JSON.stringify(c.type === "cmpp" ? { provider: c.provider } : {})}::jsonb, 'v1.bench')
          returning id::text as id`,
    );
    channelIds.push(row!.id);
  }
  await db.execute(sql`insert into receipt_codes (provider_id, code, outcome, category) values
    ('china_mobile', 'UNDELIV', 'failed', 'handset_off'), ('china_mobile', 'MK:0001', 'failed', 'invalid_number'),
    ('china_mobile', 'BLACK', 'failed', 'blacklisted'), ('china_unicom', 'UNDELIV', 'failed', 'unknown'),
    ('jsms', '4002', 'failed', 'invalid_number'), ('jsms', '4004', 'failed', 'carrier_block')
    on conflict do nothing`);
  // 200 sends, each a contiguous slice of the ids on one channel.
  const sendIds: string[] = [];
  for (let s = 0; s < 200; s++) {
    const [row] = await executeRows<{ id: string }>(
      db,
      sql`insert into sends (channel_id, created_by, status) values (${channelIds[s % CHANNELS.length]!}::uuid, 'bench', 'done') returning id::text as id`,
    );
    sendIds.push(row!.id);
  }
  const start = new Date(Date.now() - 30 * DAY);
  const perSend = Math.ceil(total / sendIds.length);
  const chunk = 100_000;
  for (let from = 0; from < total; from += chunk) {
    const to = Math.min(total, from + chunk);
    // Outcomes by i: 85 % delivered, 7 % failed (codes per provider), 2 % expired, 3 % unknown, the rest in flight.
    await db.execute(sql`
      insert into messages (send_id, channel_id, userid, phone, status, error_code, segments, created_at, updated_at)
      select s.send_id, s.channel_id, 'u' || (i % 200000), '13' || lpad(((i::bigint * 7919) % 1000000000)::text, 9, '0'),
             o.status, o.code, 1 + (i % 3 = 0)::int,
             ${start.toISOString()}::timestamptz + (i * ${(30 * DAY) / total}::float8) * interval '1 millisecond',
             ${start.toISOString()}::timestamptz + (i * ${(30 * DAY) / total}::float8 + 60000) * interval '1 millisecond'
        from generate_series(${from}::int, ${to - 1}::int) as i
        cross join lateral (select (${arrayParam(sendIds, "uuid")})[1 + i / ${perSend}] as send_id,
                                   (${arrayParam(channelIds, "uuid")})[1 + (i / ${perSend}) % ${CHANNELS.length}] as channel_id) s
        cross join lateral (select case when i % 100 < 85 then 'delivered' when i % 100 < 92 then 'failed'
                                        when i % 100 < 94 then 'expired' when i % 100 < 97 then 'unknown'
                                        when i % 100 < 98 then 'submitted' else 'queued' end as status) st
        cross join lateral (select st.status,
                                   case when st.status = 'failed' then (array['UNDELIV', 'MK:0001', 'BLACK', '4002', 'DB:0141', 'UNDELIV', 'MK:0001'])[1 + (i / 100) % 7]
                                        when st.status = 'unknown' then 'no_final_report'
                                        else null end as code) o`);
    process.stdout.write(`\rseeded ${to.toLocaleString("en")} messages`);
  }
  await db.execute(sql`update messages set error_code = 'RARE1' where id % 10007 = 0 and status = 'failed'`);
  await db.execute(sql`analyze`);
  process.stdout.write("\n");
  return { start, sendIds };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function timeIt(run: () => Promise<unknown>, times = 7): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < times; i++) {
    const t0 = performance.now();
    await run();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

/** A stream that takes every byte at once and keeps none. */
function discard(): Writable {
  return new Writable({ write: (_chunk, _encoding, callback) => callback() });
}

async function main() {
  const server = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const scratch = reuseUrl ? null : await createScratchDatabase(server);
  const url = reuseUrl ?? scratch!.url;
  const handle = await openDatabase({ databaseUrl: url, maxConnections: 4 });
  try {
    let info: { start: Date; sendIds: string[] };
    if (reuseUrl) {
      const [range] = await executeRows<{ start: string }>(handle.db, sql`select min(created_at)::text as start from messages`);
      const sends = await executeRows<{ id: string }>(handle.db, sql`select id::text as id from sends where created_by = 'bench' order by created_at`);
      info = { start: new Date(range!.start), sendIds: sends.map((s) => s.id) };
    } else {
      await runMigrations(handle, url);
      info = await seed(handle.db, rows);
    }
    await measure(handle.db, info);
  } finally {
    await handle.close();
    if (scratch && !keep) await scratch.drop();
    else if (scratch) console.log(`kept: ${scratch.url}`);
  }
}

async function measure(db: Db, info: { start: Date; sendIds: string[] }) {
  const day = (n: number) => new Date(info.start.getTime() + n * DAY).toISOString();
  const filters: [string, MessageListFilter][] = [
    ["no filter", {}],
    ["status failed", { status: ["failed"] }],
    ["status failed,expired", { status: ["failed", "expired"] }],
    ["status cancelled (none)", { status: ["cancelled"] }],
    ["channel", { channelKey: CHANNELS[2].key }],
    ["provider china_mobile", { provider: "china_mobile" }],
    ["send", { sendId: info.sendIds[17] }],
    ["send + failed", { sendId: info.sendIds[17], status: ["failed"] }],
    ["userid", { userid: "u12345" }],
    ["phone exact", { phone: "13000007919" }],
    ["phone prefix 1300000*", { phone: "1300000*" }],
    ["code UNDELIV", { code: "UNDELIV" }],
    ["code RARE1", { code: "RARE1" }],
    ["category invalid_number", { category: "invalid_number" }],
    ["category blacklisted + channel", { category: "blacklisted", channelKey: CHANNELS[0].key }],
    ["category unclassified", { category: "unclassified" }],
    ["category expired", { category: "expired" }],
    ["day 10 to 11", { from: day(10), to: day(11) }],
    ["day 3 to 4, failed, channel", { from: day(3), to: day(4), status: ["failed"], channelKey: CHANNELS[1].key }],
    ["loss link: category+channel+code+range", { category: "handset_off", channelKey: CHANNELS[0].key, code: "UNDELIV", from: day(5), to: day(12) }],
  ];
  console.log(`cores: ${os.cpus().length}; messages: ${(await executeRows<{ n: string }>(db, sql`select count(*)::text as n from messages`))[0]!.n}`);
  for (const [name, filter] of filters) {
    const first = await timeIt(() => listMessagePage(db, filter, { limit: 50 }));
    const page = await listMessagePage(db, filter, { limit: 50 });
    const second = page.nextCursor ? await timeIt(() => listMessagePage(db, filter, { limit: 50, cursor: page.nextCursor! })) : NaN;
    const count = await timeIt(() => countMessagesFromCounters(db, filter), 3);
    const total = await countMessagesFromCounters(db, filter);
    console.log(
      `${name.padEnd(42)} page ${first.toFixed(1).padStart(6)} ms, next ${second.toFixed(1).padStart(6)} ms, rows ${String(page.items.length).padStart(2)}, count ${total ?? "—"} (${count.toFixed(1)} ms)`,
    );
    if (explain) {
      const plan = await planMessageList(db, filter);
      const lines = await executeRows<{ "QUERY PLAN": string }>(
        db,
        sql`explain (analyze, buffers off, costs off) select m.id from messages m join channels c on c.id = m.channel_id where ${plan.where} order by m.id desc limit 51`,
      );
      console.log(lines.map((l) => `    ${l["QUERY PLAN"]}`).join("\n"));
    }
  }
  for (const format of exportFormats) {
    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    const t0 = performance.now();
    const done: ExportProgress = await writeMessagesExport(db, {}, format, discard());
    const seconds = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    console.log(
      `export ${format}: ${done.rows.toLocaleString("en")} rows, ${(done.bytes / 1e6).toFixed(1)} MB in ${seconds.toFixed(2)} s = ${Math.round(done.rows / seconds).toLocaleString("en")} rows/s, peak RSS ${Math.round(peak / 1e6)} MB`,
    );
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

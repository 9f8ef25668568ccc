/**
 * `npm run bench:dashboard` — the dashboard's reads on PostgreSQL with 1,000,000 messages.
 *
 * Creates a scratch database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres),
 * seeds 1,000,000 messages over the last 30 days on 4 channels (China Mobile, China Unicom and
 * China Telecom CMPP channels and a JSMS one) with a realistic outcome mix (about 90 % delivered;
 * failures over about 20 codes, 2 of them unknown to the dictionaries; some expired and unknown)
 * by INSERT … SELECT generate_series, so the statement triggers keep the counters as they would in
 * use, and prints the seed time. Then times each dashboard read 15 times (median and p95 in ms,
 * against the goals: < 100 ms each, a list page < 50 ms), the streamed export of every message in
 * a child process (rows/s and its peak resident memory), and drops the database.
 *
 * Options: --messages N (1000000), --runs N (15), --keep (leave the database, print its URL),
 * --no-export (skip the export).
 */
import { spawnSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import { executeRows, openDatabase, runMigrations, type Db } from "../lib/db/client";
import { createScratchDatabase } from "../lib/db/scratch-database";
import { messageListFilterFields } from "../lib/messages/list/message-list-filter";
import { listMessagePage } from "../lib/messages/list/message-list-query";
import { getMessage } from "../lib/messages/send-queries";
import { getAttention } from "../lib/messages/stats/attention";
import { getLoss } from "../lib/messages/stats/loss";
import { getOverview } from "../lib/messages/stats/overview";
import { getSeries } from "../lib/messages/stats/series";
import { lastDaysRange, todayRange } from "../lib/messages/stats/time-range";

const { values } = parseArgs({
  options: {
    messages: { type: "string", default: "1000000" },
    runs: { type: "string", default: "15" },
    keep: { type: "boolean", default: false },
    "no-export": { type: "boolean", default: false },
  },
});
const MESSAGES = Number(values.messages);
const RUNS = Number(values.runs);
const DAYS = 30;
/** Consecutive messages of a channel that make one send. */
const PER_SEND = 3000;
const root = path.resolve(__dirname, "..");

const CHANNELS = [
  { key: "cmppmobile", name: "China Mobile gateway", type: "cmpp", provider: "china_mobile", codes: 6 },
  { key: "cmppunicom", name: "China Unicom gateway", type: "cmpp", provider: "china_unicom", codes: 4 },
  { key: "cmpptelecom", name: "China Telecom gateway", type: "cmpp", provider: "china_telecom", codes: 4 },
  { key: "jsmsmain", name: "JSMS", type: "jsms", provider: "jsms", codes: 6 },
] as const;
/** Codes no dictionary knows: the unclassified list. */
const UNKNOWN_CODES = ["XX:9001", "ZZ:0042"];

const ms = (n: number) => n.toFixed(1);

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

async function seed(db: Db): Promise<{ seconds: number; eventSeconds: number }> {
  for (const [i, c] of CHANNELS.entries()) {
    await db.execute(sql`insert into channels (channel_key, name, type, config, sealed_secrets)
      values (${c.key}, ${c.name}, ${c.type}, ${JSON.stringify(c.type === "cmpp" ? { provider: c.provider } : {})}::jsonb, 'v1.bench')`);
    // The channel's failure codes: the first few failed codes of its provider's dictionary.
    await db.execute(sql`create table if not exists bench_codes (c int primary key, codes text[] not null)`);
    await db.execute(sql`insert into bench_codes
      select ${i}::int, array_agg(code order by code) from (
        select code from receipt_codes where provider_id = ${c.provider} and outcome = 'failed' and code <> 'EXPIRED'
         order by code limit ${c.codes}::int) picked`);
  }
  const sends = Math.ceil(MESSAGES / CHANNELS.length / PER_SEND) * CHANNELS.length;
  await db.execute(sql`create table bench_sends (idx int primary key, id uuid not null, channel_id uuid not null)`);
  await db.execute(sql`insert into bench_sends
    select g, gen_random_uuid(), (select id from channels order by channel_key offset 0 limit 1) from generate_series(0, ${sends - 1}::int) g`);
  // Send idx belongs to channel idx % 4 (in CHANNELS order).
  for (const [i, c] of CHANNELS.entries()) {
    await db.execute(sql`update bench_sends set channel_id = (select id from channels where channel_key = ${c.key}) where idx % 4 = ${i}::int`);
  }
  await db.execute(sql`insert into sends (id, channel_id, created_by, status, content, created_at)
    select id, channel_id, 'bench', 'done', '{"text":"Your code is 123456"}'::jsonb,
           now() - make_interval(days => ${DAYS}::int) + make_interval(secs => (idx / 4) * ${PER_SEND * 4}::int * ${(DAYS * 86400) / MESSAGES}::float8)
      from bench_sends`);

  const started = performance.now();
  const chunk = 100_000;
  for (let lo = 0; lo < MESSAGES; lo += chunk) {
    const hi = Math.min(MESSAGES, lo + chunk) - 1;
    // r: a fixed pseudo-random draw per message; the outcome mix in thousandths.
    await db.execute(sql`
      insert into messages (send_id, channel_id, userid, phone, status, error_code, error_category, provider_message_id, attempts,
                            created_at, updated_at, submitted_at, done_at)
      select s.id, s.channel_id, 'user' || (i % 250000), '138' || lpad((i % 100000000)::text, 8, '0'), o.status, o.code, null,
             case when o.status in ('delivered', 'expired', 'submitted') or (o.status = 'failed' and o.code not like 'submit_result:%' and o.code <> 'no_number_for_channel')
                  then lpad(to_hex(i), 16, '0') end,
             case when o.code = 'no_number_for_channel' then 0 else 1 end,
             h.at, h.at + interval '8 seconds', case when o.code = 'no_number_for_channel' then null else h.at + interval '1 second' end,
             case when o.status = 'submitted' then null else h.at + interval '8 seconds' end
        from generate_series(${lo}::int, ${hi}::int) i
        cross join lateral (select i % 4 as c, abs(hashint4(i)) % 1000 as r,
                                   now() - make_interval(days => ${DAYS}::int) + make_interval(secs => i * ${(DAYS * 86400) / MESSAGES}::float8) as at) h
        join bench_sends s on s.idx = (i / ${PER_SEND * 4}::int) * 4 + h.c
        join bench_codes bc on bc.c = h.c
        cross join lateral (select
          case when h.r < 900 then 'delivered' when h.r < 955 then 'failed' when h.r < 968 then 'expired'
               when h.r < 982 then 'unknown' when h.r < 990 then 'failed' when h.r < 997 then 'failed' else 'submitted' end as status,
          case when h.r < 900 then null
               when h.r < 955 then bc.codes[1 + (i / 7) % cardinality(bc.codes)]
               when h.r < 968 then case when h.c = 3 then null else 'EXPIRED' end
               when h.r < 982 then case when h.c = 3 then 'submit_outcome_unknown' else 'no_final_report' end
               when h.r < 990 then case when h.r % 2 = 0 then ${UNKNOWN_CODES[0]} else ${UNKNOWN_CODES[1]} end
               when h.r < 997 then case when h.c = 3 then 'no_number_for_channel' else 'submit_result:13' end
          end as code) o`);
  }
  const seconds = (performance.now() - started) / 1000;
  const eventsStarted = performance.now();
  // One event per message for the timeline's reads (a real message has two to four).
  await db.execute(sql`insert into message_events (message_id, at, kind, code)
    select id, coalesce(done_at, created_at), case when status = 'delivered' then 'delivered' else status end, error_code from messages`);
  await db.execute(sql`drop table bench_codes, bench_sends`);
  await db.execute(sql`analyze`);
  return { seconds, eventSeconds: (performance.now() - eventsStarted) / 1000 };
}

interface Timed {
  name: string;
  goal: number;
  median: number;
  p95: number;
}

async function time(name: string, goal: number, run: () => Promise<unknown>): Promise<Timed> {
  await run(); // warm: plans and caches, as a page in use has them
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await run();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  const result = { name, goal, median: quantile(samples, 0.5), p95: quantile(samples, 0.95) };
  console.log(`  ${name.padEnd(52)} median ${ms(result.median).padStart(7)} ms   p95 ${ms(result.p95).padStart(7)} ms   goal < ${goal} ms   ${result.median < goal ? "ok" : "MISSED"}`);
  return result;
}

function exportIn(databaseUrl: string, format: "csv" | "xlsx"): { rows: number; seconds: number; cpuSeconds: number; peakRssMb: number; sampledPeakRssMb: number; bytes: number } {
  const result = spawnSync(
    process.execPath,
    [path.join(root, "node_modules", "tsx", "dist", "cli.mjs"), path.join(root, "scripts", "bench-dashboard-export-child.ts")],
    { cwd: root, encoding: "utf8", env: { ...process.env, BENCH_DATABASE_URL: databaseUrl, BENCH_FORMAT: format }, maxBuffer: 16 << 20 },
  );
  if (result.status !== 0) throw new Error(`export child failed:\n${result.stderr}\n${result.stdout}`);
  return JSON.parse(result.stdout.trim().split("\n").pop()!) as ReturnType<typeof exportIn>;
}

async function main() {
  const serverUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  console.log(
    `bench:dashboard — ${MESSAGES.toLocaleString("en")} messages over ${DAYS} days, ${CHANNELS.length} channels; cores: ${os.cpus().length}; ` +
      `load average at start: ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`,
  );
  const scratch = await createScratchDatabase(serverUrl);
  const handle = await openDatabase({ databaseUrl: scratch.url, maxConnections: 4 });
  try {
    await runMigrations(handle, scratch.url);
    const db = handle.db;
    const seeded = await seed(db);
    const [stats] = await executeRows<{ minute: number; hour: number; send: number }>(
      db,
      sql`select (select count(*) from message_stats where grain = 'minute')::int as minute, (select count(*) from message_stats where grain = 'hour')::int as hour,
                 (select count(*) from send_stats)::int as send`,
    );
    console.log(
      `seeded in ${seeded.seconds.toFixed(1)} s (${Math.round(MESSAGES / seeded.seconds).toLocaleString("en")} messages/s with the counter triggers); ` +
        `events and ANALYZE ${seeded.eventSeconds.toFixed(1)} s; counter rows: ${stats!.minute.toLocaleString("en")} minute, ${stats!.hour.toLocaleString("en")} hour, ${stats!.send.toLocaleString("en")} send`,
    );

    const now = new Date();
    const mobile = CHANNELS[0].key;
    const [someSend] = await executeRows<{ id: string }>(db, sql`select id::text as id from sends order by created_at desc offset 10 limit 1`);
    const [someMessage] = await executeRows<{ id: string }>(db, sql`select id::text as id from messages where status = 'failed' order by id desc offset 1000 limit 1`);
    const day = (n: number) => ({ from: new Date(now.getTime() - n * 86_400_000), to: now });
    const listFilter = messageListFilterFields.parse({ status: "failed", channelKey: mobile, from: day(7).from.toISOString() });

    console.log(`reads (${RUNS} runs each, after one warm-up):`);
    const results: Timed[] = [];
    results.push(await time("overview, today (Asia/Shanghai)", 100, () => getOverview(db, todayRange(now))));
    results.push(await time("overview, last 7 days", 100, () => getOverview(db, lastDaysRange(7, now))));
    results.push(await time("attention (Overview)", 100, () => getAttention(db, { now })));
    results.push(await time("series, all channels, 1 day (hour buckets)", 100, () => getSeries(db, day(1))));
    results.push(await time("series, all channels, 7 days (day buckets)", 100, () => getSeries(db, day(7))));
    results.push(await time("series, all channels, 30 days (day buckets)", 100, () => getSeries(db, day(30))));
    results.push(await time("series, one channel, 1 day", 100, () => getSeries(db, { ...day(1), channelKey: mobile })));
    results.push(await time("series, one channel, 7 days", 100, () => getSeries(db, { ...day(7), channelKey: mobile })));
    results.push(await time("series, one channel, 30 days", 100, () => getSeries(db, { ...day(30), channelKey: mobile })));
    results.push(await time("series, 6 hours (minute buckets)", 100, () => getSeries(db, { from: new Date(now.getTime() - 6 * 3_600_000), to: now })));
    results.push(await time("loss by category and code, 30 days", 100, () => getLoss(db, day(30))));
    results.push(await time("loss by category and code, 30 days, one channel", 100, () => getLoss(db, { ...day(30), channelKey: mobile })));
    results.push(await time("loss by category and code, one send", 100, () => getLoss(db, { sendId: someSend!.id })));
    results.push(await time("message list page (failed, one channel, 7 days)", 50, () => listMessagePage(db, listFilter, { limit: 50 })));
    results.push(await time("message timeline (one message)", 100, () => getMessage(db, BigInt(someMessage!.id))));

    for (const format of values["no-export"] ? [] : (["csv", "xlsx"] as const)) {
      const e = exportIn(scratch.url, format);
      const rate = e.rows / e.seconds;
      console.log(
        `  export ${format}, every message: ${e.rows.toLocaleString("en")} rows in ${e.seconds.toFixed(1)} s (CPU ${e.cpuSeconds.toFixed(1)} s) = ${Math.round(rate).toLocaleString("en")} rows/s ` +
          `(goal ≥ 100,000: ${rate >= 100_000 ? "ok" : "MISSED"}), ${(e.bytes / 1e6).toFixed(0)} MB, peak RSS ${e.peakRssMb} MB (sampled ${e.sampledPeakRssMb} MB; goal < 300 MB: ${e.peakRssMb < 300 ? "ok" : "MISSED"})`,
      );
    }
    console.log(`load average at the end: ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
    const missed = results.filter((r) => r.median >= r.goal);
    console.log(missed.length ? `missed: ${missed.map((r) => r.name).join("; ")}` : "every read within its goal");
  } finally {
    await handle.close();
    if (values.keep) console.log(`kept ${scratch.url}`);
    else await scratch.drop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

import { sql } from "drizzle-orm";
import { Counter, Gauge, Registry, type Histogram } from "prom-client";
import { executeRows, type Db } from "@/lib/db/client";
import { MESSAGE_STATES } from "@/lib/messages/message-states";
import { freshLiveRows, queueByChannel, type LiveRowOfChannel, type QueueFigures } from "@/lib/messages/live/live-queries";
import { readSnapshot } from "@/lib/messages/live/live-merge";
import type { HistogramTotals } from "@/lib/messages/live/latency-histogram";
import type { LiveSnapshot } from "@/lib/messages/live/live-snapshot";
import { logger } from "@/lib/util/logger";

/**
 * The console's figures in Prometheus' text format, gathered when scraped: counts from the
 * database (cheap reads of counters: the sends' state counters, the imports' row counts, the
 * queue from the sends that are sending), and what every live process wrote to
 * channel_live_stats in the last 10 s (connections, submit latencies, CMPP and JSMS counters),
 * so any console process answers for all of them, workers included. Per-process series carry a
 * `process` label: each is a true counter of its process since it started, and Prometheus'
 * rate() and sum() work across restarts.
 *
 * A registry of its own per scrape: nothing of prom-client's global registry (or of whatever
 * else in the process registers there) is mixed in, and no series outlives the rows it came from.
 */
export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

export interface MetricsOptions {
  /** The database reads of one scrape stop after this long (default 2 s); the answer then says so. */
  queryTimeoutMs?: number;
}

interface DatabaseFigures {
  channels: Map<string, { channelKey: string; type: string }>;
  messages: Array<{ channelId: string; counts: Record<string, number> }>;
  queue: Map<string, QueueFigures>;
  imports: Record<"processed" | "inserted" | "updated" | "unchanged" | "failed", number>;
  live: LiveRowOfChannel[];
}

async function readDatabaseFigures(db: Db, timeoutMs: number): Promise<DatabaseFigures> {
  return db.transaction(async (tx) => {
    // Bounded per statement on PostgreSQL; a scrape must never pile up behind a slow database.
    await tx.execute(sql`select set_config('statement_timeout', ${String(timeoutMs)}, true)`);
    const channels = await executeRows<{ id: string; channel_key: string; type: string }>(tx, sql`select id::text as id, channel_key, type from channels`);
    const columns = MESSAGE_STATES.map((state) => sql.raw(`coalesce(sum(${state}_count), 0)::float8 as ${state}`));
    const messages = await executeRows<Record<string, number | string>>(
      tx,
      sql`select channel_id::text as channel_id, ${sql.join(columns, sql`, `)} from sends group by channel_id`,
    );
    const [imports] = await executeRows<Record<string, number>>(
      tx,
      sql`select coalesce(sum(processed_rows), 0)::float8 as processed, coalesce(sum(inserted), 0)::float8 as inserted,
                 coalesce(sum(updated), 0)::float8 as updated, coalesce(sum(unchanged), 0)::float8 as unchanged,
                 coalesce(sum(failed_rows), 0)::float8 as failed
            from imports`,
    );
    return {
      channels: new Map(channels.map((c) => [c.id, { channelKey: c.channel_key, type: c.type }])),
      messages: messages.map((row) => ({
        channelId: String(row.channel_id),
        counts: Object.fromEntries(MESSAGE_STATES.map((state) => [state, Number(row[state])])),
      })),
      queue: await queueByChannel(tx),
      imports: {
        processed: Number(imports?.processed ?? 0),
        inserted: Number(imports?.inserted ?? 0),
        updated: Number(imports?.updated ?? 0),
        unchanged: Number(imports?.unchanged ?? 0),
        failed: Number(imports?.failed ?? 0),
      },
      live: await freshLiveRows(tx),
    };
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the metrics queries took longer than ${ms} ms`)), ms);
    timer.unref();
    promise.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}

export async function renderMetrics(db: Db, options: MetricsOptions = {}): Promise<string> {
  const timeoutMs = options.queryTimeoutMs ?? 2_000;
  const registry = new Registry();
  const up = new Gauge({ name: "sms_metrics_database_up", help: "1 when this scrape read the database in time, else 0 (the other figures are then missing)", registers: [registry] });
  let figures: DatabaseFigures;
  try {
    figures = await withTimeout(readDatabaseFigures(db, timeoutMs), timeoutMs + 500);
    up.set(1);
  } catch (error) {
    logger.warn("metrics: reading the database failed", { error });
    up.set(0);
    return registry.metrics();
  }
  const keyOf = (channelId: string) => figures.channels.get(channelId)?.channelKey;

  const messages = new Gauge({ name: "sms_messages", help: "Messages by channel and state now (from the sends' counters)", labelNames: ["channel", "state"], registers: [registry] });
  for (const { channelId, counts } of figures.messages) {
    const channel = keyOf(channelId);
    if (channel) for (const state of MESSAGE_STATES) messages.set({ channel, state }, counts[state] ?? 0);
  }

  const depth = new Gauge({ name: "sms_dispatcher_queue_depth", help: "Queued messages of sends that are sending", labelNames: ["channel"], registers: [registry] });
  const lag = new Gauge({ name: "sms_dispatcher_lag_seconds", help: "Age of the oldest queued message of a sending send (0 when none)", labelNames: ["channel"], registers: [registry] });
  for (const [channelId, { channelKey }] of figures.channels) {
    const queue = figures.queue.get(channelId);
    depth.set({ channel: channelKey }, queue?.depth ?? 0);
    lag.set({ channel: channelKey }, queue?.lagSeconds ?? 0);
  }

  const imports = new Gauge({ name: "sms_import_rows", help: "Rows of every user import so far, by outcome (processed counts each row read)", labelNames: ["outcome"], registers: [registry] });
  for (const [outcome, n] of Object.entries(figures.imports)) imports.set({ outcome }, n);

  addLiveMetrics(registry, figures.live.flatMap((row) => {
    const channel = keyOf(row.channelId);
    const snapshot = readSnapshot(row.snapshot);
    return channel && snapshot ? [{ channel, process: row.processId, snapshot }] : [];
  }));
  return registry.metrics();
}

interface LiveSeries {
  channel: string;
  process: string;
  snapshot: LiveSnapshot;
}

function addLiveMetrics(registry: Registry, series: LiveSeries[]): void {
  const counter = (name: string, help: string, labelNames: string[]) => new Counter({ name, help, labelNames, registers: [registry] });
  const connection = new Gauge({
    name: "sms_cmpp_connection_state",
    help: "1 for the state each CMPP connection is in (up, down, refused), 0 for the others",
    labelNames: ["channel", "process", "connection", "state"],
    registers: [registry],
  });
  const submits = counter("sms_cmpp_submits_total", "SUBMITs written, per process since it started", ["channel", "process"]);
  const flowControl = counter("sms_cmpp_flow_control_total", "SUBMIT_RESP Result 8 (flow control), per process since it started", ["channel", "process"]);
  const reports = counter("sms_cmpp_reports_total", "Status reports received, per process since it started", ["channel", "process"]);
  const apiCalls = counter("sms_jsms_api_calls_total", "JSMS API requests (each try), per process since it started", ["channel", "process"]);
  const apiErrors = counter("sms_jsms_api_errors_total", "JSMS API requests that failed, by code", ["channel", "process", "code"]);
  const callbacks = counter("sms_jsms_callbacks_total", "JSMS callbacks by result (accepted, rejected, malformed, duplicated, unmatched)", ["channel", "process", "result"]);
  const balance = new Gauge({ name: "sms_jsms_balance", help: "The JSMS app's remaining SMS quota, as last asked", labelNames: ["channel"], registers: [registry] });
  const latency: Array<{ labels: Record<string, string>; totals: HistogramTotals }> = [];
  const newestBalance = new Map<string, { at: string; value: number }>();

  for (const { channel, process, snapshot: s } of series) {
    const labels = { channel, process };
    if (s.type === "cmpp") {
      for (const c of s.connections) {
        for (const state of ["up", "down", "refused"] as const) connection.set({ ...labels, connection: String(c.slot), state }, c.state === state ? 1 : 0);
      }
      submits.inc(labels, s.submits.total);
      flowControl.inc(labels, s.flowControl.total);
      reports.inc(labels, s.reports.total);
      latency.push({ labels, totals: s.latency.histogram });
    }
    if (s.type === "jsms") {
      apiCalls.inc(labels, s.api.calls);
      for (const [code, n] of Object.entries(s.api.errors)) apiErrors.inc({ ...labels, code }, n);
      for (const [result, n] of Object.entries(s.callbacks)) callbacks.inc({ ...labels, result }, n);
      const value = s.balance?.appBalance;
      const last = newestBalance.get(channel);
      if (s.balance && typeof value === "number" && (!last || last.at < s.balance.checkedAt)) newestBalance.set(channel, { at: s.balance.checkedAt, value });
    }
  }
  for (const [channel, { value }] of newestBalance) balance.set({ channel }, value);
  registry.registerMetric(precomputedHistogram("sms_submit_latency_seconds", "CMPP SUBMIT to SUBMIT_RESP, per process since it started", latency));
}

/**
 * A histogram whose buckets were counted elsewhere (by each process, into its snapshot):
 * prom-client's Histogram counts only what it observes itself. Its registry reads a metric's
 * name, help, type and get() (prom-client 15, lib/registry.js), which is all this provides.
 */
function precomputedHistogram(name: string, help: string, series: Array<{ labels: Record<string, string>; totals: HistogramTotals }>): Histogram {
  const values = series.flatMap(({ labels, totals }) => {
    let cumulative = 0;
    const buckets = totals.boundsSeconds.map((le, i) => {
      cumulative += totals.counts[i] ?? 0;
      return { metricName: `${name}_bucket`, labels: { ...labels, le }, value: cumulative };
    });
    return [
      ...buckets,
      { metricName: `${name}_bucket`, labels: { ...labels, le: "+Inf" }, value: totals.count },
      { metricName: `${name}_sum`, labels, value: totals.sumSeconds },
      { metricName: `${name}_count`, labels, value: totals.count },
    ];
  });
  const metric = { name, help, type: "histogram", aggregator: "sum", get: async () => ({ name, help, type: "histogram", aggregator: "sum", values }) };
  return metric as unknown as Histogram;
}

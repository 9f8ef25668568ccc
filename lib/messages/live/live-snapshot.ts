import { z } from "zod";
import type { CmppConnectionStatus } from "@/lib/sender/cmpp";
import { CALLBACK_RESULTS, type ChannelLive } from "./channel-live";
import { quantileMs } from "./latency-histogram";

/**
 * One process's view of one channel, as stored in channel_live_stats.snapshot (jsonb). The keys
 * are a contract with every reader (the cockpit, /api/metrics, the Overview's "needs attention"):
 * see README.md in this folder. Add keys; never rename or change one. `v` says the shape's
 * version; a reader skips a snapshot whose `v` it does not know (a process of another release
 * during an upgrade).
 */
export const LIVE_SNAPSHOT_VERSION = 1;

/** Readers ignore rows older than this: their process stopped writing (it writes every 2 s). */
export const LIVE_ROW_MAX_AGE_MS = 10_000;

export type ConnectionState = "up" | "down" | "refused";

const connectionSchema = z.object({
  slot: z.number(),
  state: z.enum(["up", "down", "refused"]),
  detail: z.string(),
  since: z.string(),
  lastError: z.string().nullable(),
  windowUsed: z.number(),
  windowSize: z.number(),
  version: z.string(),
});

const balanceSchema = z.object({
  appBalance: z.number().nullable(),
  appIndustry: z.number().nullable(),
  appMarket: z.number().nullable(),
  appVoice: z.number().nullable(),
  checkedAt: z.string(),
  error: z.string().nullable(),
});

const counts = z.record(z.string(), z.number());

export const liveSnapshotSchema = z.object({
  v: z.literal(LIVE_SNAPSHOT_VERSION),
  at: z.string(),
  process: z.object({ id: z.string(), kind: z.string(), pid: z.number(), host: z.string() }),
  type: z.enum(["cmpp", "jsms"]).nullable(),
  lanes: z.number(),
  connections: z.array(connectionSchema),
  tps: z.object({ submitsPerSecond: z.number(), limit: z.number(), perConnection: z.number(), configuredConnections: z.number() }),
  latency: z.object({
    p50Ms: z.number().nullable(),
    p99Ms: z.number().nullable(),
    samples: z.number(),
    lastMinute: z.array(z.tuple([z.number(), z.number()])),
    histogram: z.object({ boundsSeconds: z.array(z.number()), counts: z.array(z.number()), sumSeconds: z.number(), count: z.number() }),
  }),
  submits: z.object({ total: z.number(), accepted: z.number() }),
  flowControl: z.object({ total: z.number(), lastMinute: z.number() }),
  reports: z.object({ total: z.number(), perSecond: z.number() }),
  api: z.object({ calls: z.number(), errors: counts, recipientErrors: counts }),
  callbacks: z.object({ accepted: z.number(), rejected: z.number(), malformed: z.number(), duplicated: z.number(), unmatched: z.number() }),
  balance: balanceSchema.nullable(),
});

export type LiveSnapshot = z.infer<typeof liveSnapshotSchema>;
export type LiveConnection = z.infer<typeof connectionSchema>;
export type LiveBalance = z.infer<typeof balanceSchema>;

export interface ProcessIdentity {
  id: string;
  kind: string;
  pid: number;
  host: string;
}

/** "up" only when logged in and taking SUBMITs; "refused" while the gateway refuses the login. */
export function connectionStateOf(c: Pick<CmppConnectionStatus, "state" | "refused">): ConnectionState {
  if (c.state === "ready") return "up";
  if (c.refused !== null || c.state === "refused") return "refused";
  return "down";
}

const RATE_WINDOW_MS = 10_000;
const MINUTE_MS = 60_000;

/**
 * The channel's snapshot now. Samples the counters into their histories as it goes, so call it
 * once per tick (the rates are over the samples these calls took).
 */
export function buildLiveSnapshot(entry: ChannelLive, process: ProcessIdentity, now = Date.now()): LiveSnapshot {
  const readings = entry.cmppReadings();
  const totals = entry.cmppTotals(readings);
  entry.history.submits.add(totals.submits, now);
  entry.history.reports.add(totals.reports, now);
  entry.history.flowControlled.add(totals.flowControlled, now);
  const connections: LiveConnection[] = readings.flatMap((r) =>
    (r.pool?.connections ?? []).map((c, i) => ({
      slot: r.slots[i] ?? c.index,
      state: connectionStateOf(c),
      detail: c.state,
      since: c.since.toISOString(),
      lastError: c.lastError ?? c.refused?.reason ?? null,
      windowUsed: c.inFlight,
      windowSize: c.windowSize,
      version: c.version,
    })),
  );
  const lastMinute = entry.latency.lastMinute(now);
  const buckets = new Map(lastMinute);
  return {
    v: LIVE_SNAPSHOT_VERSION,
    at: new Date(now).toISOString(),
    process,
    type: entry.type,
    lanes: entry.lanes,
    connections: connections.sort((a, b) => a.slot - b.slot),
    tps: {
      submitsPerSecond: round(entry.history.submits.perSecond(RATE_WINDOW_MS, now)),
      limit: entry.tpsPerConnection * entry.configuredConnections,
      perConnection: entry.tpsPerConnection,
      configuredConnections: entry.configuredConnections,
    },
    latency: {
      p50Ms: roundOrNull(quantileMs(buckets, 0.5)),
      p99Ms: roundOrNull(quantileMs(buckets, 0.99)),
      samples: lastMinute.reduce((n, [, c]) => n + c, 0),
      lastMinute,
      histogram: entry.latencyTotals.totals(),
    },
    submits: { total: totals.submits, accepted: totals.accepted },
    flowControl: { total: totals.flowControlled, lastMinute: entry.history.flowControlled.increase(MINUTE_MS, now) },
    reports: { total: totals.reports, perSecond: round(entry.history.reports.perSecond(RATE_WINDOW_MS, now)) },
    api: { calls: entry.api.calls, errors: Object.fromEntries(entry.api.errors), recipientErrors: Object.fromEntries(entry.api.recipientErrors) },
    callbacks: Object.fromEntries(CALLBACK_RESULTS.map((r) => [r, entry.callbacks[r]])) as LiveSnapshot["callbacks"],
    balance: entry.balance,
  };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

function roundOrNull(n: number | null): number | null {
  return n === null ? null : round(n);
}

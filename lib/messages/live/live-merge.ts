import { CALLBACK_RESULTS, type CallbackResult } from "./channel-live";
import { mergeBuckets, quantileMs } from "./latency-histogram";
import { liveSnapshotSchema, type LiveBalance, type LiveConnection, type LiveSnapshot } from "./live-snapshot";

/**
 * The channel as the cockpit shows it: every live process's snapshot of it added together
 * (connections listed per process, rates and counters summed, latency quantiles from the summed
 * buckets, the newest balance).
 */
export interface LiveRow {
  processId: string;
  updatedAt: Date;
  snapshot: unknown;
}

export interface MergedLive {
  processes: Array<{ processId: string; kind: string; host: string; pid: number; lanes: number; updatedAt: string }>;
  connections: Array<LiveConnection & { processId: string }>;
  connectionsUp: number;
  submitsPerSecond: number;
  latency: { p50Ms: number | null; p99Ms: number | null; samples: number };
  submits: { total: number; accepted: number };
  flowControl: { total: number; lastMinute: number };
  reports: { total: number; perSecond: number };
  api: { calls: number; errors: Array<{ code: string; count: number }>; recipientErrors: Array<{ code: string; count: number }> };
  callbacks: Record<CallbackResult, number>;
  balance: LiveBalance | null;
}

/** The snapshot of a row, or null when it is not one this release can read. */
export function readSnapshot(raw: unknown): LiveSnapshot | null {
  const parsed = liveSnapshotSchema.safeParse(raw);
  return parsed.success ? parsed.data : null;
}

export function mergeLive(rows: readonly LiveRow[]): MergedLive {
  const snapshots = rows.flatMap((row) => {
    const snapshot = readSnapshot(row.snapshot);
    return snapshot ? [{ row, snapshot }] : [];
  });
  const sum = (pick: (s: LiveSnapshot) => number) => snapshots.reduce((n, { snapshot }) => n + pick(snapshot), 0);
  const buckets = mergeBuckets(snapshots.map(({ snapshot }) => snapshot.latency.lastMinute));
  const connections = snapshots
    .flatMap(({ row, snapshot }) => snapshot.connections.map((c) => ({ ...c, processId: row.processId })))
    .sort((a, b) => a.slot - b.slot || a.processId.localeCompare(b.processId));
  const balances = snapshots.flatMap(({ snapshot }) => (snapshot.balance ? [snapshot.balance] : []));
  return {
    processes: snapshots.map(({ row, snapshot }) => ({
      processId: row.processId,
      kind: snapshot.process.kind,
      host: snapshot.process.host,
      pid: snapshot.process.pid,
      lanes: snapshot.lanes,
      updatedAt: row.updatedAt.toISOString(),
    })),
    connections,
    connectionsUp: connections.filter((c) => c.state === "up").length,
    submitsPerSecond: round(sum((s) => s.tps.submitsPerSecond)),
    latency: {
      p50Ms: quantileMs(buckets, 0.5),
      p99Ms: quantileMs(buckets, 0.99),
      samples: [...buckets.values()].reduce((n, c) => n + c, 0),
    },
    submits: { total: sum((s) => s.submits.total), accepted: sum((s) => s.submits.accepted) },
    flowControl: { total: sum((s) => s.flowControl.total), lastMinute: sum((s) => s.flowControl.lastMinute) },
    reports: { total: sum((s) => s.reports.total), perSecond: round(sum((s) => s.reports.perSecond)) },
    api: {
      calls: sum((s) => s.api.calls),
      errors: mergeCounts(snapshots.map(({ snapshot }) => snapshot.api.errors)),
      recipientErrors: mergeCounts(snapshots.map(({ snapshot }) => snapshot.api.recipientErrors)),
    },
    callbacks: Object.fromEntries(CALLBACK_RESULTS.map((r) => [r, sum((s) => s.callbacks[r])])) as Record<CallbackResult, number>,
    balance: balances.sort((a, b) => b.checkedAt.localeCompare(a.checkedAt))[0] ?? null,
  };
}

function mergeCounts(maps: Array<Record<string, number>>): Array<{ code: string; count: number }> {
  const merged = new Map<string, number>();
  for (const map of maps) for (const [code, n] of Object.entries(map)) merged.set(code, (merged.get(code) ?? 0) + n);
  return [...merged].map(([code, count]) => ({ code, count })).sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

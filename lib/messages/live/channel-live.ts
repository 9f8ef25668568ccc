import type { CmppPoolCounters, CmppPoolStatus } from "@/lib/sender/cmpp";
import type { JsmsExchange, JsmsBalance } from "@/lib/sender/jsms";
import { CounterHistory } from "./counter-history";
import { CumulativeHistogram, LatencyWindow } from "./latency-histogram";

/**
 * What this process sees of each channel right now, collected where it happens (the CMPP lanes
 * and their pools, the JSMS lanes and client, the callback intake) and written to
 * channel_live_stats by live-stats-writer.ts. Nothing here touches the database.
 *
 * One registry per process, on globalThis: Next.js may load this module once per route bundle,
 * and the callback route, the dispatcher and the writer must all count into the same one.
 */
export type CallbackResult = "accepted" | "rejected" | "malformed" | "duplicated" | "unmatched";
export const CALLBACK_RESULTS: readonly CallbackResult[] = ["accepted", "rejected", "malformed", "duplicated", "unmatched"];

/** What a CMPP lane shows of itself: its pool (once open) and the connection slots it holds. */
export interface CmppLaneReading {
  pool: CmppPoolStatus | null;
  /** The channel's connection slot behind each pool connection, by pool index. */
  slots: readonly number[];
}

/** The CMPP counters the cockpit shows, summed over every pool this process opened for the channel. */
export interface CmppTotals {
  submits: number;
  accepted: number;
  flowControlled: number;
  reports: number;
}

export interface BalanceReading extends JsmsBalance {
  checkedAt: string;
  /** Why the last check failed (the JSMS code), with the values of the last check that worked. */
  error: string | null;
}

const ZERO_TOTALS: CmppTotals = { submits: 0, accepted: 0, flowControlled: 0, reports: 0 };

function totalsOf(counters: CmppPoolCounters): CmppTotals {
  return {
    submits: counters.segmentsSent,
    accepted: counters.segmentsAccepted,
    flowControlled: counters.flowControlled,
    reports: counters.receipts,
  };
}

function add(a: CmppTotals, b: CmppTotals): CmppTotals {
  return { submits: a.submits + b.submits, accepted: a.accepted + b.accepted, flowControlled: a.flowControlled + b.flowControlled, reports: a.reports + b.reports };
}

/** How long the cockpit counts as open after its last read: a bit more than two polls. */
const VIEW_MS = 10_000;

export class ChannelLive {
  type: "cmpp" | "jsms" | null = null;
  /** CMPP: the channel's setting, for the TPS limit. */
  tpsPerConnection = 0;
  configuredConnections = 0;
  readonly latency = new LatencyWindow();
  readonly latencyTotals = new CumulativeHistogram();
  readonly history = { submits: new CounterHistory(), reports: new CounterHistory(), flowControlled: new CounterHistory() };
  readonly api = { calls: 0, errors: new Map<string, number>(), recipientErrors: new Map<string, number>() };
  readonly callbacks: Record<CallbackResult, number> = { accepted: 0, rejected: 0, malformed: 0, duplicated: 0, unmatched: 0 };
  balance: BalanceReading | null = null;
  /** When the balance may be asked next (epoch ms). */
  balanceDueAt = 0;
  private viewedUntil = 0;
  private jsmsLanes = 0;
  private readonly cmppLanes = new Set<() => CmppLaneReading>();
  /** Counters of pools that closed, so totals never go back when a lane reopens. */
  private retired: CmppTotals = ZERO_TOTALS;

  constructor(readonly channelId: string) {}

  /** A CMPP lane opened; call the answer when it has closed its pool. */
  attachCmppLane(read: () => CmppLaneReading, settings: { tpsPerConnection: number; connections: number }): () => void {
    this.type = "cmpp";
    this.tpsPerConnection = settings.tpsPerConnection;
    this.configuredConnections = settings.connections;
    this.cmppLanes.add(read);
    let detached = false;
    return () => {
      if (detached) return;
      detached = true;
      const last = read().pool;
      if (last) this.retired = add(this.retired, totalsOf(last.counters));
      this.cmppLanes.delete(read);
    };
  }

  /** A JSMS lane opened; call the answer when it stops. */
  attachJsmsLane(): () => void {
    this.type = "jsms";
    this.jsmsLanes += 1;
    let detached = false;
    return () => {
      if (detached) return;
      detached = true;
      this.jsmsLanes -= 1;
    };
  }

  /** Lanes open in this process for the channel now. */
  get lanes(): number {
    return this.cmppLanes.size + this.jsmsLanes;
  }

  cmppReadings(): CmppLaneReading[] {
    return [...this.cmppLanes].map((read) => read());
  }

  cmppTotals(readings: readonly CmppLaneReading[] = this.cmppReadings()): CmppTotals {
    return readings.reduce((sum, r) => (r.pool ? add(sum, totalsOf(r.pool.counters)) : sum), this.retired);
  }

  recordSubmitLatency(ms: number, now = Date.now()): void {
    this.latency.record(ms, now);
    this.latencyTotals.record(ms);
  }

  countApiCall(exchange: JsmsExchange): void {
    this.api.calls += 1;
    if (exchange.errorCode !== null) bump(this.api.errors, String(exchange.errorCode));
  }

  /** Recipients of an answered batch that JSMS refused one by one (50006 invalid number…). */
  countRecipientError(code: string | number): void {
    bump(this.api.recipientErrors, String(code));
  }

  countCallback(result: CallbackResult, n = 1): void {
    this.callbacks[result] += n;
  }

  /** The cockpit read the channel: keep the balance fresh for a while. */
  noteViewed(now = Date.now()): void {
    this.viewedUntil = now + VIEW_MS;
  }

  /** The balance is worth asking: a lane sends on the channel here, or someone is looking. */
  wantsBalance(now = Date.now()): boolean {
    return this.type === "jsms" && (this.jsmsLanes > 0 || this.viewedUntil > now);
  }
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/** Channel keys are bounded by the channels table; this caps what a flood of odd error codes could add. */
const MAX_CHANNELS = 10_000;

const registryKey = Symbol.for("sms-console.channel-live");
type WithRegistry = typeof globalThis & { [registryKey]?: Map<string, ChannelLive> };

function registry(): Map<string, ChannelLive> {
  const g = globalThis as WithRegistry;
  return (g[registryKey] ??= new Map());
}

/** The channel's live state in this process, made on first use. */
export function channelLive(channelId: string, type?: "cmpp" | "jsms"): ChannelLive {
  const channels = registry();
  let entry = channels.get(channelId);
  if (!entry) {
    if (channels.size >= MAX_CHANNELS) channels.delete(channels.keys().next().value!);
    entry = new ChannelLive(channelId);
    channels.set(channelId, entry);
  }
  if (type && entry.type === null) entry.type = type;
  return entry;
}

export function liveChannels(): ChannelLive[] {
  return [...registry().values()];
}

/** Forgets everything (tests). */
export function resetChannelLive(): void {
  registry().clear();
}

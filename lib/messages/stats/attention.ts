/**
 * Channels needing attention, for the Overview: a delivery rate below the threshold over the last
 * hours (only with enough decided messages to mean something), raw codes nobody classified, and
 * what the processes see live (channel_live_stats): connections down or refused at login, a JSMS
 * balance running low. The live part reads only `connections[].state` and `balance` of fresh
 * snapshots, and passes over anything else or missing.
 */
import { sql } from "drizzle-orm";
import { executeRows, type Db } from "@/lib/db/client";
import { decidedOf, deliveryRateOf } from "./delivery-counts";
import { getLoss } from "./loss";
import { stateCountsByChannel } from "./overview";
import { listChannelInfo, type ChannelInfo } from "./range-cells";
import type { AttentionItem, AttentionOptions } from "./stats-types";

const HOUR = 3_600_000;

export const ATTENTION_DEFAULTS = {
  threshold: 0.8,
  minDecided: 20,
  rateWindowHours: 24,
  unclassifiedWindowDays: 7,
  balanceThreshold: 1000,
  liveMaxAgeSeconds: 60,
} as const satisfies Required<Omit<AttentionOptions, "now">>;

interface LiveView {
  states: string[];
  balance: number | null;
  balanceAt: number;
}

/** Connection states and the balance from each channel's fresh snapshots, summed over processes. */
async function liveByChannel(db: Db, now: Date, maxAgeSeconds: number): Promise<Map<string, LiveView>> {
  const rows = await executeRows<{ channel_id: string; snapshot: unknown; at: string }>(
    db,
    sql`select channel_id::text as channel_id, snapshot, extract(epoch from updated_at)::float8 as at from channel_live_stats
         where updated_at > ${now.toISOString()}::timestamptz - make_interval(secs => ${maxAgeSeconds})`,
  );
  const live = new Map<string, LiveView>();
  for (const row of rows) {
    const snapshot = (typeof row.snapshot === "string" ? safeJson(row.snapshot) : row.snapshot) as Record<string, unknown> | null;
    if (!snapshot || typeof snapshot !== "object") continue;
    const view = live.get(row.channel_id) ?? { states: [], balance: null, balanceAt: -Infinity };
    if (Array.isArray(snapshot.connections)) {
      for (const connection of snapshot.connections) {
        const state = (connection as { state?: unknown } | null)?.state;
        if (typeof state === "string") view.states.push(state);
      }
    }
    const at = Number(row.at);
    if (typeof snapshot.balance === "number" && Number.isFinite(snapshot.balance) && at > view.balanceAt) {
      view.balance = snapshot.balance;
      view.balanceAt = at;
    }
    live.set(row.channel_id, view);
  }
  return live;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function itemFor(channel: ChannelInfo, kind: AttentionItem["kind"], extra: Partial<AttentionItem>): AttentionItem {
  return { kind, channelKey: channel.channelKey, channelName: channel.name, providerId: channel.providerId, ...extra };
}

/**
 * What needs looking at, per channel. Live problems and the delivery rate are looked for on
 * enabled channels only; unclassified codes on every channel (the dictionary is the provider's).
 */
export async function getAttention(db: Db, options: AttentionOptions = {}): Promise<AttentionItem[]> {
  const o = { ...ATTENTION_DEFAULTS, ...options };
  const now = options.now ?? new Date();
  const [channels, rates, loss, live] = await Promise.all([
    listChannelInfo(db),
    stateCountsByChannel(db, { from: new Date(now.getTime() - o.rateWindowHours * HOUR), to: now }),
    getLoss(db, { from: new Date(now.getTime() - o.unclassifiedWindowDays * 24 * HOUR), to: now }),
    liveByChannel(db, now, o.liveMaxAgeSeconds),
  ]);
  const items: AttentionItem[] = [];
  for (const channel of channels) {
    if (channel.enabled) {
      const view = live.get(channel.id);
      if (view && view.states.length) {
        const refused = view.states.filter((s) => s === "refused").length;
        const down = view.states.filter((s) => s === "down").length;
        if (refused) items.push(itemFor(channel, "login_refused", { connectionsAffected: refused, connectionsTotal: view.states.length }));
        if (down) items.push(itemFor(channel, "gateway_down", { connectionsAffected: down, connectionsTotal: view.states.length }));
      }
      if (view?.balance !== null && view?.balance !== undefined && view.balance < o.balanceThreshold) {
        items.push(itemFor(channel, "balance_low", { balance: view.balance }));
      }
      const counts = rates.get(channel.id);
      const rate = counts ? deliveryRateOf(counts) : null;
      if (counts && rate !== null && decidedOf(counts) >= o.minDecided && rate < o.threshold) {
        items.push(itemFor(channel, "low_delivery_rate", { deliveryRate: rate, decided: decidedOf(counts) }));
      }
    }
    const codes = loss.unclassified.filter((u) => u.providerId === channel.providerId);
    const ownCodes = loss.byChannel.find((c) => c.channelKey === channel.channelKey)?.byCategory.find((c) => c.category === "unclassified");
    if (codes.length && ownCodes) items.push(itemFor(channel, "unclassified_codes", { codes: codes.length, messages: ownCodes.count }));
  }
  return items;
}

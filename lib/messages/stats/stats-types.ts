/**
 * The dashboard's answers, for the server and the browser alike (no imports of server code): the
 * query functions in this folder return them, the REST routes send them as JSON, the pages draw
 * them. Times are ISO 8601 strings in UTC; counts are plain numbers.
 */
import type { OutcomeCategory } from "@/lib/sender/outcome";

/** A half-open range [from, to) of message creation time. */
export interface TimeRange {
  from: Date;
  to: Date;
}

/** Chart bucket size, chosen from the range's length (see chooseSeriesGrain). */
export type SeriesGrain = "minute" | "hour" | "day";

/**
 * The category a lost message is counted under: one of the outcome categories, or
 * "unclassified" when neither the provider's receipt-code dictionary nor the console's own
 * reasons know its raw code.
 */
export type LossCategory = OutcomeCategory | "unclassified";
export const UNCLASSIFIED = "unclassified" as const;

/**
 * Counts of a set of messages.
 * sent: every message that got past the queue (not queued, not cancelled), including those that
 *   failed before they were submitted.
 * deliveryRate: delivered / (delivered + failed + expired + unknown); null when nothing is decided yet.
 */
export interface DeliveryCounts {
  sent: number;
  delivered: number;
  failed: number;
  expired: number;
  unknown: number;
  deliveryRate: number | null;
}

export interface OverviewTotals extends DeliveryCounts {
  queued: number;
  submitting: number;
  submitted: number;
  cancelled: number;
}

export interface OverviewChannel extends DeliveryCounts {
  channelKey: string;
  name: string;
  type: "jsms" | "cmpp";
  /** providers.id: config.provider for CMPP channels, "jsms" for JSMS ones. */
  providerId: string;
  enabled: boolean;
  /** The channel's messages still waiting or on their way (queued + submitting + submitted). */
  inFlight: number;
}

/** Every channel is listed (also those without messages in the range), in name order. */
export interface Overview {
  from: string;
  to: string;
  totals: OverviewTotals;
  channels: OverviewChannel[];
}

export interface SeriesBucket extends DeliveryCounts {
  /** Start of the bucket (a minute, an hour, or local midnight of the time zone for days). */
  start: string;
  channelKey: string;
}

/**
 * Chart data: one bucket per grain step per channel from the first bucket of the range to the
 * last, zero-filled, ordered by start then channelKey. Channels listed are the one asked for, or
 * every channel with messages in the range.
 */
export interface Series {
  from: string;
  to: string;
  grain: SeriesGrain;
  timeZone: string;
  channels: { channelKey: string; name: string }[];
  buckets: SeriesBucket[];
}

export interface LossCategoryCount {
  category: LossCategory;
  count: number;
}

export interface LossCodeCount {
  code: string;
  category: LossCategory;
  count: number;
  providerId: string;
}

export interface UnclassifiedCode {
  code: string;
  count: number;
  /** The newest message with this code (as a decimal string: message ids are bigint). */
  exampleMessageId: string;
  providerId: string;
  /** The channel the example message went on. */
  channelKey: string;
}

export interface LossChannelCount {
  channelKey: string;
  name: string;
  providerId: string;
  count: number;
  byCategory: LossCategoryCount[];
}

export interface LossProviderCount {
  providerId: string;
  name: string;
  count: number;
  byCategory: LossCategoryCount[];
}

/**
 * Loss analysis: messages now failed, expired or unknown, by category and by raw code (a message
 * without a code counts under code ""), largest first. Categories are read from the dictionaries
 * when asked, so a re-classified code moves at once.
 */
export interface LossAnalysis {
  /** The range read, or null for one send's analysis (which covers the whole send). */
  from: string | null;
  to: string | null;
  total: number;
  byCategory: LossCategoryCount[];
  byCode: LossCodeCount[];
  unclassified: UnclassifiedCode[];
  byChannel: LossChannelCount[];
  byProvider: LossProviderCount[];
}

export interface LossFilter {
  from?: Date;
  to?: Date;
  channelKey?: string;
  /** providers.id: every channel of that provider. */
  provider?: string;
  /** One send's analysis (its own counters; from and to are ignored). */
  sendId?: string;
}

export interface SeriesQuery extends TimeRange {
  channelKey?: string;
  /** IANA zone the day buckets follow; default "Asia/Shanghai". */
  timeZone?: string;
}

export type AttentionKind = "gateway_down" | "login_refused" | "balance_low" | "low_delivery_rate" | "unclassified_codes";

/** Something an operator should look at, with what to show (one item per kind per channel). */
export interface AttentionItem {
  kind: AttentionKind;
  channelKey: string;
  channelName: string;
  providerId: string;
  /** low_delivery_rate: the rate over the window. */
  deliveryRate?: number;
  /** low_delivery_rate: decided messages it is based on. */
  decided?: number;
  /** unclassified_codes: distinct unclassified codes of the channel's provider, and the channel's messages with one. */
  codes?: number;
  messages?: number;
  /** gateway_down / login_refused: connections in that state, of all reported. */
  connectionsAffected?: number;
  connectionsTotal?: number;
  /** balance_low: the JSMS account balance reported. */
  balance?: number;
}

export interface AttentionOptions {
  now?: Date;
  /** Delivery rate below this is flagged (default 0.8). */
  threshold?: number;
  /** Only with at least this many decided messages in the window (default 20). */
  minDecided?: number;
  /** Window of the delivery rate, in hours (default 24). */
  rateWindowHours?: number;
  /** Window in which unclassified codes are looked for, in days (default 7). */
  unclassifiedWindowDays?: number;
  /** A JSMS balance below this is flagged (default 1000). */
  balanceThreshold?: number;
  /** Live snapshots older than this are ignored, in seconds (default 60). */
  liveMaxAgeSeconds?: number;
}

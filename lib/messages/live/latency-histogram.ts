/**
 * SUBMIT → SUBMIT_RESP latencies, kept two ways:
 *
 * - the last minute as log-spaced buckets (each about 4 % wider than the one before, from 0.05 ms
 *   up), in six 10-second slices that age out. p50/p99 read from them are within 2 % of the exact
 *   quantile, the memory is bounded (a few hundred buckets a slice whatever the rate), and, unlike
 *   a reservoir of samples or prom-client's Summary, buckets from several processes add up, so
 *   the cockpit shows the channel's quantiles across every dispatcher that sends on it;
 * - every latency since the process started in Prometheus' fixed buckets (seconds), for
 *   /api/metrics, where Prometheus computes quantiles over any range itself.
 */

const MIN_MS = 0.05;
const GROWTH = 1.04;
const LOG_GROWTH = Math.log(GROWTH);

/** [bucket, count] pairs: what a snapshot stores of the last minute. */
export type SparseBuckets = Array<[bucket: number, count: number]>;

/** Bucket k holds latencies in (MIN·G^(k−1), MIN·G^k] ms; bucket 0 everything up to MIN. */
export function bucketOf(ms: number): number {
  if (!(ms > MIN_MS)) return 0;
  return Math.ceil(Math.log(ms / MIN_MS) / LOG_GROWTH);
}

/** A bucket's value as reported: the geometric middle of its range (the error is then at most half its width). */
export function bucketValueMs(bucket: number): number {
  return bucket <= 0 ? MIN_MS : MIN_MS * GROWTH ** (bucket - 0.5);
}

/** The q-quantile (0–1) of the latencies in `buckets`, or null when there are none. */
export function quantileMs(buckets: ReadonlyMap<number, number>, q: number): number | null {
  let total = 0;
  for (const n of buckets.values()) total += n;
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const bucket of [...buckets.keys()].sort((a, b) => a - b)) {
    seen += buckets.get(bucket)!;
    if (seen >= rank) return bucketValueMs(bucket);
  }
  return null;
}

export function mergeBuckets(lists: Iterable<SparseBuckets>): Map<number, number> {
  const merged = new Map<number, number>();
  for (const list of lists) for (const [bucket, n] of list) merged.set(bucket, (merged.get(bucket) ?? 0) + n);
  return merged;
}

const SLICE_MS = 10_000;
const SLICES = 6;

/** The last minute of latencies (SLICES slices of SLICE_MS); older slices are dropped as time passes. */
export class LatencyWindow {
  private readonly slices: Array<{ start: number; counts: Map<number, number> }> = [];

  record(ms: number, now = Date.now()): void {
    const start = now - (now % SLICE_MS);
    let slice = this.slices[this.slices.length - 1];
    if (!slice || slice.start !== start) {
      slice = { start, counts: new Map() };
      this.slices.push(slice);
      this.prune(now);
    }
    const bucket = bucketOf(ms);
    slice.counts.set(bucket, (slice.counts.get(bucket) ?? 0) + 1);
  }

  /** The buckets of the last minute (the current slice and the five before it). */
  lastMinute(now = Date.now()): SparseBuckets {
    this.prune(now);
    const merged = mergeBuckets(this.slices.map((s) => [...s.counts]));
    return [...merged].sort((a, b) => a[0] - b[0]);
  }

  private prune(now: number): void {
    const oldest = now - (now % SLICE_MS) - (SLICES - 1) * SLICE_MS;
    while (this.slices.length > 0 && this.slices[0]!.start < oldest) this.slices.shift();
  }
}

/** Prometheus buckets for the submit latency, in seconds (a CMPP gateway answers in ms to seconds). */
export const LATENCY_BOUNDS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] as const;

export interface HistogramTotals {
  boundsSeconds: number[];
  /** Per bucket (not cumulative), one more than the bounds: the last is above the highest bound. */
  counts: number[];
  sumSeconds: number;
  count: number;
}

/** Every latency since the process started, in LATENCY_BOUNDS_SECONDS. */
export class CumulativeHistogram {
  private readonly counts = new Array<number>(LATENCY_BOUNDS_SECONDS.length + 1).fill(0);
  private sum = 0;
  private total = 0;

  record(ms: number): void {
    const seconds = ms / 1000;
    let i = LATENCY_BOUNDS_SECONDS.findIndex((bound) => seconds <= bound);
    if (i < 0) i = LATENCY_BOUNDS_SECONDS.length;
    this.counts[i]! += 1;
    this.sum += seconds;
    this.total += 1;
  }

  totals(): HistogramTotals {
    return { boundsSeconds: [...LATENCY_BOUNDS_SECONDS], counts: [...this.counts], sumSeconds: this.sum, count: this.total };
  }
}

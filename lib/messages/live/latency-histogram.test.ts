import { describe, expect, it } from "vitest";
import { CounterHistory } from "./counter-history";
import { CumulativeHistogram, LatencyWindow, mergeBuckets, quantileMs } from "./latency-histogram";

/** The exact q-quantile (nearest rank) of a list. */
function exact(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

describe("submit latency over the last minute", () => {
  it("reads p50 and p99 within 2 % of the exact quantiles", () => {
    const window = new LatencyWindow();
    const now = 1_000_000;
    // A gateway's mix: most answers fast, a slow tail.
    const values = Array.from({ length: 5_000 }, (_, i) => (i % 50 === 0 ? 800 + (i % 7) * 90 : 3 + ((i * 7919) % 400) / 10));
    for (const ms of values) window.record(ms, now);
    const buckets = new Map(window.lastMinute(now));
    for (const q of [0.5, 0.99]) {
      const got = quantileMs(buckets, q)!;
      expect(Math.abs(got - exact(values, q)) / exact(values, q)).toBeLessThan(0.02);
    }
  });

  it("forgets what is older than a minute, and merges processes' buckets as one", () => {
    const window = new LatencyWindow();
    window.record(1_000, 0);
    window.record(5, 30_000);
    expect(quantileMs(new Map(window.lastMinute(59_999)), 0.99)).toBeGreaterThan(900);
    expect(quantileMs(new Map(window.lastMinute(65_000)), 0.99)).toBeLessThan(6);
    expect(window.lastMinute(100_000)).toEqual([]);

    const a = new LatencyWindow();
    const b = new LatencyWindow();
    const both = new LatencyWindow();
    for (let i = 1; i <= 100; i++) {
      (i % 2 ? a : b).record(i, 0);
      both.record(i, 0);
    }
    expect(mergeBuckets([a.lastMinute(0), b.lastMinute(0)])).toEqual(new Map(both.lastMinute(0)));
  });

  it("keeps every latency since start in Prometheus' buckets", () => {
    const h = new CumulativeHistogram();
    for (const ms of [3, 7, 40, 40, 120_000]) h.record(ms);
    const totals = h.totals();
    expect(totals.count).toBe(5);
    expect(totals.counts.reduce((n, c) => n + c, 0)).toBe(5);
    expect(totals.counts[0]).toBe(1); // ≤ 5 ms
    expect(totals.counts[1]).toBe(1); // ≤ 10 ms
    expect(totals.counts[3]).toBe(2); // ≤ 50 ms
    expect(totals.counts[totals.counts.length - 1]).toBe(1); // above 60 s
    expect(totals.sumSeconds).toBeCloseTo(120.09, 5);
  });
});

describe("rates from sampled counters", () => {
  it("gives per second over the window, and the rise over the last minute", () => {
    const history = new CounterHistory();
    for (let s = 0; s <= 70; s += 2) history.add(s * 100, s * 1000);
    expect(history.perSecond(10_000, 70_000)).toBe(100);
    expect(history.increase(60_000, 70_000)).toBe(6_000);
    const fresh = new CounterHistory();
    fresh.add(5, 0);
    expect(fresh.perSecond(10_000, 0)).toBe(0);
  });
});

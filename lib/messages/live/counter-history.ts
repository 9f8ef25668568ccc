/**
 * A counter's value sampled over time (every snapshot tick), so a rate over the last N seconds
 * is the difference between the newest sample and the one N seconds before it. The counters
 * themselves stay where they are counted (the CMPP pool's own counters): nothing is done per
 * SUBMIT here.
 */
export class CounterHistory {
  private readonly samples: Array<{ at: number; value: number }> = [];

  constructor(private readonly keepMs = 60_000) {}

  add(value: number, at = Date.now()): void {
    this.samples.push({ at, value });
    // Keep one sample at or before the oldest window start, so a full window always has a base.
    while (this.samples.length > 2 && this.samples[1]!.at <= at - this.keepMs) this.samples.shift();
  }

  /** How much the counter grew over the last `windowMs` (or since the first sample, when younger). */
  increase(windowMs: number, now = Date.now()): number {
    const span = this.span(windowMs, now);
    return span ? span.delta : 0;
  }

  /** Per second over the last `windowMs`; 0 until two samples are apart. */
  perSecond(windowMs: number, now = Date.now()): number {
    const span = this.span(windowMs, now);
    return span && span.ms > 0 ? (span.delta * 1000) / span.ms : 0;
  }

  private span(windowMs: number, now: number): { delta: number; ms: number } | null {
    const newest = this.samples[this.samples.length - 1];
    if (!newest) return null;
    const from = now - windowMs;
    let base = this.samples[0]!;
    for (const sample of this.samples) {
      if (sample.at <= from) base = sample;
      else break;
    }
    // A counter that went down was restarted underneath (a new pool): count from zero again.
    const delta = newest.value >= base.value ? newest.value - base.value : newest.value;
    return { delta, ms: newest.at - base.at };
  }
}

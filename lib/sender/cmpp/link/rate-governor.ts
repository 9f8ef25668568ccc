/**
 * How fast one connection may submit: the configured TPS as a token bucket, slowed further when
 * the gateway answers Result 8 (flow control).
 *
 * A Result 8 pauses sending for a backoff (doubling up to a ceiling while 8s keep coming) and sets
 * the rate just under what the gateway accepted from this connection over the last second — that is
 * its real share of the account's limit — or halves it when the gateway accepted almost nothing.
 * Answers to SUBMITs already in flight when the pause began do not lower it again: a full window of
 * 8s is one signal, not sixteen. After a second without an 8 the rate grows back by a quarter a
 * second until it reaches the configured rate (probing, so a raised limit is found again).
 *
 * The bucket holds at most 1/50 s of tokens, so the long-run rate stays within a fraction of a
 * percent of the setting while short bursts still fill the window.
 */
const RECOVERY_INTERVAL_MS = 1_000;
const RECOVERY_FACTOR = 1.25;
/** Aim this far under the accepted rate, so the next second does not hit the limit again at once. */
const SHARE_MARGIN = 0.9;
const BUCKETS = 10;
const BUCKET_MS = 100;

export interface RateGovernorOptions {
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

export class RateGovernor {
  private readonly configured: number;
  private rate: number;
  private tokens: number;
  private lastRefill = 0;
  private pausedUntil = 0;
  private backoffMs: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private lastFlowControlAt = Number.NEGATIVE_INFINITY;
  private lastRecoveryAt = 0;
  /** Accepted submits over the last second, in ten 100 ms buckets (a ring). */
  private readonly acceptedBuckets = new Float64Array(BUCKETS);
  private readonly bucketStarts = new Float64Array(BUCKETS).fill(Number.NEGATIVE_INFINITY);

  /** `ratePerSecond` 0 means unlimited (until the gateway says otherwise). */
  constructor(ratePerSecond: number, options: RateGovernorOptions = {}) {
    this.configured = ratePerSecond > 0 ? ratePerSecond : Number.POSITIVE_INFINITY;
    this.rate = this.configured;
    this.tokens = this.burst();
    this.initialBackoffMs = options.initialBackoffMs ?? 50;
    this.maxBackoffMs = options.maxBackoffMs ?? 5_000;
    this.backoffMs = this.initialBackoffMs;
  }

  /** The rate currently allowed (Infinity when unlimited). */
  get currentRate(): number {
    return this.rate;
  }

  /** Takes one send permit if one is available now. */
  tryTake(now: number): boolean {
    if (now < this.pausedUntil) return false;
    this.recover(now);
    if (this.rate === Number.POSITIVE_INFINITY) return true;
    this.refill(now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }

  /** Milliseconds until tryTake can next succeed (0 if now). */
  delayMs(now: number): number {
    if (now < this.pausedUntil) return this.pausedUntil - now;
    if (this.rate === Number.POSITIVE_INFINITY) return 0;
    this.refill(now);
    return this.tokens >= 1 ? 0 : ((1 - this.tokens) * 1000) / this.rate;
  }

  onAccepted(now: number): void {
    const start = Math.floor(now / BUCKET_MS) * BUCKET_MS;
    const i = Math.floor(now / BUCKET_MS) % BUCKETS;
    if (this.bucketStarts[i] !== start) {
      this.bucketStarts[i] = start;
      this.acceptedBuckets[i] = 0;
    }
    this.acceptedBuckets[i]++;
  }

  /** Submits accepted in the last second. */
  acceptedLastSecond(now: number): number {
    let sum = 0;
    for (let i = 0; i < BUCKETS; i++) if (now - this.bucketStarts[i] < BUCKETS * BUCKET_MS) sum += this.acceptedBuckets[i];
    return sum;
  }

  onFlowControl(now: number): void {
    if (now < this.pausedUntil) return; // sent before the pause: the same signal again
    const accepted = this.acceptedLastSecond(now);
    const current = this.rate === Number.POSITIVE_INFINITY ? accepted : this.rate;
    // Nothing accepted lately: the share is unknown, so halve; otherwise aim just under the share.
    this.rate = Math.max(1, accepted >= 2 ? Math.min(current, accepted) * SHARE_MARGIN : current / 2);
    this.tokens = 0;
    this.lastRefill = now;
    this.pausedUntil = now + this.backoffMs;
    this.backoffMs = now - this.lastFlowControlAt < 2 * this.backoffMs ? Math.min(this.maxBackoffMs, this.backoffMs * 2) : this.initialBackoffMs;
    this.lastFlowControlAt = now;
    this.lastRecoveryAt = now;
  }

  private recover(now: number): void {
    if (this.rate >= this.configured) return;
    if (now - this.lastFlowControlAt < RECOVERY_INTERVAL_MS || now - this.lastRecoveryAt < RECOVERY_INTERVAL_MS) return;
    this.lastRecoveryAt = now;
    this.rate *= RECOVERY_FACTOR;
    // Unlimited connections return to unlimited once well past what the gateway was taking.
    if (this.rate >= this.configured || (this.configured === Number.POSITIVE_INFINITY && this.rate > 100_000)) {
      this.rate = this.configured;
      this.backoffMs = this.initialBackoffMs;
    }
  }

  private refill(now: number): void {
    const elapsed = now - this.lastRefill;
    this.lastRefill = now;
    if (elapsed > 0) this.tokens = Math.min(this.burst(), this.tokens + (elapsed * this.rate) / 1000);
  }

  private burst(): number {
    return this.rate === Number.POSITIVE_INFINITY ? 1 : Math.max(1, this.rate / 50);
  }
}

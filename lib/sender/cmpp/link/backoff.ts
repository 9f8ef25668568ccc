/**
 * Reconnect delays: exponential with jitter ("equal jitter": half fixed, half random). The fixed
 * half keeps a refused login from turning into a tight loop; the random half keeps N connections
 * (and N workers) that lost the gateway together from all coming back in the same millisecond.
 */
export class ReconnectBackoff {
  private attempt = 0;

  constructor(
    private readonly baseMs = 1_000,
    private readonly maxMs = 60_000,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next attempt; each call doubles the ceiling up to maxMs. */
  next(): number {
    const ceiling = Math.min(this.maxMs, this.baseMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return ceiling / 2 + this.random() * (ceiling / 2);
  }

  /** After a successful login. */
  reset(): void {
    this.attempt = 0;
  }
}

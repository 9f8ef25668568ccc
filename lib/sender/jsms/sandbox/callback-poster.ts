/**
 * Posts signed callbacks the way Jiguang does: form-encoded POST, success only on HTTP 200, and on
 * failure up to three retries after the configured delays (Jiguang: 3 min, 1 h, 12 h).
 * A retry re-sends the very same form (same nonce, timestamp and signature): that is the harder case
 * for a receiver, which must not mistake the retry of a callback it failed to store for a replay.
 */
import http from "node:http";
import https from "node:https";

export const JIGUANG_CALLBACK_RETRY_DELAYS_MS: readonly number[] = Object.freeze([3 * 60_000, 60 * 60_000, 12 * 60 * 60_000]);

export type CallbackFate = "acknowledged" | "abandoned" | "skipped" | "cancelled";

export interface CallbackStats {
  /** HTTP attempts made, retries included. */
  posted: number;
  /** Attempts answered with 200. */
  acknowledged: number;
  /** Attempts answered otherwise, or that failed on the network. */
  failed: number;
  /** Attempts beyond the first for a callback. */
  retries: number;
  /** Callbacks given up after the last retry failed. */
  abandoned: number;
  /** Callbacks not posted because the app had no callback URL when they fell due. */
  skipped: number;
  /** Callbacks scheduled or in flight. */
  pending: number;
}

export interface CallbackPosterOptions {
  retryDelaysMs: readonly number[];
  timeoutMs: number;
  log?: (line: string) => void;
}

export class CallbackPoster {
  readonly stats: CallbackStats = { posted: 0, acknowledged: 0, failed: 0, retries: 0, abandoned: 0, skipped: 0, pending: 0 };
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly open = new Set<(fate: CallbackFate) => void>();
  private idleWaiters: Array<() => void> = [];
  private readonly httpAgent = new http.Agent({ keepAlive: true });
  private readonly httpsAgent = new https.Agent({ keepAlive: true });
  private closed = false;

  constructor(private readonly options: CallbackPosterOptions) {}

  /**
   * Posts `form` after `delayMs` to the URL `resolveUrl` gives at that moment (an app's callback URL
   * may be set after the send), retrying on failure. Resolves with what finally happened.
   */
  schedule(resolveUrl: () => string | undefined, form: () => URLSearchParams, delayMs: number): Promise<CallbackFate> {
    if (this.closed) return Promise.resolve("cancelled");
    this.stats.pending++;
    return new Promise<CallbackFate>((resolve) => {
      const settle = (fate: CallbackFate) => {
        if (!this.open.delete(settle)) return;
        this.stats.pending--;
        resolve(fate);
        if (this.stats.pending === 0) this.wakeIdleWaiters();
      };
      this.open.add(settle);
      this.later(delayMs, () => {
        const url = resolveUrl();
        if (!url) {
          this.stats.skipped++;
          settle("skipped");
          return;
        }
        // The form is built when first due, so its timestamp is the posting time, as with Jiguang.
        void this.attempt(url, form().toString(), 0, settle);
      });
    });
  }

  /** Resolves once no callback is scheduled or in flight. */
  settle(): Promise<void> {
    if (this.stats.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const settle of [...this.open]) settle("cancelled");
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private wakeIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }

  private later(delayMs: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, Math.max(0, delayMs));
    // Hours-long retry timers must not keep a test process alive on their own.
    timer.unref();
    this.timers.add(timer);
  }

  private async attempt(url: string, body: string, retry: number, settle: (fate: CallbackFate) => void): Promise<void> {
    if (this.closed) return;
    this.stats.posted++;
    if (retry > 0) this.stats.retries++;
    const status = await this.post(url, body);
    if (this.closed) return;
    if (status === 200) {
      this.stats.acknowledged++;
      settle("acknowledged");
      return;
    }
    this.stats.failed++;
    const delay = this.options.retryDelaysMs[retry];
    if (delay === undefined) {
      this.stats.abandoned++;
      this.options.log?.(`callback to ${url} abandoned after ${retry + 1} attempts (last answer: ${status || "no answer"})`);
      settle("abandoned");
      return;
    }
    this.later(delay, () => void this.attempt(url, body, retry + 1, settle));
  }

  /** The HTTP status, or 0 when the receiver could not be reached or did not answer in time. */
  private post(url: string, body: string): Promise<number> {
    return new Promise((resolve) => {
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        resolve(0);
        return;
      }
      const secure = target.protocol === "https:";
      const req = (secure ? https : http).request(target, {
        method: "POST",
        agent: secure ? this.httpsAgent : this.httpAgent,
        timeout: this.options.timeoutMs,
        headers: { "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8", "Content-Length": String(Buffer.byteLength(body)) },
      });
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", () => resolve(0));
      req.on("response", (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
        res.on("error", () => resolve(0));
      });
      req.end(body);
    });
  }
}

/**
 * Posts signed callbacks the way Jiguang does: form-encoded POST, success only on HTTP 200, and on
 * failure up to three retries after the configured delays (Jiguang: 3 min, 1 h, 12 h).
 * Before the first post to a URL it checks the URL as Jiguang's console does when one is saved:
 * `GET url?echostr=<random>` must answer 200 with exactly that value as the body. A URL that fails
 * gets no post; the attempt counts as failed and the check is made again on the next attempt.
 * A retry re-sends the very same form (same nonce, timestamp and signature): that is the harder case
 * for a receiver, which must not mistake the retry of a callback it failed to store for a replay.
 */
import { randomBytes } from "node:crypto";
import http from "node:http";
import https from "node:https";

export const JIGUANG_CALLBACK_RETRY_DELAYS_MS: readonly number[] = Object.freeze([3 * 60_000, 60 * 60_000, 12 * 60 * 60_000]);

export type CallbackFate = "acknowledged" | "abandoned" | "skipped" | "cancelled";

export interface CallbackStats {
  /** HTTP attempts made, retries included. */
  posted: number;
  /** Attempts answered with 200. */
  acknowledged: number;
  /** Attempts answered otherwise, or that failed on the network, or whose URL failed its check. */
  failed: number;
  /** `GET url?echostr=…` checks made. */
  urlChecks: number;
  /** Checks not answered 200 with the echostr as the body; no callback was posted after them. */
  urlChecksFailed: number;
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
  readonly stats: CallbackStats = { posted: 0, acknowledged: 0, failed: 0, urlChecks: 0, urlChecksFailed: 0, retries: 0, abandoned: 0, skipped: 0, pending: 0 };
  /** URLs that passed their check; a URL is checked once until `forgetUrl`. */
  private readonly verifiedUrls = new Set<string>();
  /** Checks in flight, so callbacks falling due together share one. */
  private readonly checks = new Map<string, Promise<boolean>>();
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

  /** The URL is checked again before its next callback (as when an operator saves it again). */
  forgetUrl(url: string): void {
    this.verifiedUrls.delete(url);
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
    if (retry > 0) this.stats.retries++;
    if (!(await this.verify(url))) {
      if (this.closed) return;
      this.failed(url, body, retry, settle, "its URL failed the echostr check");
      return;
    }
    if (this.closed) return;
    this.stats.posted++;
    const status = await this.post(url, body);
    if (this.closed) return;
    if (status === 200) {
      this.stats.acknowledged++;
      settle("acknowledged");
      return;
    }
    this.failed(url, body, retry, settle, `last answer: ${status || "no answer"}`);
  }

  private failed(url: string, body: string, retry: number, settle: (fate: CallbackFate) => void, why: string): void {
    this.stats.failed++;
    const delay = this.options.retryDelaysMs[retry];
    if (delay === undefined) {
      this.stats.abandoned++;
      this.options.log?.(`callback to ${url} abandoned after ${retry + 1} attempts (${why})`);
      settle("abandoned");
      return;
    }
    this.later(delay, () => void this.attempt(url, body, retry + 1, settle));
  }

  private verify(url: string): Promise<boolean> {
    if (this.verifiedUrls.has(url)) return Promise.resolve(true);
    let check = this.checks.get(url);
    if (!check) {
      check = this.checkEchostr(url).then((passed) => {
        this.checks.delete(url);
        if (passed) this.verifiedUrls.add(url);
        else this.stats.urlChecksFailed++;
        return passed;
      });
      this.checks.set(url, check);
    }
    return check;
  }

  /** `GET url?echostr=<random>`: passes on HTTP 200 whose body is exactly the echostr. */
  private checkEchostr(url: string): Promise<boolean> {
    this.stats.urlChecks++;
    const echostr = randomBytes(8).toString("hex");
    return new Promise((resolve) => {
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        resolve(false);
        return;
      }
      target.searchParams.set("echostr", echostr);
      const secure = target.protocol === "https:";
      const req = (secure ? https : http).request(target, { method: "GET", agent: secure ? this.httpsAgent : this.httpAgent, timeout: this.options.timeoutMs });
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", () => resolve(false));
      req.on("response", (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          // The answer should be a few characters; a page is a failure whatever it holds.
          if (text.length < 1024) text += chunk;
        });
        res.on("end", () => {
          const passed = res.statusCode === 200 && text === echostr;
          if (!passed) this.options.log?.(`callback URL ${url} failed the echostr check (HTTP ${res.statusCode}, body ${JSON.stringify(text.slice(0, 80))})`);
          resolve(passed);
        });
        res.on("error", () => resolve(false));
      });
      req.end();
    });
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

/**
 * Exponential backoff with full jitter for JSMS calls.
 *
 * Full jitter (a random delay between 0 and the exponential cap) spreads out many workers that hit
 * the same rate limit at the same moment, instead of having them all come back together.
 */
import { JsmsError } from "@/lib/sender/jsms/errors";

export interface RetryPolicy {
  /** Total tries, the first included. 1 means never retry. */
  attempts: number;
  /** Cap of the first backoff; doubles with every retry. */
  baseDelayMs: number;
  /** No backoff is longer than this. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({ attempts: 3, baseDelayMs: 200, maxDelayMs: 5_000 });

/** Delay before retry number `retry` (0 for the first retry): uniform in [0, min(max, base·2^retry)]. */
export function computeBackoffDelay(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.floor(random() * cap);
}

export interface RetryHooks {
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Called before each retry, e.g. for logging. */
  onRetry?: (error: JsmsError, retry: number, delayMs: number) => void;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `operation` until it succeeds, throws a non-retryable error, or the attempts run out.
 * What is retryable is the error's own decision: the client turns a send that may have reached JSMS
 * into a non-retryable "submit_outcome_unknown" before it gets here, so only sends JSMS cannot have
 * acted on are tried again.
 */
export async function withRetry<T>(operation: () => Promise<T>, policy: RetryPolicy, hooks: RetryHooks = {}): Promise<T> {
  const attempts = Math.max(1, Math.floor(policy.attempts));
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      const retryable = error instanceof JsmsError && error.retryable;
      if (!retryable || attempt + 1 >= attempts) throw error;
      const delayMs = computeBackoffDelay(attempt, policy, hooks.random);
      hooks.onRetry?.(error, attempt + 1, delayMs);
      await (hooks.sleep ?? sleepFor)(delayMs);
    }
  }
}

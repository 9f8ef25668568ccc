import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { JsmsError } from "@/lib/sender/jsms/errors";
import { computeBackoffDelay, withRetry, type RetryPolicy } from "@/lib/sender/jsms/retry";

const POLICY: RetryPolicy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 1_000 };

describe("computeBackoffDelay", () => {
  it("stays within [0, min(max, base·2^n)] and reaches the cap", () => {
    fc.assert(
      fc.property(fc.nat(20), fc.double({ min: 0, max: 0.999999, noNaN: true }), (retry, r) => {
        const delay = computeBackoffDelay(retry, POLICY, () => r);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(Math.min(1_000, 100 * 2 ** retry));
      }),
    );
    expect(computeBackoffDelay(0, POLICY, () => 0.999)).toBe(99);
    expect(computeBackoffDelay(2, POLICY, () => 0.5)).toBe(200);
    expect(computeBackoffDelay(10, POLICY, () => 0.999)).toBe(999);
  });
});

describe("withRetry", () => {
  const noSleep = { sleep: async () => {}, random: () => 0.5 };

  it("retries retryable errors with growing backoff until success", async () => {
    const delays: number[] = [];
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls < 3) throw JsmsError.fromApi(50009, 403);
        return "sent";
      },
      POLICY,
      { ...noSleep, onRetry: (_e, _n, delay) => delays.push(delay) },
    );
    expect(result).toBe("sent");
    expect(calls).toBe(3);
    expect(delays).toEqual([50, 100]);
  });

  it("gives up after the configured attempts and throws the last error", async () => {
    let calls = 0;
    const attempt = withRetry(async () => {
      calls++;
      throw JsmsError.timeout("x", 10);
    }, POLICY, noSleep);
    await expect(attempt).rejects.toMatchObject({ code: "timeout" });
    expect(calls).toBe(4);
  });

  it("never retries a final error, nor a foreign one", async () => {
    let calls = 0;
    await expect(withRetry(async () => {
      calls++;
      throw JsmsError.fromApi(50006, 403);
    }, POLICY, noSleep)).rejects.toMatchObject({ code: 50006 });
    expect(calls).toBe(1);
    await expect(withRetry(async () => {
      calls++;
      throw new TypeError("bug");
    }, POLICY, noSleep)).rejects.toBeInstanceOf(TypeError);
    expect(calls).toBe(2);
  });
});

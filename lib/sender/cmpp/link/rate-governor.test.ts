import { describe, expect, it } from "vitest";
import { RateGovernor } from "./rate-governor";
import { ReconnectBackoff } from "./backoff";

/** Drives the governor on a simulated clock, taking permits as fast as it allows. */
function run(g: RateGovernor, fromMs: number, toMs: number, stepMs = 1): number {
  let taken = 0;
  for (let t = fromMs; t < toMs; t += stepMs) while (g.tryTake(t)) taken++;
  return taken;
}

describe("RateGovernor", () => {
  it("holds the configured rate over a long run (within 1%)", () => {
    const g = new RateGovernor(500);
    const taken = run(g, 1_000, 11_000);
    expect(taken).toBeGreaterThanOrEqual(4_990);
    expect(taken).toBeLessThanOrEqual(5_050);
  });

  it("is unlimited at 0", () => {
    const g = new RateGovernor(0);
    for (let i = 0; i < 10_000; i++) expect(g.tryTake(5)).toBe(true);
  });

  it("says how long until the next permit", () => {
    const g = new RateGovernor(100);
    run(g, 1_000, 1_001);
    expect(g.delayMs(1_001)).toBeGreaterThan(0);
    expect(g.delayMs(1_001)).toBeLessThanOrEqual(10);
  });

  it("on flow control pauses, halves the rate once per signal, and recovers", () => {
    const g = new RateGovernor(1_000, { initialBackoffMs: 100 });
    run(g, 0, 1_000);
    g.onFlowControl(1_000);
    for (let i = 0; i < 15; i++) g.onFlowControl(1_010); // the rest of the window's answers: same signal
    expect(g.currentRate).toBe(500);
    expect(g.tryTake(1_050)).toBe(false); // paused
    expect(g.delayMs(1_050)).toBeCloseTo(50, 0);
    const during = run(g, 1_100, 2_000);
    expect(during).toBeLessThanOrEqual(500 * 0.9 + 10);
    run(g, 2_000, 6_000);
    expect(g.currentRate).toBeGreaterThan(900);
  });

  it("slows to just under what the gateway accepted from this connection in the last second", () => {
    const unlimited = new RateGovernor(0);
    for (let t = 1_000; t < 2_000; t += 10) for (let k = 0; k < 3; k++) unlimited.onAccepted(t); // 300/s
    unlimited.onFlowControl(1_999);
    expect(unlimited.currentRate).toBeCloseTo(270, 0);
    const limited = new RateGovernor(1_000);
    for (let t = 1_000; t < 2_000; t += 10) limited.onAccepted(t); // 100/s
    limited.onFlowControl(1_999);
    expect(limited.currentRate).toBeCloseTo(90, 0);
    expect(limited.acceptedLastSecond(3_500)).toBe(0);
  });
});

describe("ReconnectBackoff", () => {
  it("doubles up to the ceiling with jitter between half and all of it, and resets", () => {
    const low = new ReconnectBackoff(100, 1_000, () => 0);
    expect([1, 2, 3, 4, 5].map(() => low.next())).toEqual([50, 100, 200, 400, 500]);
    const high = new ReconnectBackoff(100, 1_000, () => 0.999999);
    expect(Math.round(high.next())).toBe(100);
    high.reset();
    expect(Math.round(high.next())).toBe(100);
  });
});

import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { afterWarmUp, leastSquaresFit } from "./least-squares-slope";

describe("leastSquaresFit", () => {
  it("recovers the line through points that lie on it", () => {
    const fit = leastSquaresFit([0, 1, 2, 3].map((x) => ({ x, y: 5 + 2 * x })));
    expect(fit.slope).toBeCloseTo(2, 12);
    expect(fit.intercept).toBeCloseTo(5, 12);
    expect(fit.points).toBe(4);
  });

  it("gives the textbook answer for scattered points", () => {
    // x̄ = 2, ȳ = 3; Σ(x−x̄)(y−ȳ) = 3, Σ(x−x̄)² = 10 (worked by hand).
    const fit = leastSquaresFit([
      { x: 0, y: 2 },
      { x: 1, y: 4 },
      { x: 2, y: 2 },
      { x: 3, y: 3 },
      { x: 4, y: 4 },
    ]);
    expect(fit.slope).toBeCloseTo(0.3, 12);
    expect(fit.intercept).toBeCloseTo(2.4, 12);
  });

  it("calls a saw-tooth flat: up-and-down noise has no trend", () => {
    const fit = leastSquaresFit(Array.from({ length: 200 }, (_, i) => ({ x: i, y: 300 + (i % 2 === 0 ? 40 : -40) })));
    expect(Math.abs(fit.slope)).toBeLessThan(0.5);
  });

  it("keeps its precision with epoch-millisecond x", () => {
    const t0 = 1_780_000_000_000;
    const fit = leastSquaresFit(Array.from({ length: 100 }, (_, i) => ({ x: t0 + i * 5_000, y: 400 + i * 0.01 })));
    expect(fit.slope * 5_000).toBeCloseTo(0.01, 9);
  });

  it("finds the slope of any line, whatever the noise-free points", () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e3, max: 1e3, noNaN: true }),
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.uniqueArray(fc.integer({ min: -1e6, max: 1e6 }), { minLength: 2, maxLength: 50 }),
        (slope, intercept, xs) => {
          const fit = leastSquaresFit(xs.map((x) => ({ x, y: intercept + slope * x })));
          expect(fit.slope).toBeCloseTo(slope, 6);
        },
      ),
    );
  });

  it("refuses fewer than two points or a single x", () => {
    expect(() => leastSquaresFit([{ x: 1, y: 1 }])).toThrow(/two points/);
    expect(() => leastSquaresFit([{ x: 1, y: 1 }, { x: 1, y: 2 }])).toThrow(/same x/);
  });
});

describe("afterWarmUp", () => {
  it("leaves out the first fraction of the time span, not of the sample count", () => {
    const points = [0, 1, 2, 3, 10].map((x) => ({ x, y: 0 }));
    expect(afterWarmUp(points, 0.2).map((p) => p.x)).toEqual([2, 3, 10]);
    expect(afterWarmUp(points, 0).map((p) => p.x)).toEqual([0, 1, 2, 3, 10]);
    expect(afterWarmUp([], 0.2)).toEqual([]);
  });
});

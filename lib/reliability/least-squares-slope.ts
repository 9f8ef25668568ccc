/**
 * The straight line y = intercept + slope·x closest to a series of points (ordinary least
 * squares), for telling steady growth from noise: a long run's memory or open handles, sampled
 * every few seconds, are flat when the fitted slope is near zero, whatever single samples do.
 */
export interface LineFit {
  slope: number;
  intercept: number;
  /** Points the fit used. */
  points: number;
}

export interface Point {
  x: number;
  y: number;
}

export function leastSquaresFit(points: readonly Point[]): LineFit {
  if (points.length < 2) throw new Error("a line needs at least two points");
  const n = points.length;
  // Centred on the means, so large x (epoch milliseconds) lose no precision in the squares.
  const meanX = points.reduce((sum, p) => sum + p.x, 0) / n;
  const meanY = points.reduce((sum, p) => sum + p.y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const p of points) {
    sxy += (p.x - meanX) * (p.y - meanY);
    sxx += (p.x - meanX) ** 2;
  }
  if (sxx === 0) throw new Error("every point has the same x: no slope");
  const slope = sxy / sxx;
  return { slope, intercept: meanY - slope * meanX, points: n };
}

/** The points after the first `fraction` of the span of x (a warm-up left out of the fit). */
export function afterWarmUp<T extends { x: number }>(points: readonly T[], fraction: number): T[] {
  if (points.length === 0) return [];
  const first = points[0]!.x;
  const last = points[points.length - 1]!.x;
  const from = first + (last - first) * fraction;
  return points.filter((p) => p.x >= from);
}

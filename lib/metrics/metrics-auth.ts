import crypto from "node:crypto";

/**
 * GET /api/metrics takes an admin API key (the REST API's own check) or, when METRICS_TOKEN is
 * set, `Authorization: Bearer <token>`: what Prometheus' `bearer_token` sends.
 */

/** The token of a Bearer header, or null when the header is another scheme (or absent). */
export function bearerTokenOf(authorization: string | null): string | null {
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization ?? "");
  return match ? match[1]! : null;
}

/**
 * Constant-time: both sides are hashed first, so neither their contents nor their lengths show
 * in how long the comparison takes. No token configured matches nothing.
 */
export function metricsTokenMatches(given: string, expected: string | undefined): boolean {
  if (!expected) return false;
  const digest = (text: string) => crypto.createHash("sha256").update(text, "utf8").digest();
  return crypto.timingSafeEqual(digest(given), digest(expected));
}

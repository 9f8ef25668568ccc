/**
 * The stats calls' query strings (`?from=&to=&channelKey=&provider=&sendId=&timeZone=`), parsed
 * for the REST routes. Times are ISO 8601 with an offset; a range left open is the last 24 hours
 * (to: now, from: 24 hours before to); `to` must come after `from` and a range may span at most
 * MAX_RANGE_DAYS. Messages are catalogue keys (lib/i18n/messages).
 */
import { z } from "zod";
import { channelKeyParam, uuidQuery } from "@/lib/api/query-schemas";
import type { LossFilter, SeriesQuery, TimeRange } from "./stats-types";
import { DEFAULT_RANGE_MS, DEFAULT_TIME_ZONE, isTimeZone, MAX_RANGE_MS } from "./time-range";

const queryValue = z.string({ error: "errors.query_repeated" });

/** An empty value means the parameter is absent, as in every query schema. */
function optional<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (value === "" ? undefined : value), schema.optional());
}

/** PostgreSQL holds years 1–9999; a time outside would fail in the database, not here. */
const instant = optional(
  queryValue
    .pipe(z.iso.datetime({ offset: true, error: "errors.stats_time_invalid" }))
    .transform((iso) => new Date(iso))
    .refine((at) => at.getUTCFullYear() >= 1 && at.getUTCFullYear() <= 9999, { error: "errors.stats_time_invalid" }),
);

/** A provider id: printable, without spaces or control characters (checked against providers when read). */
const providerQuery = optional(queryValue.regex(/^[\p{L}\p{N}_.:-]{1,64}$/u, { error: "errors.stats_provider_invalid" }));

const channelKeyQuery = optional(queryValue.pipe(channelKeyParam));

const timeZoneQuery = optional(queryValue.refine(isTimeZone, { error: "errors.stats_time_zone_invalid" }));

type RangeInput = { from?: Date; to?: Date };

/** Fills an open range (now, and 24 hours before `to`) and checks its order and length. */
function resolveRange<T extends RangeInput>(input: T, ctx: z.RefinementCtx, now = new Date()): Omit<T, "from" | "to"> & TimeRange {
  const to = input.to ?? now;
  const from = input.from ?? new Date(to.getTime() - DEFAULT_RANGE_MS);
  if (to <= from) ctx.addIssue({ code: "custom", path: ["to"], message: "errors.stats_time_order" });
  else if (to.getTime() - from.getTime() > MAX_RANGE_MS) ctx.addIssue({ code: "custom", path: ["to"], message: "errors.stats_range_too_long" });
  return { ...input, from, to };
}

/** `GET /api/v1/stats/overview?from=&to=` */
export const overviewQuerySchema = z.object({ from: instant, to: instant }).transform((q, ctx): TimeRange => {
  const { from, to } = resolveRange(q, ctx);
  return { from, to };
});

/** `GET /api/v1/stats/series?from=&to=&channelKey=&timeZone=` */
export const seriesQuerySchema = z
  .object({ from: instant, to: instant, channelKey: channelKeyQuery, timeZone: timeZoneQuery })
  .transform((q, ctx): SeriesQuery => {
    const range = resolveRange(q, ctx);
    return { from: range.from, to: range.to, channelKey: q.channelKey, timeZone: q.timeZone ?? DEFAULT_TIME_ZONE };
  });

/** `GET /api/v1/stats/loss?channelKey=&provider=&sendId=&from=&to=` (with sendId, from and to are not read). */
export const lossQuerySchema = z
  .object({ from: instant, to: instant, channelKey: channelKeyQuery, provider: providerQuery, sendId: uuidQuery })
  .transform((q, ctx): LossFilter => {
    const scope = { channelKey: q.channelKey, provider: q.provider };
    if (q.sendId !== undefined) return { ...scope, sendId: q.sendId };
    const range = resolveRange(q, ctx);
    return { ...scope, from: range.from, to: range.to };
  });

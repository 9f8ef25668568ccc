/**
 * Time ranges of the dashboard: how a range [from, to) of message creation time is read from the
 * counters (whole hours from the hour rows, the partial hours at its edges from the minute rows),
 * which bucket a chart uses for it, and the day boundaries of the operator's time zone. Pure: no
 * database, usable by the pages too.
 */
import { zoneOffsetMs } from "@/lib/util/time-zone";
import type { SeriesGrain, TimeRange } from "./stats-types";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The longest range any stats call reads. */
export const MAX_RANGE_DAYS = 400;
export const MAX_RANGE_MS = MAX_RANGE_DAYS * DAY;
/** A range the caller leaves open ends now and starts this long before its end (24 hours). */
export const DEFAULT_RANGE_MS = DAY;
/** The zone day buckets follow when the caller names none. */
export const DEFAULT_TIME_ZONE = "Asia/Shanghai";

/**
 * The range as the counters can answer it: `from` rounded down and `to` rounded up to the minute
 * (the minute is the finest bucket). Rounding `to` up keeps the current minute in "the last 24 hours
 * up to now".
 */
export function toMinuteRange(range: TimeRange): TimeRange {
  return {
    from: new Date(Math.floor(range.from.getTime() / MINUTE) * MINUTE),
    to: new Date(Math.ceil(range.to.getTime() / MINUTE) * MINUTE),
  };
}

/** One piece of a range read from one grain of message_stats: buckets in [from, to). */
export interface RangeSegment {
  grain: "minute" | "hour";
  from: Date;
  to: Date;
}

/** Whole UTC hours from hour rows, the minutes before the first and after the last from minute rows. */
function hourSegments(from: Date, to: Date): RangeSegment[] {
  if (to <= from) return [];
  const firstHour = Math.ceil(from.getTime() / HOUR) * HOUR;
  const lastHour = Math.floor(to.getTime() / HOUR) * HOUR;
  if (firstHour >= lastHour) return [{ grain: "minute", from, to }];
  const segments: RangeSegment[] = [];
  if (from.getTime() < firstHour) segments.push({ grain: "minute", from, to: new Date(firstHour) });
  segments.push({ grain: "hour", from: new Date(firstHour), to: new Date(lastHour) });
  if (lastHour < to.getTime()) segments.push({ grain: "minute", from: new Date(lastHour), to });
  return segments;
}

/**
 * The pieces that add up to a range, exact to the minute: the whole UTC hours inside it from the
 * hour rows, and the minutes before the first and after the last whole hour from the minute rows.
 * A range inside one hour is read from minute rows only.
 */
export function rangeSegments(range: TimeRange): RangeSegment[] {
  const { from, to } = toMinuteRange(range);
  return hourSegments(from, to);
}

/** Bucket size of a chart: up to 6 hours by the minute, up to 4 days by the hour, else by the day. */
export function chooseSeriesGrain(range: TimeRange): SeriesGrain {
  const length = range.to.getTime() - range.from.getTime();
  if (length <= 6 * HOUR) return "minute";
  if (length <= 4 * DAY) return "hour";
  return "day";
}

/** Whether a name is an IANA time zone this runtime knows ("Asia/Shanghai", "UTC"). */
export function isTimeZone(name: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/.test(name)) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** Local midnight (in the zone) of the day an instant falls on. */
export function startOfDay(at: Date, timeZone: string = DEFAULT_TIME_ZONE): Date {
  const offset = zoneOffsetMs(at, timeZone);
  const wall = new Date(at.getTime() + offset);
  const wallMidnight = Date.UTC(wall.getUTCFullYear(), wall.getUTCMonth(), wall.getUTCDate());
  // The offset at midnight itself, which differs from now's on a day the clocks change.
  const guess = wallMidnight - offset;
  return new Date(wallMidnight - zoneOffsetMs(new Date(guess), timeZone));
}

/** Today so far, in the zone: [local midnight, now). */
export function todayRange(now: Date = new Date(), timeZone: string = DEFAULT_TIME_ZONE): TimeRange {
  return { from: startOfDay(now, timeZone), to: now };
}

/** The last `days` local days including today: [midnight `days − 1` days ago, now). */
export function lastDaysRange(days: number, now: Date = new Date(), timeZone: string = DEFAULT_TIME_ZONE): TimeRange {
  // Midnight of today, then back one local day at a time (each step lands near the previous midnight).
  let from = startOfDay(now, timeZone);
  for (let i = 1; i < days; i++) from = startOfDay(new Date(from.getTime() - HOUR), timeZone);
  return { from, to: now };
}

/** The last `hours` hours up to now. */
export function lastHoursRange(hours: number, now: Date = new Date()): TimeRange {
  return { from: new Date(now.getTime() - hours * HOUR), to: now };
}

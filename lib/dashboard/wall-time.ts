/**
 * Wall-clock times of a time zone, as a datetime-local field shows and sends them
 * ("2026-03-01T08:00"), and the instants they name. The dashboard's custom range is typed in the
 * operator's zone, which need not be the server's or the browser's. Pure (Intl only): the range
 * picker in the browser and the page on the server use the same rules.
 */

import { wallClockIn, zoneOffsetMs } from "@/lib/util/time-zone";

const WALL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/**
 * The instant a wall-clock time names in a zone, or null when the text is not one
 * (or names a day that does not exist, such as 2026-02-30). A time the clocks skip (spring forward)
 * lands just after the gap; one they repeat (fall back) is the first of the two.
 */
export function wallTimeToInstant(text: string, timeZone: string): Date | null {
  const match = WALL.exec(text);
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1).map((v) => Number(v ?? 0)) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return null;
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  if (new Date(wall).getUTCDate() !== day || year < 1) return null;
  // The zone's offset at the wall time read as UTC is near the true one; one correction settles it.
  const first = wall - zoneOffsetMs(new Date(wall), timeZone);
  const second_ = wall - zoneOffsetMs(new Date(first), timeZone);
  return new Date(Math.min(first, second_));
}

/** The value a datetime-local field shows for an instant in a zone ("2026-03-01T08:00"). */
export function instantToWallTime(at: Date, timeZone: string): string {
  const p = wallClockIn(at, timeZone);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${String(p.year).padStart(4, "0")}-${two(p.month)}-${two(p.day)}T${two(p.hour)}:${two(p.minute)}`;
}

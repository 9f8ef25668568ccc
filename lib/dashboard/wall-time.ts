/**
 * Wall-clock times of a time zone, as a datetime-local field shows and sends them
 * ("2026-03-01T08:00"), and the instants they name. The dashboard's custom range is typed in the
 * operator's zone, which need not be the server's or the browser's. Pure (Intl only): the range
 * picker in the browser and the page on the server use the same rules.
 */

const WALL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

function partsIn(at: Date, timeZone: string) {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return { year: get("year"), month: get("month"), day: get("day"), hour: get("hour"), minute: get("minute"), second: get("second") };
}

/** Milliseconds the zone's clock is ahead of UTC at an instant. */
function offsetMs(at: Date, timeZone: string): number {
  const p = partsIn(at, timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(at.getTime() / 1000) * 1000;
}

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
  const first = wall - offsetMs(new Date(wall), timeZone);
  const second_ = wall - offsetMs(new Date(first), timeZone);
  return new Date(Math.min(first, second_));
}

/** The value a datetime-local field shows for an instant in a zone ("2026-03-01T08:00"). */
export function instantToWallTime(at: Date, timeZone: string): string {
  const p = partsIn(at, timeZone);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${String(p.year).padStart(4, "0")}-${two(p.month)}-${two(p.day)}T${two(p.hour)}:${two(p.minute)}`;
}

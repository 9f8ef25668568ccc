/**
 * How send settings read to an operator: a UTC offset as "UTC+08:00", a number of seconds in
 * the largest unit that divides it evenly (259200 s is "3 days", 5400 s "90 minutes").
 * Pure, for the form and the channel page.
 */
export function utcOffsetLabel(minutes: number): string {
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `UTC${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

export type DurationUnit = "days" | "hours" | "minutes" | "seconds";

const UNITS: readonly [DurationUnit, number][] = [
  ["days", 86_400],
  ["hours", 3_600],
  ["minutes", 60],
];

export function durationInLargestUnit(seconds: number): { unit: DurationUnit; count: number } {
  for (const [unit, size] of UNITS) {
    if (seconds >= size && seconds % size === 0) return { unit, count: seconds / size };
  }
  return { unit: "seconds", count: seconds };
}

import { describe, expect, it } from "vitest";
import { chooseSeriesGrain, isTimeZone, lastDaysRange, rangeSegments, startOfDay, todayRange, toMinuteRange } from "./time-range";

const d = (iso: string) => new Date(iso);
const iso = (segments: ReturnType<typeof rangeSegments>) => segments.map((s) => [s.grain, s.from.toISOString(), s.to.toISOString()]);

describe("reading a range from the counters", () => {
  it("takes whole hours from hour rows and the partial hours at the edges from minute rows", () => {
    expect(iso(rangeSegments({ from: d("2030-01-01T10:30:00Z"), to: d("2030-01-01T13:15:00Z") }))).toEqual([
      ["minute", "2030-01-01T10:30:00.000Z", "2030-01-01T11:00:00.000Z"],
      ["hour", "2030-01-01T11:00:00.000Z", "2030-01-01T13:00:00.000Z"],
      ["minute", "2030-01-01T13:00:00.000Z", "2030-01-01T13:15:00.000Z"],
    ]);
    expect(iso(rangeSegments({ from: d("2030-01-01T10:00:00Z"), to: d("2030-01-01T12:00:00Z") }))).toEqual([
      ["hour", "2030-01-01T10:00:00.000Z", "2030-01-01T12:00:00.000Z"],
    ]);
  });

  it("reads a range within one hour, or spanning no whole hour, from minute rows only", () => {
    expect(iso(rangeSegments({ from: d("2030-01-01T10:10:00Z"), to: d("2030-01-01T10:50:00Z") }))).toEqual([
      ["minute", "2030-01-01T10:10:00.000Z", "2030-01-01T10:50:00.000Z"],
    ]);
    expect(iso(rangeSegments({ from: d("2030-01-01T10:50:00Z"), to: d("2030-01-01T11:10:00Z") }))).toEqual([
      ["minute", "2030-01-01T10:50:00.000Z", "2030-01-01T11:10:00.000Z"],
    ]);
    expect(rangeSegments({ from: d("2030-01-01T10:50:00Z"), to: d("2030-01-01T10:50:00Z") })).toEqual([]);
  });

  it("rounds from down and to up to the minute", () => {
    const r = toMinuteRange({ from: d("2030-01-01T10:10:59.999Z"), to: d("2030-01-01T10:20:00.001Z") });
    expect([r.from.toISOString(), r.to.toISOString()]).toEqual(["2030-01-01T10:10:00.000Z", "2030-01-01T10:21:00.000Z"]);
  });
});

describe("chart buckets", () => {
  const after = (ms: number) => ({ from: d("2030-01-01T00:00:00Z"), to: new Date(d("2030-01-01T00:00:00Z").getTime() + ms) });
  it("are minutes up to 6 hours, hours up to 4 days, then days", () => {
    const hour = 3_600_000;
    expect(chooseSeriesGrain(after(6 * hour))).toBe("minute");
    expect(chooseSeriesGrain(after(6 * hour + 60_000))).toBe("hour");
    expect(chooseSeriesGrain(after(96 * hour))).toBe("hour");
    expect(chooseSeriesGrain(after(96 * hour + 60_000))).toBe("day");
  });
});

describe("days of the operator's time zone", () => {
  it("start at local midnight", () => {
    expect(startOfDay(d("2030-01-01T10:00:00Z")).toISOString()).toBe("2029-12-31T16:00:00.000Z");
    expect(startOfDay(d("2030-01-01T16:00:00Z")).toISOString()).toBe("2030-01-01T16:00:00.000Z");
    expect(startOfDay(d("2030-01-01T15:59:59Z")).toISOString()).toBe("2029-12-31T16:00:00.000Z");
    expect(startOfDay(d("2030-01-01T10:00:00Z"), "UTC").toISOString()).toBe("2030-01-01T00:00:00.000Z");
    expect(startOfDay(d("2030-01-01T10:00:00Z"), "Asia/Kolkata").toISOString()).toBe("2029-12-31T18:30:00.000Z");
  });

  it("follow the clock change: New York's 10 March 2030 has 23 hours", () => {
    expect(startOfDay(d("2030-03-10T20:00:00Z"), "America/New_York").toISOString()).toBe("2030-03-10T05:00:00.000Z");
    expect(startOfDay(d("2030-03-11T20:00:00Z"), "America/New_York").toISOString()).toBe("2030-03-11T04:00:00.000Z");
    const week = lastDaysRange(2, d("2030-03-11T20:00:00Z"), "America/New_York");
    expect(week.from.toISOString()).toBe("2030-03-10T05:00:00.000Z");
  });

  it("make today and the last 7 days", () => {
    const now = d("2030-01-08T10:00:00Z");
    expect(todayRange(now).from.toISOString()).toBe("2030-01-07T16:00:00.000Z");
    expect(todayRange(now).to).toBe(now);
    expect(lastDaysRange(7, now).from.toISOString()).toBe("2030-01-01T16:00:00.000Z");
  });

  it("are named by IANA names only", () => {
    expect(isTimeZone("Asia/Shanghai")).toBe(true);
    expect(isTimeZone("UTC")).toBe(true);
    expect(isTimeZone("Mars/Olympus")).toBe(false);
    expect(isTimeZone("Asia/Shanghai'; drop table x")).toBe(false);
    expect(isTimeZone("")).toBe(false);
  });
});

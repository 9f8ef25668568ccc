import { describe, expect, it } from "vitest";
import { durationInLargestUnit, utcOffsetLabel } from "./setting-format";

describe("utcOffsetLabel", () => {
  it("writes minutes east of UTC as ±HH:MM", () => {
    expect(utcOffsetLabel(480)).toBe("UTC+08:00");
    expect(utcOffsetLabel(0)).toBe("UTC+00:00");
    expect(utcOffsetLabel(330)).toBe("UTC+05:30");
    expect(utcOffsetLabel(-210)).toBe("UTC-03:30");
    expect(utcOffsetLabel(-720)).toBe("UTC-12:00");
    expect(utcOffsetLabel(840)).toBe("UTC+14:00");
  });
});

describe("durationInLargestUnit", () => {
  it("picks the largest unit that divides the seconds evenly", () => {
    expect(durationInLargestUnit(259_200)).toEqual({ unit: "days", count: 3 });
    expect(durationInLargestUnit(2_592_000)).toEqual({ unit: "days", count: 30 });
    expect(durationInLargestUnit(90_000)).toEqual({ unit: "hours", count: 25 });
    expect(durationInLargestUnit(5_400)).toEqual({ unit: "minutes", count: 90 });
    expect(durationInLargestUnit(61)).toEqual({ unit: "seconds", count: 61 });
    expect(durationInLargestUnit(1)).toEqual({ unit: "seconds", count: 1 });
  });
});

import { describe, expect, it } from "vitest";
import { instantToWallTime, wallTimeToInstant } from "./wall-time";

describe("wall-clock times of a zone", () => {
  it("read a datetime-local value in the zone named, not the machine's", () => {
    expect(wallTimeToInstant("2026-03-01T08:00", "Asia/Shanghai")?.toISOString()).toBe("2026-03-01T00:00:00.000Z");
    expect(wallTimeToInstant("2026-03-01T08:00", "UTC")?.toISOString()).toBe("2026-03-01T08:00:00.000Z");
    expect(wallTimeToInstant("2026-03-01T08:00:30", "Asia/Kolkata")?.toISOString()).toBe("2026-03-01T02:30:30.000Z");
  });

  it("follow a zone's daylight saving time on both sides of the change", () => {
    expect(wallTimeToInstant("2026-03-07T12:00", "America/New_York")?.toISOString()).toBe("2026-03-07T17:00:00.000Z");
    expect(wallTimeToInstant("2026-03-09T12:00", "America/New_York")?.toISOString()).toBe("2026-03-09T16:00:00.000Z");
    // 01:30 happens twice on the day the clocks go back: the first one.
    expect(wallTimeToInstant("2026-11-01T01:30", "America/New_York")?.toISOString()).toBe("2026-11-01T05:30:00.000Z");
  });

  it("refuse what is not a time, or a day that does not exist", () => {
    for (const text of ["", "2026-03-01", "2026-02-30T10:00", "2026-13-01T10:00", "2026-03-01T24:00", "2026-03-01 08:00", "tomorrow"]) {
      expect(wallTimeToInstant(text, "Asia/Shanghai"), text).toBeNull();
    }
  });

  it("write an instant back as the zone's datetime-local value", () => {
    const at = new Date("2026-03-01T00:00:00Z");
    expect(instantToWallTime(at, "Asia/Shanghai")).toBe("2026-03-01T08:00");
    expect(instantToWallTime(at, "America/New_York")).toBe("2026-02-28T19:00");
    expect(wallTimeToInstant(instantToWallTime(at, "Europe/Berlin"), "Europe/Berlin")?.getTime()).toBe(at.getTime());
  });
});

import { describe, expect, it } from "vitest";
import { dashboardHref, parseDashboardQuery } from "./dashboard-query";

const now = new Date("2026-03-10T12:00:00.000Z");
const parse = (params: Record<string, string | string[] | undefined>) => parseDashboardQuery(params, { now, timeZone: "Asia/Shanghai" });
const HOUR = 3_600_000;

describe("the dashboard's query string", () => {
  it("defaults to the last 24 hours up to now", () => {
    const { query, problems } = parse({});
    expect(problems).toEqual([]);
    expect(query).toEqual({ range: "24h", from: new Date(now.getTime() - 24 * HOUR), to: now });
  });

  it("names the preset ranges", () => {
    expect(parse({ range: "1h" }).query.from).toEqual(new Date(now.getTime() - HOUR));
    expect(parse({ range: "7d" }).query.from).toEqual(new Date(now.getTime() - 7 * 24 * HOUR));
    expect(parse({ range: "30d" }).query.from).toEqual(new Date(now.getTime() - 30 * 24 * HOUR));
  });

  it("reads a custom range typed in the operator's zone, or given as ISO instants by a link", () => {
    const typed = parse({ range: "custom", from: "2026-03-01T08:00", to: "2026-03-02T08:00" });
    expect(typed.problems).toEqual([]);
    expect(typed.query).toMatchObject({ range: "custom", from: new Date("2026-03-01T00:00:00Z"), to: new Date("2026-03-02T00:00:00Z") });
    const linked = parse({ from: "2026-03-01T00:00:00Z", to: "2026-03-01T12:00:00+08:00" });
    expect(linked.problems).toEqual([]);
    expect(linked.query).toMatchObject({ range: "custom", from: new Date("2026-03-01T00:00:00Z"), to: new Date("2026-03-01T04:00:00Z") });
  });

  it("keeps the filters it can check, and names each one it drops", () => {
    const sendId = "0b6c1f0e-5d8a-4c1e-9a51-3f0f2a7b9c11";
    expect(parse({ channelKey: "abc123defg", provider: "china_mobile", sendId }).query).toMatchObject({ channelKey: "abc123defg", provider: "china_mobile", sendId });
    const bad = parse({ channelKey: "no spaces", provider: "x".repeat(65), sendId: "not-a-uuid", range: "2w" });
    expect(bad.problems.map((p) => [p.field, p.message])).toEqual([
      ["channelKey", "dashboard.problems.channel_invalid"],
      ["provider", "dashboard.problems.provider_invalid"],
      ["sendId", "dashboard.problems.send_invalid"],
      ["range", "dashboard.problems.range_unknown"],
    ]);
    expect(bad.query).toEqual({ range: "24h", from: new Date(now.getTime() - 24 * HOUR), to: now });
  });

  it("refuses a repeated key rather than picking one of its values", () => {
    const { query, problems } = parse({ channelKey: ["aaaaaaaaaa", "bbbbbbbbbb"] });
    expect(problems).toEqual([{ field: "channelKey", message: "dashboard.problems.repeated" }]);
    expect(query.channelKey).toBeUndefined();
  });

  it("falls back to the default range when a custom one is incomplete, reversed, too long or not a time", () => {
    const cases: [Record<string, string>, string][] = [
      [{ range: "custom", from: "2026-03-01T08:00" }, "dashboard.problems.custom_needs_times"],
      [{ range: "custom", from: "2026-03-02T08:00", to: "2026-03-01T08:00" }, "dashboard.problems.time_order"],
      [{ range: "custom", from: "2024-01-01T00:00", to: "2026-03-01T00:00" }, "dashboard.problems.range_too_long"],
      [{ range: "custom", from: "2026-02-30T08:00", to: "2026-03-01T08:00" }, "dashboard.problems.time_invalid"],
    ];
    for (const [params, problem] of cases) {
      const parsed = parse(params);
      expect(parsed.problems.map((p) => p.message), JSON.stringify(params)).toEqual([problem]);
      expect(parsed.query.range).toBe("24h");
    }
  });

  it("treats blank fields, as an empty form sends them, as absent", () => {
    expect(parse({ range: "", from: "", to: " ", channelKey: "", provider: "", sendId: "" })).toEqual(parse({}));
  });

  it("writes the address back so that it parses to the same query", () => {
    const custom = parse({ from: "2026-03-01T00:00:00.000Z", to: "2026-03-02T00:00:00.000Z", channelKey: "abc123defg", provider: "jsms" }).query;
    const href = dashboardHref(custom, "loss");
    expect(href).toBe("/dashboard?range=custom&from=2026-03-01T00%3A00%3A00.000Z&to=2026-03-02T00%3A00%3A00.000Z&channelKey=abc123defg&provider=jsms#loss");
    const params = Object.fromEntries(new URL(href, "http://x").searchParams);
    expect(parse(params).query).toEqual(custom);
    expect(dashboardHref({ range: "24h" })).toBe("/dashboard");
    expect(dashboardHref({ range: "7d", channelKey: "abc123defg" })).toBe("/dashboard?range=7d&channelKey=abc123defg");
  });
});

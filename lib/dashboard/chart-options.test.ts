import { describe, expect, it } from "vitest";
import type { LossCodeCount, Series, SeriesBucket } from "@/lib/messages/stats/stats-types";
import { categoryChart, chartFormat, codeChart, rateChart, TOP_CODES, volumeChart, type ChartOption } from "./chart-options";
import { messagesHref } from "./message-links";

const format = chartFormat("en", "Asia/Shanghai", "hour");
const states = { delivered: "Delivered", failed: "Failed", expired: "Expired", unknown: "Unknown" };

function bucket(channelKey: string, start: string, counts: Partial<Pick<SeriesBucket, "delivered" | "failed" | "expired" | "unknown">>): SeriesBucket {
  const c = { delivered: 0, failed: 0, expired: 0, unknown: 0, ...counts };
  const decided = c.delivered + c.failed + c.expired + c.unknown;
  return { channelKey, start, sent: decided, ...c, deliveryRate: decided ? c.delivered / decided : null };
}

// Two channels over three hours; the range starts at 10:30, inside the first hour.
const series: Series = {
  from: "2026-03-01T10:30:00.000Z",
  to: "2026-03-01T13:00:00.000Z",
  grain: "hour",
  timeZone: "Asia/Shanghai",
  channels: [
    { channelKey: "gw", name: "Gateway" },
    { channelKey: "js", name: "Jiguang" },
  ],
  buckets: [
    bucket("gw", "2026-03-01T10:00:00.000Z", { delivered: 8, failed: 2 }),
    bucket("js", "2026-03-01T10:00:00.000Z", { delivered: 5 }),
    bucket("gw", "2026-03-01T11:00:00.000Z", {}),
    bucket("js", "2026-03-01T11:00:00.000Z", {}),
    bucket("gw", "2026-03-01T12:00:00.000Z", { delivered: 1, unknown: 3 }),
    bucket("js", "2026-03-01T12:00:00.000Z", { expired: 4 }),
  ],
};

type AnySeries = { label?: { show?: boolean; formatter?: unknown }; itemStyle?: { decal?: unknown }; data?: unknown[]; name?: string; lineStyle?: { type?: string }; symbol?: string };
const seriesOf = (option: ChartOption) => option.series as AnySeries[];
const labelText = (s: AnySeries, value: unknown) => (s.label!.formatter as (p: { value: unknown }) => string)({ value });

describe("chart options", () => {
  it("every chart has aria on, with patterns", () => {
    const scope = {};
    const labels = { category: (c: string) => c, heading: "Category", count: "Messages", share: "Share" };
    for (const { option } of [
      volumeChart(series, "gw", { states, time: "Time", rate: "Rate" }, format, scope),
      rateChart(series, { time: "Time" }, format, scope),
      categoryChart([{ category: "handset_off", count: 3 }], labels, format, scope),
    ]) {
      expect(option.aria).toMatchObject({ enabled: true, decal: { show: true } });
      expect((option.tooltip as { renderMode?: string }).renderMode).toBe("richText");
      for (const s of seriesOf(option)) expect(s.label?.show).toBe(true);
    }
  });

  it("stacks one channel's final states per bucket, each with its own pattern and labels that skip zeros", () => {
    const { option, links, table } = volumeChart(series, "gw", { states, time: "Time", rate: "Delivery rate" }, format, { provider: "china_mobile" });
    const bars = seriesOf(option);
    expect(bars.map((s) => s.name)).toEqual(["Delivered", "Failed", "Expired", "Unknown"]);
    expect(bars.map((s) => s.data)).toEqual([[8, 0, 1], [2, 0, 0], [0, 0, 0], [0, 0, 3]]);
    const decals = bars.map((s) => JSON.stringify(s.itemStyle?.decal));
    expect(new Set(decals).size).toBe(4);
    expect(labelText(bars[0]!, 1234)).toBe("1,234");
    expect(labelText(bars[0]!, 0)).toBe("");
    // The first bucket starts before the range: its link starts where the range does.
    expect(links[1]![0]).toBe(
      messagesHref({ channelKey: "gw", provider: "china_mobile", status: "failed", from: "2026-03-01T10:30:00.000Z", to: "2026-03-01T11:00:00.000Z" }),
    );
    expect(links[3]![2]).toBe(messagesHref({ channelKey: "gw", provider: "china_mobile", status: "unknown", from: "2026-03-01T12:00:00.000Z", to: "2026-03-01T13:00:00.000Z" }));
    // No link where there is nothing to see.
    expect(links[2]).toEqual([null, null, null]);
    // The table: the empty hour left out, the same links, the rate per bucket.
    expect(table.columns).toEqual(["Time", "Delivered", "Failed", "Expired", "Unknown", "Delivery rate"]);
    expect(table.rows).toHaveLength(2);
    expect(table.rows[0]!.header.text).toBe("Mar 1, 2026, 6:00 PM");
    expect(table.rows[0]!.cells.map((c) => c.text)).toEqual(["8", "2", "0", "0", "80%"]);
    expect(table.rows[1]!.cells[3]!.href).toBe(links[3]![2]);
  });

  it("draws one line per channel, told apart by dash and marker too, with gaps where nothing was decided", () => {
    const { option, links, table } = rateChart(series, { time: "Time" }, format, {});
    const lines = seriesOf(option);
    expect(lines.map((s) => s.name)).toEqual(["Gateway", "Jiguang"]);
    expect(lines.map((s) => s.data)).toEqual([[80, null, 25], [100, null, 0]]);
    expect(lines[0]!.lineStyle!.type).not.toBe(lines[1]!.lineStyle!.type);
    expect(lines[0]!.symbol).not.toBe(lines[1]!.symbol);
    expect(labelText(lines[0]!, 80)).toBe("80%");
    expect(links[1]![0]).toBe(messagesHref({ channelKey: "js", from: "2026-03-01T10:30:00.000Z", to: "2026-03-01T11:00:00.000Z" }));
    expect(links[0]![1]).toBeNull();
    expect(table.columns).toEqual(["Time", "Gateway", "Jiguang"]);
    expect(table.rows.map((r) => r.cells.map((c) => c.text))).toEqual([["80%", "100%"], ["25%", "0%"]]);
  });

  it("writes numbers and times in the operator's language", () => {
    const zh = chartFormat("zh-CN", "Asia/Shanghai", "day");
    expect(zh.number(12345)).toBe("12,345");
    expect(zh.percent(0.875)).toBe("87.5%");
    expect(zh.bucketShort(new Date("2026-02-28T16:00:00Z"))).toBe("3月1日");
    const de = chartFormat("de", "UTC", "minute");
    expect(de.number(12345)).toBe("12.345");
    expect(de.bucketShort(new Date("2026-03-01T08:05:00Z"))).toBe("08:05");
  });

  it("links each category bar to its messages in the view's scope", () => {
    const scope = { channelKey: "gw", from: "2026-03-01T00:00:00.000Z", to: "2026-03-02T00:00:00.000Z" };
    const labels = { category: (c: string) => `«${c}»`, heading: "Category", count: "Messages", share: "Share" };
    const { option, links, table } = categoryChart(
      [
        { category: "handset_off", count: 6 },
        { category: "unclassified", count: 2 },
        { category: "blacklisted", count: 0 },
      ],
      labels,
      format,
      scope,
    );
    expect((option.yAxis as { data: string[] }).data).toEqual(["«handset_off»", "«unclassified»"]);
    expect(links).toEqual([[messagesHref({ ...scope, category: "handset_off" }), messagesHref({ ...scope, category: "unclassified" })]]);
    expect(table.rows.map((r) => [r.header.text, ...r.cells.map((c) => c.text)])).toEqual([
      ["«handset_off»", "6", "75%"],
      ["«unclassified»", "2", "25%"],
    ]);
  });

  it("draws the largest raw codes, names a code two providers share with its provider, and tables them all", () => {
    const codes: LossCodeCount[] = Array.from({ length: TOP_CODES + 3 }, (_, i) => ({
      code: `E${String(i).padStart(2, "0")}`,
      category: "unknown",
      count: 100 - i,
      providerId: "china_mobile",
    }));
    codes.splice(1, 0, { code: "E00", category: "handset_off", count: 99, providerId: "jsms" }, { code: "", category: "unknown", count: 98, providerId: "china_mobile" });
    const labels = {
      category: (c: string) => c,
      heading: "Code",
      count: "Messages",
      share: "Share",
      noCode: "(no code)",
      providerHeading: "Provider",
      categoryHeading: "Category",
      provider: (id: string) => ({ china_mobile: "China Mobile", jsms: "JSMS" })[id] ?? id,
    };
    const { option, links, table } = codeChart(codes, labels, format, { sendId: "s1" });
    const names = (option.yAxis as { data: string[] }).data;
    expect(names).toHaveLength(TOP_CODES);
    expect(names.slice(0, 3)).toEqual(["E00 · China Mobile", "E00 · JSMS", "(no code)"]);
    expect(links[0]!.slice(0, 3)).toEqual([
      messagesHref({ sendId: "s1", provider: "china_mobile", code: "E00" }),
      messagesHref({ sendId: "s1", provider: "jsms", code: "E00" }),
      null,
    ]);
    expect(table.rows).toHaveLength(codes.length);
    expect(table.rows[1]!.cells.map((c) => c.text).slice(0, 2)).toEqual(["JSMS", "handset_off"]);
  });
});

describe("message links", () => {
  it("carry the filters in one order, leaving out what is not set", () => {
    expect(messagesHref({})).toBe("/messages");
    expect(messagesHref({ code: "MK:0001", provider: "china_mobile", channelKey: "", from: new Date("2026-03-01T00:00:00Z") })).toBe(
      "/messages?provider=china_mobile&code=MK%3A0001&from=2026-03-01T00%3A00%3A00.000Z",
    );
  });
});

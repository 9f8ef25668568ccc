/**
 * The dashboard's charts as ECharts options, built from the stats answers (lib/messages/stats).
 * Pure: no DOM, no chart instance; components/charts draws them. Each builder returns, beside the
 * option, the link behind every bar or point (a click goes there) and the same numbers as a table
 * whose cells carry the same links, so a keyboard or screen-reader user reaches what a pointer does.
 *
 * Readable without colour: every series has its own pattern (decal) and value labels, line series
 * differ in dash and marker, and `aria` is on. Tooltips are drawn on the canvas (richText): the
 * HTML tooltip writes inline style attributes, which the console's Content-Security-Policy refuses.
 */
import type { BarSeriesOption, LineSeriesOption } from "echarts/charts";
import type { AriaComponentOption, GridComponentOption, LegendComponentOption, TooltipComponentOption } from "echarts/components";
import type { ComposeOption } from "echarts/core";
import type { LossCategory, LossCategoryCount, LossCodeCount, Series, SeriesBucket, SeriesGrain } from "@/lib/messages/stats/stats-types";
import { LINE_STYLES, LOSS_BAR, PALETTE, STATE_COLOURS, STATE_DECALS, UNCLASSIFIED_BAR, VOLUME_STATES, type VolumeState } from "./chart-palette";
import { messagesHref, type LinkScope } from "./message-links";

export type ChartOption = ComposeOption<
  BarSeriesOption | LineSeriesOption | AriaComponentOption | GridComponentOption | LegendComponentOption | TooltipComponentOption
>;

export interface ChartCell {
  text: string;
  href?: string | null;
}

export interface ChartTable {
  columns: string[];
  rows: { header: ChartCell; cells: ChartCell[] }[];
}

export interface ChartModel {
  option: ChartOption;
  /** links[seriesIndex][dataIndex]: where a click on that bar or point goes; null: nowhere. */
  links: (string | null)[][];
  table: ChartTable;
}

/** How numbers and bucket times are written, in the operator's language and zone. */
export interface ChartFormat {
  number: (n: number) => string;
  percent: (rate: number) => string;
  /** A bucket on the time axis: short. */
  bucketShort: (start: Date) => string;
  /** A bucket in the table: with its date. */
  bucketLong: (start: Date) => string;
}

export function chartFormat(locale: string, timeZone: string, grain: SeriesGrain): ChartFormat {
  const number = new Intl.NumberFormat(locale);
  const percent = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 1 });
  const short = new Intl.DateTimeFormat(
    locale,
    grain === "minute"
      ? { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }
      : grain === "hour"
        ? { timeZone, month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }
        : { timeZone, month: "short", day: "numeric" },
  );
  const long = new Intl.DateTimeFormat(locale, grain === "day" ? { timeZone, dateStyle: "medium" } : { timeZone, dateStyle: "medium", timeStyle: "short" });
  return {
    number: (n) => number.format(n),
    percent: (rate) => percent.format(rate),
    bucketShort: (start) => short.format(start),
    bucketLong: (start) => long.format(start),
  };
}

const AXIS_LABEL = { color: "#475569" };

/** Shared by every chart: aria with patterns, canvas tooltips, the palette's text colour. */
function base(): Pick<ChartOption, "aria" | "textStyle"> {
  return { aria: { enabled: true, decal: { show: true } }, textStyle: { color: PALETTE.text } };
}

function tooltip(format: ChartFormat, trigger: "axis" | "item"): TooltipComponentOption {
  return { trigger, renderMode: "richText", confine: true, valueFormatter: (value) => (typeof value === "number" ? format.number(value) : String(value ?? "—")) };
}

/** A value label that leaves zeros (and gaps) unwritten, so stacked bars do not fill with "0". */
function countLabel(format: ChartFormat, position: "inside" | "right" | "top") {
  return {
    show: true,
    position,
    formatter: (params: { value?: unknown }) => (typeof params.value === "number" && params.value > 0 ? format.number(params.value) : ""),
  };
}

/**
 * The time each bucket covers, clipped to the range: a bucket that starts before `from` (the hour
 * or day the range starts in) links to messages from `from`, the last one ends at `to`.
 */
function bucketSpans(starts: string[], series: Pick<Series, "from" | "to">): { from: string; to: string }[] {
  const rangeFrom = Date.parse(series.from);
  const rangeTo = Date.parse(series.to);
  return starts.map((start, i) => {
    const from = Math.max(Date.parse(start), rangeFrom);
    const next = i + 1 < starts.length ? Date.parse(starts[i + 1]!) : rangeTo;
    return { from: new Date(from).toISOString(), to: new Date(Math.min(next, rangeTo)).toISOString() };
  });
}

function distinctStarts(buckets: SeriesBucket[]): string[] {
  return [...new Set(buckets.map((b) => b.start))].sort((a, b) => Date.parse(a) - Date.parse(b));
}

export interface VolumeLabels {
  states: Record<VolumeState, string>;
  time: string;
  rate: string;
}

/** One channel's messages over time: delivered, failed, expired and unknown stacked per bucket. */
export function volumeChart(series: Series, channelKey: string, labels: VolumeLabels, format: ChartFormat, scope: LinkScope): ChartModel {
  const buckets = series.buckets.filter((b) => b.channelKey === channelKey);
  const spans = bucketSpans(
    buckets.map((b) => b.start),
    series,
  );
  const links = VOLUME_STATES.map((state) =>
    buckets.map((b, i) => (b[state] > 0 ? messagesHref({ ...scope, channelKey, status: state, ...spans[i] }) : null)),
  );
  const option: ChartOption = {
    ...base(),
    legend: { top: 0, left: 0, textStyle: { color: PALETTE.text } },
    grid: { left: 8, right: 8, top: 40, bottom: 8 },
    tooltip: tooltip(format, "axis"),
    xAxis: { type: "category", data: buckets.map((b) => format.bucketShort(new Date(b.start))), axisLabel: AXIS_LABEL },
    yAxis: { type: "value", minInterval: 1, axisLabel: { ...AXIS_LABEL, formatter: (v: number) => format.number(v) } },
    series: VOLUME_STATES.map(
      (state): BarSeriesOption => ({
        type: "bar",
        name: labels.states[state],
        stack: "volume",
        data: buckets.map((b) => b[state]),
        itemStyle: { color: STATE_COLOURS[state], decal: STATE_DECALS[state] },
        label: { ...countLabel(format, "inside"), color: "#ffffff" },
        labelLayout: { hideOverlap: true },
        emphasis: { focus: "series" },
        cursor: "pointer",
      }),
    ),
  };
  const table: ChartTable = {
    columns: [labels.time, ...VOLUME_STATES.map((s) => labels.states[s]), labels.rate],
    rows: buckets.flatMap((b, i) =>
      VOLUME_STATES.some((s) => b[s] > 0) || b.sent > 0
        ? [
            {
              header: { text: format.bucketLong(new Date(b.start)) },
              cells: [
                ...VOLUME_STATES.map((s, si) => ({ text: format.number(b[s]), href: links[si]![i] })),
                { text: b.deliveryRate === null ? "—" : format.percent(b.deliveryRate) },
              ],
            },
          ]
        : [],
    ),
  };
  return { option, links, table };
}

export interface RateLabels {
  time: string;
}

/** Delivery rate per channel over time, one line each; a bucket with nothing decided is a gap. */
export function rateChart(series: Series, labels: RateLabels, format: ChartFormat, scope: LinkScope): ChartModel {
  const starts = distinctStarts(series.buckets);
  const spans = bucketSpans(starts, series);
  const index = new Map(series.buckets.map((b) => [`${b.channelKey}|${b.start}`, b]));
  const rates = series.channels.map((channel) => starts.map((start) => index.get(`${channel.channelKey}|${start}`)?.deliveryRate ?? null));
  const links = series.channels.map((channel, ci) =>
    starts.map((_, i) => (rates[ci]![i] === null ? null : messagesHref({ ...scope, channelKey: channel.channelKey, ...spans[i] }))),
  );
  const option: ChartOption = {
    ...base(),
    legend: { top: 0, left: 0, textStyle: { color: PALETTE.text } },
    grid: { left: 8, right: 16, top: 48, bottom: 8 },
    tooltip: { ...tooltip(format, "axis"), valueFormatter: (value) => (typeof value === "number" ? format.percent(value / 100) : "—") },
    xAxis: { type: "category", data: starts.map((s) => format.bucketShort(new Date(s))), axisLabel: AXIS_LABEL },
    yAxis: { type: "value", min: 0, max: 100, axisLabel: { ...AXIS_LABEL, formatter: (v: number) => format.percent(v / 100) } },
    series: series.channels.map((channel, ci): LineSeriesOption => {
      const style = LINE_STYLES[ci % LINE_STYLES.length]!;
      return {
        type: "line",
        name: channel.name,
        // Percent with one decimal: what the labels and the table show.
        data: rates[ci]!.map((rate) => (rate === null ? null : Math.round(rate * 1000) / 10)),
        connectNulls: false,
        symbol: style.symbol,
        symbolSize: 8,
        itemStyle: { color: style.color },
        lineStyle: { color: style.color, type: style.type, width: 2 },
        label: {
          show: true,
          position: "top",
          formatter: (params: { value?: unknown }) => (typeof params.value === "number" ? format.percent(params.value / 100) : ""),
        },
        labelLayout: { hideOverlap: true },
        emphasis: { focus: "series" },
        cursor: "pointer",
      };
    }),
  };
  const table: ChartTable = {
    columns: [labels.time, ...series.channels.map((c) => c.name)],
    rows: starts.flatMap((start, i) =>
      rates.some((r) => r[i] !== null)
        ? [
            {
              header: { text: format.bucketLong(new Date(start)) },
              cells: series.channels.map((_, ci) => {
                const rate = rates[ci]![i]!;
                return rate === null ? { text: "—" } : { text: format.percent(rate), href: links[ci]![i] };
              }),
            },
          ]
        : [],
    ),
  };
  return { option, links, table };
}

export interface LossLabels {
  category: (category: LossCategory) => string;
  /** The table's first column: "Category", "Code". */
  heading: string;
  count: string;
  share: string;
}

function horizontalBars(names: string[], values: number[], styles: { color: string; decal: object }[], format: ChartFormat): ChartOption {
  return {
    ...base(),
    grid: { left: 8, right: 48, top: 8, bottom: 8 },
    tooltip: tooltip(format, "item"),
    // Largest first, read from the top.
    yAxis: { type: "category", inverse: true, data: names, axisLabel: { ...AXIS_LABEL, width: 160, overflow: "truncate" } },
    xAxis: { type: "value", minInterval: 1, axisLabel: { ...AXIS_LABEL, formatter: (v: number) => format.number(v) } },
    series: [
      {
        type: "bar",
        data: values.map((value, i) => ({ value, itemStyle: styles[i] })),
        barMaxWidth: 40,
        label: countLabel(format, "right"),
        cursor: "pointer",
      },
    ],
  };
}

const barStyle = (category: LossCategory) => (category === "unclassified" ? UNCLASSIFIED_BAR : LOSS_BAR);

/** Lost messages by outcome category, each bar a link to those messages. */
export function categoryChart(byCategory: LossCategoryCount[], labels: LossLabels, format: ChartFormat, scope: LinkScope): ChartModel {
  const rows = byCategory.filter((c) => c.count > 0);
  const total = rows.reduce((sum, c) => sum + c.count, 0);
  const links = [rows.map((c) => messagesHref({ ...scope, category: c.category }))];
  const option = horizontalBars(
    rows.map((c) => labels.category(c.category)),
    rows.map((c) => c.count),
    rows.map((c) => barStyle(c.category)),
    format,
  );
  const table: ChartTable = {
    columns: [labels.heading, labels.count, labels.share],
    rows: rows.map((c, i) => ({
      header: { text: labels.category(c.category), href: links[0]![i] },
      cells: [{ text: format.number(c.count), href: links[0]![i] }, { text: format.percent(total ? c.count / total : 0) }],
    })),
  };
  return { option, links, table };
}

/** How many codes the code chart draws; the table lists them all. */
export const TOP_CODES = 20;

export interface CodeLabels extends LossLabels {
  noCode: string;
  providerHeading: string;
  categoryHeading: string;
  provider: (providerId: string) => string;
}

/**
 * Lost messages by raw code, the TOP_CODES largest drawn. A code two providers share is drawn
 * once per provider and named with it. A message without a code links nowhere (the list cannot
 * ask for "no code"); its category bar does.
 */
export function codeChart(byCode: LossCodeCount[], labels: CodeLabels, format: ChartFormat, scope: LinkScope): ChartModel {
  const rows = byCode.filter((c) => c.count > 0);
  const shared = new Set(rows.filter((c, i) => rows.findIndex((o) => o.code === c.code) !== i).map((c) => c.code));
  const name = (c: LossCodeCount) => `${c.code || labels.noCode}${shared.has(c.code) ? ` · ${labels.provider(c.providerId)}` : ""}`;
  const href = (c: LossCodeCount) => (c.code ? messagesHref({ ...scope, provider: c.providerId, code: c.code }) : null);
  const drawn = rows.slice(0, TOP_CODES);
  const total = rows.reduce((sum, c) => sum + c.count, 0);
  const option = horizontalBars(
    drawn.map(name),
    drawn.map((c) => c.count),
    drawn.map((c) => barStyle(c.category)),
    format,
  );
  const table: ChartTable = {
    columns: [labels.heading, labels.providerHeading, labels.categoryHeading, labels.count, labels.share],
    rows: rows.map((c) => ({
      header: { text: c.code || labels.noCode, href: href(c) },
      cells: [
        { text: labels.provider(c.providerId) },
        { text: labels.category(c.category), href: messagesHref({ ...scope, category: c.category }) },
        { text: format.number(c.count), href: href(c) },
        { text: format.percent(total ? c.count / total : 0) },
      ],
    })),
  };
  return { option, links: [drawn.map(href)], table };
}

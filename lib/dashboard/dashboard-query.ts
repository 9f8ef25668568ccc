import { z } from "zod";
import { MAX_RANGE_MS } from "@/lib/messages/stats/time-range";
import { wallTimeToInstant } from "./wall-time";

/**
 * The dashboard's address: `?range=1h|24h|7d|30d|custom&from=&to=&channelKey=&provider=&sendId=`.
 * Every value is checked here; a bad one is dropped and named (a catalogue key under
 * `dashboard.problems`), so a mistyped link still opens the dashboard, on the default range, with
 * a note saying what was ignored. Runs in the browser too (the range picker): no server imports.
 */

export const RANGE_PRESETS = ["1h", "24h", "7d", "30d"] as const;
export type RangePreset = (typeof RANGE_PRESETS)[number];
export type RangeChoice = RangePreset | "custom";
export const RANGE_CHOICES = [...RANGE_PRESETS, "custom"] as const satisfies readonly RangeChoice[];
export const DEFAULT_RANGE: RangePreset = "24h";

const HOUR = 3_600_000;
export const PRESET_LENGTH_MS: Record<RangePreset, number> = { "1h": HOUR, "24h": 24 * HOUR, "7d": 7 * 24 * HOUR, "30d": 30 * 24 * HOUR };

export interface DashboardQuery {
  range: RangeChoice;
  from: Date;
  to: Date;
  channelKey?: string;
  provider?: string;
  sendId?: string;
}

export type DashboardProblem =
  | "dashboard.problems.repeated"
  | "dashboard.problems.range_unknown"
  | "dashboard.problems.time_invalid"
  | "dashboard.problems.time_order"
  | "dashboard.problems.range_too_long"
  | "dashboard.problems.custom_needs_times"
  | "dashboard.problems.channel_invalid"
  | "dashboard.problems.provider_invalid"
  | "dashboard.problems.send_invalid"
  | "dashboard.problems.channel_unknown"
  | "dashboard.problems.provider_unknown"
  | "dashboard.problems.send_unknown";

export interface ParsedDashboardQuery {
  query: DashboardQuery;
  problems: { field: string; message: DashboardProblem }[];
}

type SearchParams = Record<string, string | string[] | undefined>;

const CONTROL = /[\u0000-\u001f\u007f]/;

/** A query value: one string (a repeated key is refused), blank meaning absent. */
const one = z.union([z.string(), z.array(z.string()), z.undefined()]).transform((value, ctx) => {
  if (Array.isArray(value)) {
    ctx.addIssue({ code: "custom", message: "dashboard.problems.repeated" });
    return z.NEVER;
  }
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
});

const fields = {
  range: z.enum(RANGE_CHOICES, { error: "dashboard.problems.range_unknown" }),
  /** Channel keys are short letters and digits (send-schema's rule). */
  channelKey: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { error: "dashboard.problems.channel_invalid" }),
  /** A providers.id: at most 64 characters, no control characters. */
  provider: z
    .string()
    .max(64, { error: "dashboard.problems.provider_invalid" })
    .refine((v) => !CONTROL.test(v), { error: "dashboard.problems.provider_invalid" }),
  sendId: z.uuid({ error: "dashboard.problems.send_invalid" }),
};

/**
 * An instant: ISO 8601 with its offset ("2026-03-01T00:00:00Z", what links carry), or a
 * datetime-local value ("2026-03-01T08:00", what the form sends) read in the operator's zone.
 */
export function parseInstant(text: string, timeZone: string): Date | null {
  const iso = z.iso.datetime({ offset: true }).safeParse(text);
  if (iso.success) {
    const at = new Date(text);
    return Number.isNaN(at.getTime()) || at.getUTCFullYear() < 1 || at.getUTCFullYear() > 9999 ? null : at;
  }
  return wallTimeToInstant(text, timeZone);
}

export function parseDashboardQuery(params: SearchParams, options: { now: Date; timeZone: string }): ParsedDashboardQuery {
  const problems: ParsedDashboardQuery["problems"] = [];
  const read = <T>(key: string, schema: z.ZodType<T>): T | undefined => {
    const raw = one.safeParse(params[key]);
    if (!raw.success) {
      problems.push({ field: key, message: raw.error.issues[0]!.message as DashboardProblem });
      return undefined;
    }
    if (raw.data === undefined) return undefined;
    const parsed = schema.safeParse(raw.data);
    if (parsed.success) return parsed.data;
    problems.push({ field: key, message: parsed.error.issues[0]!.message as DashboardProblem });
    return undefined;
  };
  const instant = (key: string): Date | undefined => {
    const text = read(key, z.string());
    if (text === undefined) return undefined;
    const at = parseInstant(text, options.timeZone);
    if (!at) problems.push({ field: key, message: "dashboard.problems.time_invalid" });
    return at ?? undefined;
  };

  const channelKey = read("channelKey", fields.channelKey);
  const provider = read("provider", fields.provider);
  const sendId = read("sendId", fields.sendId);
  const from = instant("from");
  const to = instant("to");
  // from/to without a range name mean a custom range (a link from elsewhere needs say no more).
  const named = read("range", fields.range) ?? (from || to ? "custom" : DEFAULT_RANGE);

  const preset = (choice: RangePreset): DashboardQuery => ({
    range: choice,
    from: new Date(options.now.getTime() - PRESET_LENGTH_MS[choice]),
    to: options.now,
  });
  let range: DashboardQuery;
  if (named !== "custom") {
    range = preset(named);
  } else if (!from || !to) {
    if (!problems.some((p) => p.field === "from" || p.field === "to")) problems.push({ field: "range", message: "dashboard.problems.custom_needs_times" });
    range = preset(DEFAULT_RANGE);
  } else if (from >= to) {
    problems.push({ field: "to", message: "dashboard.problems.time_order" });
    range = preset(DEFAULT_RANGE);
  } else if (to.getTime() - from.getTime() > MAX_RANGE_MS) {
    problems.push({ field: "to", message: "dashboard.problems.range_too_long" });
    range = preset(DEFAULT_RANGE);
  } else {
    range = { range: "custom", from, to };
  }
  return {
    query: { ...range, ...(channelKey && { channelKey }), ...(provider && { provider }), ...(sendId && { sendId }) },
    problems,
  };
}

/** The dashboard's address for a query (what the range picker and the filter links navigate to). */
export function dashboardHref(query: Partial<DashboardQuery>, hash?: string): string {
  const params = new URLSearchParams();
  if (query.range && query.range !== "custom") {
    if (query.range !== DEFAULT_RANGE) params.set("range", query.range);
  } else if (query.from && query.to) {
    params.set("range", "custom");
    params.set("from", query.from.toISOString());
    params.set("to", query.to.toISOString());
  }
  if (query.channelKey) params.set("channelKey", query.channelKey);
  if (query.provider) params.set("provider", query.provider);
  if (query.sendId) params.set("sendId", query.sendId);
  const search = params.toString();
  return `/dashboard${search ? `?${search}` : ""}${hash ? `#${hash}` : ""}`;
}

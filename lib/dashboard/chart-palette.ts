/**
 * The charts' colours, from the console's Tailwind palette (written out as hex because the chart
 * library draws on a canvas and parses colours itself; Tailwind's CSS variables are oklch). Each
 * has at least 3:1 contrast on white (WCAG 1.4.11), and every series also has its own pattern
 * (decal), so no figure is told apart by colour alone.
 */
import type { AriaComponentOption } from "echarts/components";

/** ECharts' decal (pattern) description, as its public option types name it. */
export type DecalObject = Exclude<NonNullable<NonNullable<AriaComponentOption["decal"]>["decals"]>, unknown[]>;

export const PALETTE = {
  brand600: "#1f57d1",
  emerald600: "#059669",
  red600: "#dc2626",
  amber600: "#d97706",
  slate500: "#64748b",
  violet600: "#7c3aed",
  cyan700: "#0e7490",
  pink600: "#db2777",
  lime700: "#4d7c0f",
  slate700: "#334155",
  slate200: "#e2e8f0",
  text: "#334155",
} as const;

/** The final states a volume chart stacks, in the order they are stacked. */
export const VOLUME_STATES = ["delivered", "failed", "expired", "unknown"] as const;
export type VolumeState = (typeof VOLUME_STATES)[number];

export const STATE_COLOURS: Record<VolumeState, string> = {
  delivered: PALETTE.emerald600,
  failed: PALETTE.red600,
  expired: PALETTE.amber600,
  unknown: PALETTE.slate500,
};

const INK = "rgba(255, 255, 255, 0.55)";

/** A pattern per state: plain fill for delivered, stripes, dots and a grid for the three losses. */
export const STATE_DECALS: Record<VolumeState, DecalObject> = {
  delivered: { symbol: "rect", symbolSize: 1, color: "rgba(255, 255, 255, 0.18)", dashArrayX: [1, 0], dashArrayY: [1, 7], rotation: 0 },
  failed: { symbol: "rect", symbolSize: 1, color: INK, dashArrayX: [1, 0], dashArrayY: [3, 4], rotation: -Math.PI / 4 },
  expired: { symbol: "circle", symbolSize: 0.7, color: INK, dashArrayX: [[5, 5]], dashArrayY: [5, 5] },
  unknown: { symbol: "rect", symbolSize: 1, color: INK, dashArrayX: [[2, 4]], dashArrayY: [2, 4], rotation: Math.PI / 4 },
};

/** Lines of different channels differ in colour, dash and marker. */
export const LINE_STYLES: { color: string; type: "solid" | "dashed" | "dotted"; symbol: string }[] = [
  { color: PALETTE.brand600, type: "solid", symbol: "circle" },
  { color: PALETTE.emerald600, type: "dashed", symbol: "rect" },
  { color: PALETTE.violet600, type: "dotted", symbol: "triangle" },
  { color: PALETTE.amber600, type: "solid", symbol: "diamond" },
  { color: PALETTE.cyan700, type: "dashed", symbol: "pin" },
  { color: PALETTE.pink600, type: "dotted", symbol: "arrow" },
  { color: PALETTE.lime700, type: "solid", symbol: "roundRect" },
  { color: PALETTE.slate700, type: "dashed", symbol: "emptyCircle" },
];

/** Loss bars: one colour, one pattern; the axis names each bar. */
export const LOSS_BAR = { color: PALETTE.red600, decal: STATE_DECALS.failed };
export const UNCLASSIFIED_BAR = { color: PALETTE.slate500, decal: STATE_DECALS.unknown };

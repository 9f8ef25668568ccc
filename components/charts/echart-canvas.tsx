"use client";

import { BarChart, LineChart } from "echarts/charts";
import { AriaComponent, GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import { init, use as registerChartParts, type EChartsType } from "echarts/core";
import { LabelLayout } from "echarts/features";
import { CanvasRenderer } from "echarts/renderers";
import { useRouter } from "next/navigation";
import { useEffect, useRef } from "react";
import type { ChartOption } from "@/lib/dashboard/chart-options";

// Only what the dashboard draws: bars, lines, their grid, legend, canvas tooltips, aria and label layout.
registerChartParts([BarChart, LineChart, AriaComponent, GridComponent, LegendComponent, TooltipComponent, LabelLayout, CanvasRenderer]);

export interface EChartCanvasProps {
  option: ChartOption;
  /** links[seriesIndex][dataIndex]: a click on that bar or point navigates there. */
  links: (string | null)[][];
  /** The chart's accessible name: a sentence with its main figures. */
  label: string;
  /** "zh-CN" or "en": ECharts' own words (aria's fallback text). */
  locale: string;
  className?: string;
}

/**
 * One ECharts instance in a div, drawn in the browser only: created on mount, resized with its
 * container (ResizeObserver, so a sidebar or a phone rotating resizes it too), disposed on unmount.
 * The div is an image to assistive technology (role="img", named by `label`); the numbers and
 * links are in the table beside it (ChartFigure).
 */
export default function EChartCanvas({ option, links, label, locale, className = "h-72" }: EChartCanvasProps) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<EChartsType | null>(null);
  const currentLinks = useRef(links);
  const router = useRouter();

  useEffect(() => {
    currentLinks.current = links;
  }, [links]);

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const instance = init(element, null, { renderer: "canvas", locale: locale.startsWith("zh") ? "ZH" : "EN" });
    chart.current = instance;
    instance.on("click", (params) => {
      const href = currentLinks.current[params.seriesIndex ?? 0]?.[params.dataIndex];
      if (href) router.push(href);
    });
    const observer = new ResizeObserver(() => instance.resize());
    observer.observe(element);
    return () => {
      observer.disconnect();
      instance.dispose();
      chart.current = null;
    };
  }, [locale, router]);

  useEffect(() => {
    const reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    chart.current?.setOption(
      { ...option, animation: !reduceMotion, aria: { ...option.aria, label: { enabled: true, description: label } } },
      { notMerge: true },
    );
  }, [option, label, locale]);

  return <div ref={box} role="img" aria-label={label} className={`w-full ${className}`} />;
}

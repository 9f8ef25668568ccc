"use client";

import dynamic from "next/dynamic";
import Link from "next/link";
import { useLocale, useTranslations } from "next-intl";
import { useId, type ReactNode } from "react";
import type { ChartCell, ChartModel, ChartTable } from "@/lib/dashboard/chart-options";
import { Table } from "../table";

// The chart library stays out of the server bundle and loads with the first chart.
const EChartCanvas = dynamic(() => import("./echart-canvas"), {
  ssr: false,
  loading: () => <div aria-hidden="true" className="h-full w-full animate-pulse rounded bg-slate-100" />,
});

function Cell({ cell }: { cell: ChartCell }) {
  return cell.href ? (
    <Link href={cell.href} className="text-brand-700 underline-offset-2 hover:underline">
      {cell.text}
    </Link>
  ) : (
    <>{cell.text}</>
  );
}

/** A chart's numbers as a table, every figure that the chart links linking the same way. */
export function ChartDataTable({ table, caption }: { table: ChartTable; caption: string }) {
  return (
    <Table headers={table.columns.map((label, i) => (i === 0 ? label : { label, align: "right" as const }))} caption={caption}>
      {table.rows.map((row, i) => (
        <tr key={`${row.header.text}-${i}`}>
          <td className="font-medium text-slate-800">
            <Cell cell={row.header} />
          </td>
          {row.cells.map((cell, ci) => (
            <td key={ci} className="tabular-nums md:text-right">
              <Cell cell={cell} />
            </td>
          ))}
        </tr>
      ))}
    </Table>
  );
}

/**
 * A chart with its title, an accessible name saying what it shows (`summary`), and its numbers
 * as a table: folded under "Show as a table" (`table="toggle"`), or always shown (`"shown"`) where
 * the table is itself part of the page (all raw codes). Bars and points link to the messages they
 * count; the table's links are the same, for the keyboard.
 */
export function ChartFigure({
  title,
  summary,
  model,
  table = "toggle",
  tableCaption,
  heightClass = "h-72",
  empty,
  children,
}: {
  title: string;
  summary: string;
  model: ChartModel;
  table?: "toggle" | "shown";
  /** The table's name when it holds more than the chart draws; else the chart's title. */
  tableCaption?: string;
  heightClass?: string;
  /** Shown instead of the chart when there is nothing to draw. */
  empty?: string;
  children?: ReactNode;
}) {
  const t = useTranslations("dashboard");
  const locale = useLocale();
  const titleId = useId();
  const nothing = model.table.rows.length === 0;
  return (
    <figure aria-labelledby={titleId} className="min-w-0 space-y-2">
      <figcaption id={titleId} className="text-sm font-semibold text-slate-800">
        {title}
      </figcaption>
      {nothing && empty ? (
        <p className="rounded-md bg-slate-50 px-3 py-6 text-center text-sm text-slate-600">{empty}</p>
      ) : (
        <>
          <div className={heightClass}>
            <EChartCanvas option={model.option} links={model.links} label={summary} locale={locale} className="h-full" />
          </div>
          {table === "shown" ? (
            <ChartDataTable table={model.table} caption={tableCaption ?? title} />
          ) : (
            <details className="rounded-md border border-slate-200 px-3 py-2">
              <summary className="cursor-pointer rounded text-sm font-medium text-brand-700 focus:outline-none focus-visible:ring-2 focus-visible:ring-brand-500">
                {t("showTable")}
              </summary>
              <div className="mt-2">
                <ChartDataTable table={model.table} caption={tableCaption ?? title} />
              </div>
            </details>
          )}
        </>
      )}
      {children}
    </figure>
  );
}

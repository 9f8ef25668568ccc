"use client";

import Link from "next/link";
import { useLocale, useTranslations } from "next-intl";
import { useMemo } from "react";
import { categoryChart, chartFormat, codeChart, TOP_CODES } from "@/lib/dashboard/chart-options";
import { dashboardHref, type DashboardQuery } from "@/lib/dashboard/dashboard-query";
import type { LinkScope } from "@/lib/dashboard/message-links";
import type { LossAnalysis, LossCategoryCount } from "@/lib/messages/stats/stats-types";
import { ChartFigure } from "../charts/chart-figure";
import { Table } from "../table";
import { UnclassifiedCodes, type ClassifyAction } from "./unclassified-codes";
import { useCategoryLabel, useStatsFormat } from "./use-stats-format";

interface LossProps {
  loss: LossAnalysis;
  scope: LinkScope;
  /** The dashboard's own query, for the "only this channel / provider" links. */
  query: Omit<DashboardQuery, "from" | "to"> & { from: string; to: string };
  providerName: (providerId: string) => string;
  timeZone: string;
  classify?: ClassifyAction;
}

/** Loss analysis: what was lost and why, by category and raw code, per channel and provider, and the codes nobody classified yet. */
export function LossAnalysisView({ loss, scope, query, providerName, timeZone, classify }: LossProps) {
  const t = useTranslations("loss");
  const locale = useLocale();
  const f = useStatsFormat();
  const category = useCategoryLabel();
  const format = useMemo(() => chartFormat(locale, timeZone, "hour"), [locale, timeZone]);
  const labels = useMemo(() => ({ category, heading: t("category"), count: t("count"), share: t("share") }), [category, t]);
  const byCategory = useMemo(() => categoryChart(loss.byCategory, labels, format, scope), [loss.byCategory, labels, format, scope]);
  const byCode = useMemo(
    () =>
      codeChart(
        loss.byCode,
        { ...labels, heading: t("code"), noCode: t("noCode"), providerHeading: t("provider"), categoryHeading: t("category"), provider: providerName },
        format,
        scope,
      ),
    [loss.byCode, labels, t, providerName, format, scope],
  );
  const list = (rows: { name: string; count: number }[]) => rows.map((r) => `${r.name} ${f.count(r.count)}`).join(", ");
  const href = (extra: Partial<DashboardQuery>) =>
    dashboardHref({ ...query, from: new Date(query.from), to: new Date(query.to), ...extra }, "loss");

  return (
    <div className="space-y-8">
      <p className="text-sm text-slate-700">{t("total", { count: loss.total, total: f.count(loss.total) })}</p>
      {loss.total === 0 ? (
        <p className="rounded-md bg-slate-50 px-3 py-6 text-center text-sm text-slate-600">{t("noLoss")}</p>
      ) : (
        <>
          <div className="grid gap-8 xl:grid-cols-2">
            <ChartFigure
              title={t("byCategoryTitle")}
              summary={t("byCategorySummary", { list: list(loss.byCategory.filter((c) => c.count > 0).map((c) => ({ name: category(c.category), count: c.count }))) })}
              model={byCategory}
              heightClass={barHeight(byCategory.links[0]!.length)}
            />
            <ChartFigure
              title={t("byCodeTitle", { count: TOP_CODES })}
              summary={t("byCodeSummary", { list: list(loss.byCode.slice(0, 5).map((c) => ({ name: c.code || t("noCode"), count: c.count }))) })}
              model={byCode}
              heightClass={barHeight(byCode.links[0]!.length)}
              table="shown"
              tableCaption={t("allCodesCaption")}
            />
          </div>
          <div className="grid gap-8 lg:grid-cols-2">
            <BreakdownTable
              title={t("byChannelTitle")}
              heading={t("channel")}
              rows={loss.byChannel.map((c) => ({
                key: c.channelKey,
                name: c.name,
                count: c.count,
                byCategory: c.byCategory,
                filter: query.channelKey === c.channelKey ? null : href({ channelKey: c.channelKey }),
              }))}
            />
            <BreakdownTable
              title={t("byProviderTitle")}
              heading={t("provider")}
              rows={loss.byProvider.map((p) => ({
                key: p.providerId,
                name: p.name,
                count: p.count,
                byCategory: p.byCategory,
                filter: query.provider === p.providerId ? null : href({ provider: p.providerId }),
              }))}
            />
          </div>
        </>
      )}
      <section id="unclassified" aria-labelledby="unclassified-title" className="scroll-mt-4 space-y-3">
        <h3 id="unclassified-title" className="text-base font-semibold text-slate-800">
          {t("unclassifiedTitle")}
        </h3>
        <p className="max-w-3xl text-sm text-slate-600">{t("unclassifiedIntro")}</p>
        <UnclassifiedCodes codes={loss.unclassified} scope={scope} providerName={providerName} classify={classify} />
      </section>
    </div>
  );
}

/** Enough height for each bar and its label; a chart of one bar is still a readable size. */
function barHeight(bars: number): string {
  if (bars <= 4) return "h-48";
  if (bars <= 8) return "h-72";
  if (bars <= 14) return "h-96";
  return "h-[36rem]";
}

function BreakdownTable({
  title,
  heading,
  rows,
}: {
  title: string;
  heading: string;
  rows: { key: string; name: string; count: number; byCategory: LossCategoryCount[]; filter: string | null }[];
}) {
  const t = useTranslations("loss");
  const f = useStatsFormat();
  const category = useCategoryLabel();
  return (
    <div className="min-w-0 space-y-2">
      <h3 className="text-sm font-semibold text-slate-800">{title}</h3>
      <Table caption={title} headers={[heading, { label: t("count"), align: "right" }, t("mainCategories"), { label: t("actions"), srOnly: true }]}>
        {rows.map((row) => (
          <tr key={row.key} className="align-top">
            <td className="font-medium text-slate-800">{row.name}</td>
            <td className="tabular-nums md:text-right">{f.count(row.count)}</td>
            <td className="text-slate-700">
              {row.byCategory
                .filter((c) => c.count > 0)
                .slice(0, 3)
                .map((c) => `${category(c.category)} ${f.count(c.count)}`)
                .join(" · ")}
            </td>
            <td className="md:text-right">
              {row.filter ? (
                <Link className="text-brand-700 hover:underline" href={row.filter}>
                  {t("onlyThis")}
                  <span className="sr-only"> ({row.name})</span>
                </Link>
              ) : null}
            </td>
          </tr>
        ))}
      </Table>
    </div>
  );
}

"use client";

import { useLocale, useTranslations } from "next-intl";
import { useMemo } from "react";
import { chartFormat, rateChart, volumeChart } from "@/lib/dashboard/chart-options";
import { VOLUME_STATES } from "@/lib/dashboard/chart-palette";
import type { LinkScope } from "@/lib/dashboard/message-links";
import type { Series } from "@/lib/messages/stats/stats-types";
import { ChartFigure } from "../charts/chart-figure";
import { useStatsFormat } from "./use-stats-format";

/** Volume per channel (one stacked chart each) and the delivery rate of every channel (one line each). */
export function DeliveryCharts({ series, scope }: { series: Series; scope: LinkScope }) {
  const t = useTranslations("dashboard");
  const tStates = useTranslations("messages.states");
  const locale = useLocale();
  const f = useStatsFormat();
  const format = useMemo(() => chartFormat(locale, series.timeZone, series.grain), [locale, series.timeZone, series.grain]);
  const states = useMemo(() => Object.fromEntries(VOLUME_STATES.map((s) => [s, tStates(s)])) as Record<(typeof VOLUME_STATES)[number], string>, [tStates]);
  const grain = t(`grains.${series.grain}`);
  const volumes = useMemo(
    () =>
      series.channels.map((channel) => {
        const model = volumeChart(series, channel.channelKey, { states, time: t("time"), rate: t("counts.deliveryRate") }, format, scope);
        const sum = (key: "sent" | (typeof VOLUME_STATES)[number]) =>
          series.buckets.filter((b) => b.channelKey === channel.channelKey).reduce((n, b) => n + b[key], 0);
        return { channel, model, totals: { sent: sum("sent"), delivered: sum("delivered"), failed: sum("failed"), expired: sum("expired"), unknown: sum("unknown") } };
      }),
    [series, states, t, format, scope],
  );
  const rates = useMemo(() => rateChart(series, { time: t("time") }, format, scope), [series, t, format, scope]);

  if (series.channels.length === 0) return <p className="rounded-md bg-slate-50 px-3 py-6 text-center text-sm text-slate-600">{t("noMessages")}</p>;
  return (
    <div className="space-y-8">
      <div className={`grid gap-8 ${volumes.length > 1 ? "xl:grid-cols-2" : ""}`}>
        {volumes.map(({ channel, model, totals }) => (
          <ChartFigure
            key={channel.channelKey}
            title={t("volumeChart", { channel: channel.name })}
            summary={t("volumeSummary", {
              channel: channel.name,
              grain,
              sent: f.count(totals.sent),
              delivered: f.count(totals.delivered),
              failed: f.count(totals.failed),
              expired: f.count(totals.expired),
              unknown: f.count(totals.unknown),
            })}
            model={model}
            empty={t("noMessages")}
          />
        ))}
      </div>
      <ChartFigure
        title={t("rateTitle")}
        summary={t("rateSummary", {
          grain,
          rates: series.channels
            .map((c) => {
              const own = series.buckets.filter((b) => b.channelKey === c.channelKey);
              const delivered = own.reduce((n, b) => n + b.delivered, 0);
              const decided = own.reduce((n, b) => n + b.delivered + b.failed + b.expired + b.unknown, 0);
              return `${c.name} ${f.rate(decided ? delivered / decided : null)}`;
            })
            .join(", "),
        })}
        model={rates}
        empty={t("noDecided")}
      />
    </div>
  );
}

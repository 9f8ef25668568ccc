"use client";

import Link from "next/link";
import { useTranslations } from "next-intl";
import { useCallback, useMemo } from "react";
import type { DashboardProblem, RangeChoice } from "@/lib/dashboard/dashboard-query";
import { messagesHref, type LinkScope } from "@/lib/dashboard/message-links";
import type { DeliveryCounts, LossAnalysis, Series } from "@/lib/messages/stats/stats-types";
import { Alert, Card } from "../ui";
import { DeliveryCharts } from "./delivery-charts";
import { FigureList } from "./figure-list";
import { LossAnalysisView } from "./loss-analysis";
import { RangePicker } from "./range-picker";
import type { ClassifyAction } from "./unclassified-codes";
import { useStatsFormat } from "./use-stats-format";

export interface DashboardViewProps {
  query: { range: RangeChoice; from: string; to: string; channelKey?: string; provider?: string; sendId?: string };
  /** Parts of the address that were ignored: field and catalogue key (dashboard.problems.*). */
  problems: { field: string; message: DashboardProblem }[];
  timeZone: string;
  channels: { channelKey: string; name: string; providerId: string }[];
  providers: { providerId: string; name: string }[];
  counts: DeliveryCounts & { inFlight: number };
  /** Null for one send's view: the charts over time are of a range. */
  series: Series | null;
  loss: LossAnalysis;
  send: { sendId: string; channelName: string; createdAt: string } | null;
  classify?: ClassifyAction;
}

export function DashboardView({ query, problems, timeZone, channels, providers, counts, series, loss, send, classify }: DashboardViewProps) {
  const t = useTranslations("dashboard");
  const f = useStatsFormat();
  const names = useMemo(() => new Map(providers.map((p) => [p.providerId, p.name])), [providers]);
  const providerName = useCallback((id: string) => names.get(id) ?? id, [names]);
  // Every link of the view carries its scope: the send (which covers the whole send), or the range.
  const scope = useMemo<LinkScope>(
    () => ({
      channelKey: query.channelKey,
      provider: query.provider,
      ...(query.sendId ? { sendId: query.sendId } : { from: query.from, to: query.to }),
    }),
    [query.channelKey, query.provider, query.sendId, query.from, query.to],
  );
  const stateHref = (status: string) => messagesHref({ ...scope, status });

  return (
    <div className="space-y-6">
      {problems.length ? (
        <Alert tone="warning">
          <p className="font-medium">{t("problemsTitle")}</p>
          <ul className="mt-1 list-disc pl-5">
            {problems.map((p) => (
              <li key={`${p.field}-${p.message}`}>
                {t("problemLine", { field: t.has(`fields.${p.field}`) ? t(`fields.${p.field}`) : p.field, message: t(p.message.replace("dashboard.", "") as never) })}
              </li>
            ))}
          </ul>
        </Alert>
      ) : null}

      <Card title={t("filtersTitle")}>
        <RangePicker current={query} channels={channels} providers={providers} timeZone={timeZone} />
        {send ? (
          <p className="mt-2 text-sm text-slate-700">
            {t("forSend", { id: send.sendId.slice(0, 8), channel: send.channelName, when: f.dateTime(send.createdAt) })}{" "}
            <Link className="font-medium text-brand-700 underline" href={`/messages/sends/${encodeURIComponent(send.sendId)}`}>
              {t("openSend")}
            </Link>{" "}
            <Link className="font-medium text-brand-700 underline" href={`/dashboard?range=${query.range === "custom" ? "24h" : query.range}`}>
              {t("clearSend")}
            </Link>
          </p>
        ) : (
          <p className="mt-2 text-sm text-slate-600">{t("scopeRange", { from: f.dateTime(query.from), to: f.dateTime(query.to), timeZone })}</p>
        )}
      </Card>

      <Card title={t("countsTitle")}>
        <FigureList
          figures={[
            { label: t("counts.sent"), value: f.count(counts.sent) },
            { label: t("counts.delivered"), value: f.count(counts.delivered), href: stateHref("delivered"), tone: "green" },
            { label: t("counts.failed"), value: f.count(counts.failed), href: stateHref("failed"), tone: "red" },
            { label: t("counts.expired"), value: f.count(counts.expired), href: stateHref("expired"), tone: "amber" },
            { label: t("counts.unknown"), value: f.count(counts.unknown), href: stateHref("unknown"), tone: "amber" },
            { label: t("counts.inFlight"), value: f.count(counts.inFlight) },
            { label: t("counts.deliveryRate"), value: f.rate(counts.deliveryRate) },
          ]}
        />
      </Card>

      {series ? (
        <Card title={t("volumeTitle")}>
          <DeliveryCharts series={series} scope={scope} />
        </Card>
      ) : (
        <Alert tone="info">{t("sendNote")}</Alert>
      )}

      <section id="loss" aria-labelledby="loss-title" className="scroll-mt-4 rounded-lg border border-slate-200 bg-white shadow-sm">
        <header className="border-b border-slate-100 px-4 py-3 sm:px-5">
          <h2 id="loss-title" className="text-base font-semibold text-slate-800">
            {t("lossTitle")}
          </h2>
        </header>
        <div className="px-4 py-4 sm:px-5">
          <LossAnalysisView loss={loss} scope={scope} query={query} providerName={providerName} timeZone={timeZone} classify={classify} />
        </div>
      </section>
    </div>
  );
}

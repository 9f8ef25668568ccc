"use client";

import Link from "next/link";
import { useTranslations } from "next-intl";
import { dashboardHref } from "@/lib/dashboard/dashboard-query";
import { messagesHref } from "@/lib/dashboard/message-links";
import type { AttentionItem, DeliveryCounts, Overview, OverviewChannel } from "@/lib/messages/stats/stats-types";
import { Table } from "../table";
import { Badge, Card } from "../ui";
import { FigureList } from "./figure-list";
import { useStatsFormat } from "./use-stats-format";

interface OverviewProps {
  today: Overview;
  week: Overview;
  attention: AttentionItem[];
  canSend: boolean;
  hasChannels: boolean;
  /** Hours the attention list's delivery rate covers. */
  rateWindowHours: number;
}

/** The console's home: today and the last 7 days at a glance, per channel, and what needs a look. */
export function OverviewView({ today, week, attention, canSend, hasChannels, rateWindowHours }: OverviewProps) {
  const t = useTranslations("overview");
  const nothingSent = week.totals.sent === 0 && week.totals.queued === 0;
  return (
    <div className="space-y-6">
      {nothingSent ? (
        <EmptyOverview canSend={canSend} hasChannels={hasChannels} />
      ) : (
        <>
          <PeriodCard title={t("today")} period={today} />
          <PeriodCard title={t("last7Days")} period={week} />
          <ChannelTable today={today} week={week} />
        </>
      )}
      <AttentionList items={attention} rateWindowHours={rateWindowHours} />
    </div>
  );
}

function EmptyOverview({ canSend, hasChannels }: { canSend: boolean; hasChannels: boolean }) {
  const t = useTranslations("overview");
  return (
    <Card title={t("emptyTitle")}>
      <p className="text-sm text-slate-700">{t("emptyText")}</p>
      <p className="mt-3">
        {hasChannels ? (
          canSend ? (
            <Link href="/send" className="inline-block rounded-md bg-brand-600 px-3.5 py-2 text-sm font-medium text-white shadow-sm hover:bg-brand-700">
              {t("emptySend")}
            </Link>
          ) : null
        ) : (
          <Link href="/channels" className="text-sm font-medium text-brand-700 underline">
            {t("emptyNoChannel")}
          </Link>
        )}
      </p>
    </Card>
  );
}

function useFigures() {
  const t = useTranslations("overview.figures");
  const f = useStatsFormat();
  return (counts: DeliveryCounts, range: { from: string; to: string }, scope: { channelKey?: string } = {}) => [
    { label: t("sent"), value: f.count(counts.sent), href: messagesHref({ ...scope, ...range }) },
    { label: t("delivered"), value: f.count(counts.delivered), href: messagesHref({ ...scope, status: "delivered", ...range }), tone: "green" as const },
    { label: t("failed"), value: f.count(counts.failed), href: messagesHref({ ...scope, status: "failed", ...range }), tone: "red" as const },
    {
      label: t("unknownOrExpired"),
      value: f.count(counts.unknown + counts.expired),
      tone: "amber" as const,
      detail: (
        <>
          <Link className="underline-offset-2 hover:underline" href={messagesHref({ ...scope, status: "unknown", ...range })}>
            {t("unknownCount", { count: f.count(counts.unknown) })}
          </Link>
          {" · "}
          <Link className="underline-offset-2 hover:underline" href={messagesHref({ ...scope, status: "expired", ...range })}>
            {t("expiredCount", { count: f.count(counts.expired) })}
          </Link>
        </>
      ),
    },
    { label: t("deliveryRate"), value: f.rate(counts.deliveryRate) },
  ];
}

function PeriodCard({ title, period }: { title: string; period: Overview }) {
  const t = useTranslations("overview");
  const f = useStatsFormat();
  const figures = useFigures();
  return (
    <Card title={title}>
      <p className="mb-3 text-xs text-slate-600">{t("period", { from: f.dateTime(period.from), to: f.dateTime(period.to) })}</p>
      <FigureList figures={figures(period.totals, period)} />
      {period.totals.queued + period.totals.submitting + period.totals.submitted > 0 ? (
        <p className="mt-3 text-sm text-slate-600">
          {t("inFlight", { count: f.count(period.totals.queued + period.totals.submitting + period.totals.submitted) })}
        </p>
      ) : null}
    </Card>
  );
}

function ChannelTable({ today, week }: { today: Overview; week: Overview }) {
  const t = useTranslations("overview");
  const f = useStatsFormat();
  const todayOf = new Map<string, OverviewChannel>(today.channels.map((c) => [c.channelKey, c]));
  const range = { from: week.from, to: week.to };
  return (
    <Card title={t("channelsTitle")} actions={<Link className="text-sm font-medium text-brand-700 hover:underline" href={dashboardHref({ range: "7d" })}>{t("openDashboard")}</Link>}>
      <Table
        caption={t("channelsCaption")}
        headers={[
          t("columns.channel"),
          { label: t("columns.todaySent"), align: "right" },
          { label: t("columns.todayRate"), align: "right" },
          { label: t("columns.sent"), align: "right" },
          { label: t("columns.delivered"), align: "right" },
          { label: t("columns.failed"), align: "right" },
          { label: t("columns.unknownOrExpired"), align: "right" },
          { label: t("columns.rate"), align: "right" },
          { label: t("columns.analysis"), srOnly: true },
        ]}
      >
        {week.channels.map((channel) => {
          const now = todayOf.get(channel.channelKey);
          const scope = { channelKey: channel.channelKey };
          return (
            <tr key={channel.channelKey} className="align-top">
              <td>
                <Link className="font-medium text-brand-700 hover:underline" href={`/channels/${encodeURIComponent(channel.channelKey)}`}>
                  {channel.name}
                </Link>{" "}
                {channel.enabled ? null : <Badge>{t("disabled")}</Badge>}
              </td>
              <td className="tabular-nums md:text-right">{f.count(now?.sent ?? 0)}</td>
              <td className="tabular-nums md:text-right">{f.rate(now?.deliveryRate ?? null)}</td>
              <td className="tabular-nums md:text-right">
                <Link className="hover:underline" href={messagesHref({ ...scope, ...range })}>
                  {f.count(channel.sent)}
                </Link>
              </td>
              <td className="tabular-nums md:text-right">
                <Link className="hover:underline" href={messagesHref({ ...scope, status: "delivered", ...range })}>
                  {f.count(channel.delivered)}
                </Link>
              </td>
              <td className="tabular-nums md:text-right">
                <Link className="hover:underline" href={messagesHref({ ...scope, status: "failed", ...range })}>
                  {f.count(channel.failed)}
                </Link>
              </td>
              <td className="tabular-nums md:text-right">{f.count(channel.unknown + channel.expired)}</td>
              <td className="tabular-nums md:text-right">{f.rate(channel.deliveryRate)}</td>
              <td className="md:text-right">
                <Link className="text-brand-700 hover:underline" href={dashboardHref({ range: "7d", channelKey: channel.channelKey }, "loss")}>
                  {t("analyse")}
                  <span className="sr-only"> {channel.name}</span>
                </Link>
              </td>
            </tr>
          );
        })}
      </Table>
    </Card>
  );
}

const KIND_TONES = { gateway_down: "red", login_refused: "red", balance_low: "amber", low_delivery_rate: "amber", unclassified_codes: "blue" } as const;

function AttentionList({ items, rateWindowHours }: { items: AttentionItem[]; rateWindowHours: number }) {
  const t = useTranslations("overview");
  const f = useStatsFormat();
  const describe = (item: AttentionItem) => {
    const base = { channel: item.channelName };
    switch (item.kind) {
      case "gateway_down":
      case "login_refused":
        return t(`attention.${item.kind}`, { ...base, affected: item.connectionsAffected ?? 0, total: item.connectionsTotal ?? 0 });
      case "balance_low":
        return t("attention.balance_low", { ...base, balance: f.count(item.balance ?? 0) });
      case "low_delivery_rate":
        return t("attention.low_delivery_rate", { ...base, rate: f.rate(item.deliveryRate ?? null), decided: item.decided ?? 0, hours: rateWindowHours });
      case "unclassified_codes":
        return t("attention.unclassified_codes", { ...base, codes: item.codes ?? 0, messages: item.messages ?? 0 });
    }
  };
  const link = (item: AttentionItem) =>
    item.kind === "low_delivery_rate"
      ? { href: dashboardHref({ range: "24h", channelKey: item.channelKey }, "loss"), text: t("openAnalysis") }
      : item.kind === "unclassified_codes"
        ? { href: dashboardHref({ range: "7d", channelKey: item.channelKey }, "unclassified"), text: t("openUnclassified") }
        : { href: `/channels/${encodeURIComponent(item.channelKey)}`, text: t("openChannel") };
  return (
    <Card title={t("attentionTitle")}>
      {items.length === 0 ? (
        <p className="text-sm text-slate-700">{t("attentionNone")}</p>
      ) : (
        <ul className="divide-y divide-slate-100">
          {items.map((item) => {
            const target = link(item);
            return (
              <li key={`${item.kind}-${item.channelKey}`} className="flex flex-wrap items-baseline gap-x-3 gap-y-1 py-2 text-sm">
                <Badge tone={KIND_TONES[item.kind]}>{t(`attentionKinds.${item.kind}`)}</Badge>
                <span className="min-w-0 flex-1 wrap-anywhere text-slate-800">{describe(item)}</span>
                <Link className="font-medium text-brand-700 hover:underline" href={target.href}>
                  {target.text}
                  <span className="sr-only"> ({item.channelName})</span>
                </Link>
              </li>
            );
          })}
        </ul>
      )}
    </Card>
  );
}

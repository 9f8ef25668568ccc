import { getTimeZone, getTranslations } from "next-intl/server";
import { hasRole } from "@/lib/auth/roles";
import { requireSessionActor } from "@/lib/auth/session";
import { parseDashboardQuery, type DashboardProblem, type DashboardQuery } from "@/lib/dashboard/dashboard-query";
import { pageMetadata } from "@/lib/i18n/page-title";
import { getSend, SendNotFoundError, type SendView } from "@/lib/messages/send-queries";
import { deliveryRateOf } from "@/lib/messages/stats/delivery-counts";
import { getLoss } from "@/lib/messages/stats/loss";
import { getOverview } from "@/lib/messages/stats/overview";
import { getSeries } from "@/lib/messages/stats/series";
import type { DeliveryCounts, OverviewChannel, Series } from "@/lib/messages/stats/stats-types";
import { listProviders } from "@/lib/providers/provider-service";
import { getDb } from "@/lib/server/runtime";
import { classifyReceiptCodeAction } from "@/app/actions/receipt-codes";
import { DashboardView } from "@/components/dashboard/dashboard-view";
import { PageHeader } from "@/components/ui";

export const generateMetadata = () => pageMetadata("dashboard.title");

type Counts = DeliveryCounts & { inFlight: number };

function sumChannels(channels: OverviewChannel[]): Counts {
  const sum = { sent: 0, delivered: 0, failed: 0, expired: 0, unknown: 0, inFlight: 0 };
  for (const c of channels) {
    sum.sent += c.sent;
    sum.delivered += c.delivered;
    sum.failed += c.failed;
    sum.expired += c.expired;
    sum.unknown += c.unknown;
    sum.inFlight += c.inFlight;
  }
  return { ...sum, deliveryRate: deliveryRateOf(sum) };
}

function sendCounts(send: SendView): Counts {
  const c = send.counts;
  return {
    sent: c.submitting + c.submitted + c.delivered + c.failed + c.expired + c.unknown,
    delivered: c.delivered,
    failed: c.failed,
    expired: c.expired,
    unknown: c.unknown,
    inFlight: c.queued + c.submitting + c.submitted,
    deliveryRate: deliveryRateOf(c),
  };
}

/** The chart data of the channels a provider serves, when the view is of one provider. */
function onlyChannels(series: Series, keys: Set<string>): Series {
  return { ...series, channels: series.channels.filter((c) => keys.has(c.channelKey)), buckets: series.buckets.filter((b) => keys.has(b.channelKey)) };
}

/**
 * The messages dashboard: the range and filters come from the address (lib/dashboard), the
 * figures from the stats counters, read here on the server; the charts draw in the browser.
 */
export default async function DashboardPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const actor = await requireSessionActor();
  const t = await getTranslations("dashboard");
  const timeZone = await getTimeZone();
  const parsed = parseDashboardQuery(await searchParams, { now: new Date(), timeZone });
  const problems: { field: string; message: DashboardProblem }[] = [...parsed.problems];
  const query: DashboardQuery = { ...parsed.query };
  const db = await getDb();
  const range = { from: query.from, to: query.to };

  const [providers, overview] = await Promise.all([listProviders(db), getOverview(db, range)]);
  // A channel or provider the console does not know (deleted, mistyped) is named and left out.
  if (query.channelKey && !overview.channels.some((c) => c.channelKey === query.channelKey)) {
    problems.push({ field: "channelKey", message: "dashboard.problems.channel_unknown" });
    delete query.channelKey;
  }
  if (query.provider && !providers.some((p) => p.providerId === query.provider)) {
    problems.push({ field: "provider", message: "dashboard.problems.provider_unknown" });
    delete query.provider;
  }
  let send: SendView | null = null;
  if (query.sendId) {
    try {
      send = await getSend(db, query.sendId);
    } catch (error) {
      if (!(error instanceof SendNotFoundError)) throw error;
      problems.push({ field: "sendId", message: "dashboard.problems.send_unknown" });
      delete query.sendId;
    }
  }

  const inScope = overview.channels.filter((c) => (!query.channelKey || c.channelKey === query.channelKey) && (!query.provider || c.providerId === query.provider));
  const [series, loss] = await Promise.all([
    send ? null : getSeries(db, { ...range, channelKey: query.channelKey, timeZone }),
    getLoss(db, send ? { sendId: send.sendId, channelKey: query.channelKey, provider: query.provider } : { ...range, channelKey: query.channelKey, provider: query.provider }),
  ]);

  return (
    <>
      <PageHeader title={t("title")} description={t("description")} />
      <DashboardView
        query={{ ...query, from: query.from.toISOString(), to: query.to.toISOString() }}
        problems={problems}
        timeZone={timeZone}
        channels={overview.channels.map((c) => ({ channelKey: c.channelKey, name: c.name, providerId: c.providerId }))}
        providers={providers.map((p) => ({ providerId: p.providerId, name: p.name }))}
        counts={send ? sendCounts(send) : sumChannels(inScope)}
        series={series && query.provider ? onlyChannels(series, new Set(inScope.map((c) => c.channelKey))) : series}
        loss={loss}
        send={send ? { sendId: send.sendId, channelName: send.channelName, createdAt: send.createdAt } : null}
        // Dictionaries are an admin's to change; others see the codes without the control.
        classify={hasRole(actor.role, "admin") ? classifyReceiptCodeAction : undefined}
      />
    </>
  );
}

import Link from "next/link";
import { getTimeZone, getTranslations } from "next-intl/server";
import { hasRole } from "@/lib/auth/roles";
import { requireSessionActor } from "@/lib/auth/session";
import { pageMetadata } from "@/lib/i18n/page-title";
import { ATTENTION_DEFAULTS, getAttention } from "@/lib/messages/stats/attention";
import { getOverview } from "@/lib/messages/stats/overview";
import { lastDaysRange, todayRange } from "@/lib/messages/stats/time-range";
import { getDb } from "@/lib/server/runtime";
import { OverviewView } from "@/components/dashboard/overview-view";
import { PageHeader } from "@/components/ui";

export const generateMetadata = () => pageMetadata("overview.title");

/** The console's home page: the operator's day and week at a glance (days of the console's time zone). */
export default async function OverviewPage() {
  const actor = await requireSessionActor();
  const t = await getTranslations("overview");
  const timeZone = await getTimeZone();
  const db = await getDb();
  const now = new Date();
  const [today, week, attention] = await Promise.all([
    getOverview(db, todayRange(now, timeZone)),
    getOverview(db, lastDaysRange(7, now, timeZone)),
    getAttention(db, { now }),
  ]);
  return (
    <>
      <PageHeader
        title={t("title")}
        description={t("description", { timeZone })}
        actions={
          <Link href="/dashboard" className="rounded-md border border-slate-300 bg-white px-3.5 py-2 text-sm font-medium text-slate-800 shadow-sm hover:bg-slate-50">
            {t("openDashboard")}
          </Link>
        }
      />
      <OverviewView
        today={today}
        week={week}
        attention={attention}
        canSend={hasRole(actor.role, "operator")}
        hasChannels={week.channels.length > 0}
        rateWindowHours={ATTENTION_DEFAULTS.rateWindowHours}
      />
    </>
  );
}

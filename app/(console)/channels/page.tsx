import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { listChannels } from "@/lib/channels/channel-service";
import { requireSessionActor } from "@/lib/auth/session";
import { channelContext, getRuntime } from "@/lib/server/runtime";
import { ChannelList } from "@/components/channel-list";
import { PageHeader } from "@/components/ui";
import { pageMetadata } from "@/lib/i18n/page-title";

export const generateMetadata = () => pageMetadata("channels.title");

export default async function ChannelsPage() {
  const actor = await requireSessionActor();
  const t = await getTranslations("channels");
  const channels = await listChannels(channelContext(await getRuntime()));
  return (
    <>
      <PageHeader
        title={t("title")}
        description={t("intro")}
        actions={
          actor.role === "admin" ? (
            <Link href="/channels/new" className="rounded-md bg-brand-600 px-3.5 py-2 text-sm font-medium text-white shadow-sm hover:bg-brand-700">
              {t("new")}
            </Link>
          ) : null
        }
      />
      <ChannelList initial={channels} />
    </>
  );
}

import { notFound } from "next/navigation";
import { getChannel } from "@/lib/channels/channel-service";
import { requireSessionActor } from "@/lib/auth/session";
import { channelContext, getRuntime } from "@/lib/server/runtime";
import { NotFoundError } from "@/lib/util/errors";
import { ChannelDetail } from "@/components/channel-detail";
import { pageMetadata } from "@/lib/i18n/page-title";

export async function generateMetadata({ params }: { params: Promise<{ channelKey: string }> }) {
  await requireSessionActor();
  const { channelKey } = await params;
  const channel = await getChannel(channelContext(await getRuntime()), channelKey).catch((error: unknown) => {
    // The not-found page then gives the title as well as the body.
    if (error instanceof NotFoundError) notFound();
    throw error;
  });
  return pageMetadata("channels.pageTitle", { name: channel.name });
}

export default async function ChannelPage({ params }: { params: Promise<{ channelKey: string }> }) {
  const actor = await requireSessionActor();
  const { channelKey } = await params;
  const channel = await getChannel(channelContext(await getRuntime()), channelKey).catch((error: unknown) => {
    if (error instanceof NotFoundError) notFound();
    throw error;
  });
  return <ChannelDetail initial={channel} canEdit={actor.role === "admin"} />;
}

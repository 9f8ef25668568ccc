import { notFound } from "next/navigation";
import { getChannel } from "@/lib/channels/channel-service";
import { requireSessionActor } from "@/lib/auth/session";
import { channelContext, getRuntime } from "@/lib/server/runtime";
import { NotFoundError } from "@/lib/util/errors";
import { ChannelDetail } from "@/components/channel-detail";

export default async function ChannelPage({ params }: { params: Promise<{ channelKey: string }> }) {
  const actor = await requireSessionActor();
  const { channelKey } = await params;
  const channel = await getChannel(channelContext(await getRuntime()), channelKey).catch((error: unknown) => {
    if (error instanceof NotFoundError) notFound();
    throw error;
  });
  return <ChannelDetail initial={channel} canEdit={actor.role === "admin"} />;
}

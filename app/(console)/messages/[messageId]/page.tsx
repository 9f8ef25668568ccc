import { requireSessionActor } from "@/lib/auth/session";
import { MessageTimeline } from "@/components/messages/message-timeline";
import { pageMetadata } from "@/lib/i18n/page-title";

export async function generateMetadata({ params }: { params: Promise<{ messageId: string }> }) {
  const { messageId } = await params;
  return pageMetadata("messages.messageTitle", { id: messageId });
}

export default async function MessagePage({ params }: { params: Promise<{ messageId: string }> }) {
  await requireSessionActor();
  const { messageId } = await params;
  return <MessageTimeline messageId={messageId} />;
}

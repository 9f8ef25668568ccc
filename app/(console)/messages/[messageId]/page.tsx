import { requireSessionActor } from "@/lib/auth/session";
import { MessageTimeline } from "@/components/messages/message-timeline";

export default async function MessagePage({ params }: { params: Promise<{ messageId: string }> }) {
  await requireSessionActor();
  const { messageId } = await params;
  return <MessageTimeline messageId={messageId} />;
}

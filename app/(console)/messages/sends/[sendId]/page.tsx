import { hasRole } from "@/lib/auth/roles";
import { requireSessionActor } from "@/lib/auth/session";
import { SendDetail } from "@/components/messages/send-detail";

export default async function SendPage({ params }: { params: Promise<{ sendId: string }> }) {
  const actor = await requireSessionActor();
  const { sendId } = await params;
  return <SendDetail sendId={sendId} canOperate={hasRole(actor.role, "operator")} />;
}

import { hasRole } from "@/lib/auth/roles";
import { requireSessionActor } from "@/lib/auth/session";
import { SendDetail } from "@/components/messages/send-detail";
import { pageMetadata } from "@/lib/i18n/page-title";

export async function generateMetadata({ params }: { params: Promise<{ sendId: string }> }) {
  const { sendId } = await params;
  return pageMetadata("messages.sendPageTitle", { id: sendId.slice(0, 8) });
}

export default async function SendPage({ params }: { params: Promise<{ sendId: string }> }) {
  const actor = await requireSessionActor();
  const { sendId } = await params;
  return <SendDetail sendId={sendId} canOperate={hasRole(actor.role, "operator")} />;
}

import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { Suspense } from "react";
import { hasRole } from "@/lib/auth/roles";
import { requireSessionActor } from "@/lib/auth/session";
import { MessageList } from "@/components/messages/message-list";
import { SendList } from "@/components/messages/send-list";
import { PageHeader } from "@/components/ui";
import { pageMetadata } from "@/lib/i18n/page-title";

export const generateMetadata = () => pageMetadata("messages.title");

/**
 * Messages: the filtered message list (its filters in the address, so the dashboard's figures
 * link into it) with its export, then the sends. Sections are components; a dashboard section
 * for this page goes between the header and the list.
 */
export default async function MessagesPage() {
  const actor = await requireSessionActor();
  const t = await getTranslations("messages");
  return (
    <>
      <PageHeader
        title={t("title")}
        description={t("description")}
        actions={
          hasRole(actor.role, "operator") ? (
            <Link href="/send" className="rounded-md bg-brand-600 px-3.5 py-2 text-sm font-medium text-white shadow-sm hover:bg-brand-700">
              {t("newSend")}
            </Link>
          ) : null
        }
      />
      <div className="space-y-6">
        {/* The list reads its filters from the address (useSearchParams). */}
        <Suspense>
          <MessageList />
        </Suspense>
        <SendList />
      </div>
    </>
  );
}

import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { hasRole } from "@/lib/auth/roles";
import { requireSessionActor } from "@/lib/auth/session";
import { listChannels } from "@/lib/channels/channel-service";
import { channelContext, getRuntime } from "@/lib/server/runtime";
import { ComposeForm } from "@/components/send/compose-form";
import { Alert, PageHeader } from "@/components/ui";
import { pageMetadata } from "@/lib/i18n/page-title";

export const generateMetadata = () => pageMetadata("send.title");

export default async function SendPage() {
  const actor = await requireSessionActor();
  const t = await getTranslations("send");
  if (!hasRole(actor.role, "operator")) {
    return (
      <>
        <PageHeader title={t("title")} description={t("description")} />
        <Alert tone="info">
          {t("viewerNotice")}{" "}
          <Link className="font-medium underline" href="/messages">
            {t("toMessages")}
          </Link>
        </Alert>
      </>
    );
  }
  const channels = await listChannels(channelContext(await getRuntime()));
  return (
    <>
      <PageHeader title={t("title")} description={t("description")} />
      <ComposeForm initialChannels={channels} />
    </>
  );
}

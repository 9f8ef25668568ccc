import { getTranslations } from "next-intl/server";
import { requireSessionActor } from "@/lib/auth/session";
import { hasRole } from "@/lib/auth/roles";
import { ChannelForm } from "@/components/channel-form";
import { Forbidden } from "@/components/forbidden";
import { Card, PageHeader } from "@/components/ui";
import { pageMetadata } from "@/lib/i18n/page-title";

export const generateMetadata = () => pageMetadata("channels.newTitle");

export default async function NewChannelPage() {
  const actor = await requireSessionActor();
  if (!hasRole(actor.role, "admin")) return <Forbidden />;
  const t = await getTranslations("channels");
  return (
    <>
      <PageHeader title={t("newTitle")} description={t("newIntro")} />
      <Card>
        <ChannelForm />
      </Card>
    </>
  );
}

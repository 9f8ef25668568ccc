import { getTranslations } from "next-intl/server";
import { requireSessionActor } from "@/lib/auth/session";
import { hasRole } from "@/lib/auth/roles";
import { AuditLogViewer } from "@/components/audit-log-viewer";
import { Forbidden } from "@/components/forbidden";
import { PageHeader } from "@/components/ui";
import { pageMetadata } from "@/lib/i18n/page-title";

export const generateMetadata = () => pageMetadata("auditLog.title");

export default async function Page() {
  const actor = await requireSessionActor();
  if (!hasRole(actor.role, "admin")) return <Forbidden />;
  const t = await getTranslations("auditLog");
  return (
    <>
      <PageHeader title={t("title")} description={t("intro")} />
      <AuditLogViewer />
    </>
  );
}

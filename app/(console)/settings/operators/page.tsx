import { getTranslations } from "next-intl/server";
import { requireSessionActor } from "@/lib/auth/session";
import { hasRole } from "@/lib/auth/roles";
import { OperatorsAdmin } from "@/components/operators-admin";
import { Forbidden } from "@/components/forbidden";
import { PageHeader } from "@/components/ui";
import { pageMetadata } from "@/lib/i18n/page-title";

export const generateMetadata = () => pageMetadata("operators.title");

export default async function Page() {
  const actor = await requireSessionActor();
  if (!hasRole(actor.role, "admin")) return <Forbidden />;
  const t = await getTranslations("operators");
  return (
    <>
      <PageHeader title={t("title")} description={t("intro")} />
      <OperatorsAdmin currentOperatorId={actor.id} />
    </>
  );
}

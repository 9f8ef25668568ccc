import { getTranslations } from "next-intl/server";
import { requireSessionActor } from "@/lib/auth/session";
import { hasRole } from "@/lib/auth/roles";
import { ImportHistory } from "@/components/users/import-history";
import { ImportPanel } from "@/components/users/import-panel";
import { UserSearch } from "@/components/users/user-search";
import { PageHeader } from "@/components/ui";
import { pageMetadata } from "@/lib/i18n/page-title";

export const generateMetadata = () => pageMetadata("users.title");

export default async function UsersPage() {
  const actor = await requireSessionActor();
  const t = await getTranslations("users");
  return (
    <>
      <PageHeader title={t("title")} description={t("description")} />
      <div className="space-y-6">
        {hasRole(actor.role, "operator") ? <ImportPanel /> : null}
        <UserSearch />
        <ImportHistory />
      </div>
    </>
  );
}

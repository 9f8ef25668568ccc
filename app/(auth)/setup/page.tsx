import { redirect } from "next/navigation";
import { getTranslations } from "next-intl/server";
import { countOperators } from "@/lib/auth/operators";
import { getDb } from "@/lib/server/runtime";
import { SetupForm } from "@/components/setup-form";
import { setupFirstAdminAction } from "@/app/actions/setup-first-admin";
import { pageMetadata } from "@/lib/i18n/page-title";

export const dynamic = "force-dynamic";

/** First run only: once any operator exists this page sends people to sign in. */
export const generateMetadata = () => pageMetadata("auth.setupTitle");

export default async function SetupPage() {
  if ((await countOperators(await getDb())) > 0) redirect("/login");
  const t = await getTranslations("auth");
  return (
    <div className="rounded-xl border border-slate-200 bg-white p-8 shadow-sm">
      <h1 className="text-2xl font-semibold">{t("setupTitle")}</h1>
      <p className="mb-6 mt-1 text-sm text-slate-600">{t("setupIntro")}</p>
      <SetupForm action={setupFirstAdminAction} />
    </div>
  );
}

import Link from "next/link";
import { getTranslations } from "next-intl/server";

/** What an unknown address or a deleted record shows: a heading of its own and the way back. */
export async function NotFoundMessage() {
  const t = await getTranslations("common");
  return (
    <div className="rounded-lg border border-slate-200 bg-white p-6">
      <h1 className="text-xl font-semibold text-slate-900">{t("notFoundTitle")}</h1>
      <p className="mt-1 text-sm text-slate-600">{t("notFoundText")}</p>
      <Link href="/channels" className="mt-4 inline-block text-sm font-medium text-brand-700 underline">
        {t("backToConsole")}
      </Link>
    </div>
  );
}

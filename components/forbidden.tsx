import { getTranslations } from "next-intl/server";

/** Shown in place of a page the operator's role does not allow (the server refuses the data too). */
export async function Forbidden() {
  const t = await getTranslations("common");
  return (
    <div role="alert" className="rounded-lg border border-red-200 bg-red-50 p-6 text-red-800">
      <h1 className="text-lg font-semibold">{t("forbiddenTitle")}</h1>
      <p className="mt-1 text-sm">{t("forbiddenText")}</p>
    </div>
  );
}

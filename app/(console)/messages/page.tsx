import { getTranslations } from "next-intl/server";
import { PageHeader } from "@/components/ui";

export default async function Page() {
  const t = await getTranslations("messages");
  return (
    <>
      <PageHeader title={t("title")} description={t("description")} />
      <p role="status" className="rounded-lg border border-dashed border-slate-300 bg-white p-8 text-center text-sm text-slate-500">
        {t("notYet")}
      </p>
    </>
  );
}

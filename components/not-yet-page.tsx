import { getTranslations } from "next-intl/server";
import { PageHeader } from "./ui";

/** A console section this version does not offer yet: its title, what it will do, and that it is not here. */
export async function NotYetPage({ section }: { section: "send" | "messages" }) {
  const t = await getTranslations(section);
  return (
    <>
      <PageHeader title={t("title")} description={t("description")} />
      <p role="status" className="rounded-lg border border-dashed border-slate-300 bg-white p-8 text-center text-sm text-slate-500">
        {t("notYet")}
      </p>
    </>
  );
}

import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";

/**
 * A page's own `<title>`, from the catalogue. The root layout adds " · SMS Console" (template), so
 * a tab, the history list and Next.js's route announcer all say where the operator is.
 */
export async function pageMetadata(key: string, values?: Record<string, string | number>): Promise<Metadata> {
  const t = await getTranslations();
  return { title: t(key as never, values as never) };
}

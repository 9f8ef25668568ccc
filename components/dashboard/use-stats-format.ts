"use client";

import { useFormatter, useTranslations } from "next-intl";
import type { LossCategory } from "@/lib/messages/stats/stats-types";

/** Counts and rates as the operator's language writes them; a rate of nothing decided is a dash. */
export function useStatsFormat() {
  const format = useFormatter();
  return {
    count: (n: number) => format.number(n),
    rate: (rate: number | null) => (rate === null ? "—" : format.number(rate, { style: "percent", maximumFractionDigits: 1 })),
    dateTime: (iso: string | Date) => format.dateTime(typeof iso === "string" ? new Date(iso) : iso, { dateStyle: "medium", timeStyle: "short" }),
  };
}

/** A loss category's name: the outcome categories' shared labels, "unclassified" among them. */
export function useCategoryLabel() {
  const t = useTranslations("messages.categories");
  return (category: LossCategory | string) => (t.has(category) ? t(category) : category);
}

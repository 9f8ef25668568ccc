"use client";

import { useTranslations } from "next-intl";

/**
 * An error code as the provider (or the console) wrote it, with its category and, for the codes
 * the console sets itself (no_number_for_channel…), a sentence saying what happened.
 */
export function ErrorCell({ code, category }: { code: string | null; category: string | null }) {
  const t = useTranslations("messages");
  const tList = useTranslations("messageList");
  // "unclassified": a code neither the provider's dictionary nor the console knows.
  const categoryLabel = (c: string) => (t.has(`categories.${c}`) ? t(`categories.${c}`) : c === "unclassified" ? tList("unclassified") : c);
  if (!code && !category) return <span className="text-slate-500">—</span>;
  const reason = code && t.has(`reasons.${code}`) ? t(`reasons.${code}`) : null;
  return (
    <span className="flex flex-col gap-0.5">
      {code ? <code className="text-xs">{code}</code> : null}
      {category ? <span className="text-xs text-slate-600">{categoryLabel(category)}</span> : null}
      {reason ? <span className="text-xs text-slate-500">{reason}</span> : null}
    </span>
  );
}

"use client";

import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { useTransition } from "react";

export function LanguageSwitch({ current, setLocale }: { current: string; setLocale: (locale: string) => Promise<void> }) {
  const t = useTranslations("nav");
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  return (
    <label className="flex items-center gap-2 text-sm text-slate-600">
      <span>{t("language")}</span>
      <select
        aria-label={t("language")}
        className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm"
        value={current}
        disabled={pending}
        onChange={(event) => {
          const locale = event.target.value;
          startTransition(async () => {
            await setLocale(locale);
            router.refresh();
          });
        }}
      >
        <option value="zh-CN">简体中文</option>
        <option value="en">English</option>
      </select>
    </label>
  );
}

import type { ReactNode } from "react";
import { getLocale, getTranslations } from "next-intl/server";
import { requireSessionActor } from "@/lib/auth/session";
import { ConsoleNav } from "@/components/console-nav";
import { LanguageSwitch } from "@/components/language-switch";
import { setLocaleAction } from "@/app/actions/set-locale";
import { signOutAction } from "@/app/actions/sign-out";

export const dynamic = "force-dynamic";

export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const actor = await requireSessionActor();
  const t = await getTranslations();
  return (
    <div className="flex min-h-screen">
      <aside className="flex w-60 shrink-0 flex-col border-r border-slate-200 bg-white px-3 py-5">
        <div className="mb-6 px-3">
          <p className="text-lg font-semibold text-brand-700">{t("app.short")}</p>
          <p className="text-xs text-slate-500">{t("app.tagline")}</p>
        </div>
        <ConsoleNav isAdmin={actor.role === "admin"} />
      </aside>
      <div className="flex min-w-0 flex-1 flex-col">
        <header className="flex items-center justify-end gap-4 border-b border-slate-200 bg-white px-6 py-3">
          <LanguageSwitch current={await getLocale()} setLocale={setLocaleAction} />
          <span className="text-sm text-slate-600" data-testid="current-operator">
            {actor.email} · {t(`roles.${actor.role}`)}
          </span>
          <form action={signOutAction}>
            <button type="submit" className="rounded-md px-2 py-1 text-sm text-slate-700 hover:bg-slate-100">
              {t("nav.signOut")}
            </button>
          </form>
        </header>
        <main className="mx-auto w-full max-w-6xl flex-1 px-6 py-8">{children}</main>
      </div>
    </div>
  );
}

import type { ReactNode } from "react";
import { getLocale, getTranslations } from "next-intl/server";
import { requireSessionActor } from "@/lib/auth/session";
import { ConsoleShell } from "@/components/console-shell";
import { LanguageSwitch } from "@/components/language-switch";
import { setLocaleAction } from "@/app/actions/set-locale";
import { signOutAction } from "@/app/actions/sign-out";

export const dynamic = "force-dynamic";

export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const actor = await requireSessionActor();
  const t = await getTranslations();
  return (
    <ConsoleShell
      isAdmin={actor.role === "admin"}
      header={
        <>
          <LanguageSwitch current={await getLocale()} setLocale={setLocaleAction} />
          <span className="min-w-0 break-all text-sm text-slate-600" data-testid="current-operator">
            {actor.email} · {t(`roles.${actor.role}`)}
          </span>
          <form action={signOutAction}>
            <button
              type="submit"
              className="rounded-md px-2 py-1 text-sm text-slate-700 hover:bg-slate-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-brand-500"
            >
              {t("nav.signOut")}
            </button>
          </form>
        </>
      }
    >
      {children}
    </ConsoleShell>
  );
}

import type { ReactNode } from "react";
import { getLocale } from "next-intl/server";
import { LanguageSwitch } from "@/components/language-switch";
import { setLocaleAction } from "@/app/actions/set-locale";

export default async function AuthLayout({ children }: { children: ReactNode }) {
  return (
    <div className="flex min-h-screen flex-col">
      <header className="flex justify-end px-4 pt-4">
        <LanguageSwitch current={await getLocale()} setLocale={setLocaleAction} />
      </header>
      <main id="main" tabIndex={-1} className="flex flex-1 flex-col items-center justify-center px-4 py-12 focus:outline-none">
        <div className="w-full max-w-md">{children}</div>
      </main>
    </div>
  );
}

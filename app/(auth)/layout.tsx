import type { ReactNode } from "react";
import { getLocale } from "next-intl/server";
import { LanguageSwitch } from "@/components/language-switch";
import { setLocaleAction } from "@/app/actions/set-locale";

export default async function AuthLayout({ children }: { children: ReactNode }) {
  return (
    <div className="flex min-h-screen flex-col items-center justify-center px-4 py-12">
      <div className="absolute right-4 top-4">
        <LanguageSwitch current={await getLocale()} setLocale={setLocaleAction} />
      </div>
      <div className="w-full max-w-md">{children}</div>
    </div>
  );
}

"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useTranslations } from "next-intl";

const ITEMS = [
  { href: "/", key: "overview" },
  { href: "/channels", key: "channels" },
  { href: "/users", key: "users" },
  { href: "/send", key: "send" },
  { href: "/messages", key: "messages" },
  { href: "/dashboard", key: "dashboard" },
  { href: "/providers", key: "providers" },
  { href: "/settings/operators", key: "operators", adminOnly: true },
  { href: "/settings/api-keys", key: "apiKeys", adminOnly: true },
  { href: "/settings/audit-log", key: "auditLog", adminOnly: true },
] as const;

export function ConsoleNav({ id, className = "", isAdmin, onNavigate }: { id?: string; className?: string; isAdmin: boolean; onNavigate?: () => void }) {
  const t = useTranslations("nav");
  const pathname = usePathname();
  return (
    <nav id={id} aria-label={t("main")} className={`flex-col gap-1 ${className}`}>
      {ITEMS.filter((item) => isAdmin || !("adminOnly" in item)).map((item) => {
        const active = pathname === item.href || pathname.startsWith(item.href + "/");
        return (
          <Link
            key={item.href}
            href={item.href}
            aria-current={active ? "page" : undefined}
            onClick={onNavigate}
            className={`rounded-md px-3 py-2 text-sm font-medium focus:outline-none focus-visible:ring-2 focus-visible:ring-brand-500 ${active ? "bg-brand-50 text-brand-700" : "text-slate-700 hover:bg-slate-100"}`}
          >
            {t(item.key)}
          </Link>
        );
      })}
    </nav>
  );
}

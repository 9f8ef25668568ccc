"use client";

import { usePathname } from "next/navigation";
import { useTranslations } from "next-intl";
import { useEffect, useRef, useState, type ReactNode } from "react";
import { ConsoleNav } from "./console-nav";
import { useFocusHeadingOnNavigation } from "./use-route-focus";

/**
 * The console's frame. From the `md` breakpoint up the navigation is a sidebar; below it, it folds
 * behind a menu button (a real button with aria-expanded) that closes on Escape, on a click
 * outside and on navigation, so a phone or a 400 % zoom never scrolls sideways.
 */
export function ConsoleShell({ isAdmin, header, children }: { isAdmin: boolean; header: ReactNode; children: ReactNode }) {
  const t = useTranslations();
  const pathname = usePathname();
  const [open, setOpen] = useState(false);
  const [openedOn, setOpenedOn] = useState(pathname);
  const button = useRef<HTMLButtonElement>(null);
  const frame = useRef<HTMLDivElement>(null);
  useFocusHeadingOnNavigation();

  // A navigation closes the menu (adjusting state during render, as React advises over an effect).
  if (openedOn !== pathname) {
    setOpenedOn(pathname);
    if (open) setOpen(false);
  }

  useEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== "Escape") return;
      setOpen(false);
      button.current?.focus();
    };
    const onPointer = (event: PointerEvent) => {
      if (frame.current && !frame.current.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener("keydown", onKey);
    document.addEventListener("pointerdown", onPointer);
    return () => {
      document.removeEventListener("keydown", onKey);
      document.removeEventListener("pointerdown", onPointer);
    };
  }, [open]);

  return (
    <div className="min-h-screen md:flex">
      <div ref={frame} className="border-b border-slate-200 bg-white md:w-60 md:shrink-0 md:border-b-0 md:border-r">
        <div className="flex items-center justify-between gap-3 px-4 py-3 md:block md:px-6 md:pb-6 md:pt-5">
          <div className="min-w-0">
            <p className="text-lg font-semibold text-brand-700">{t("app.short")}</p>
            <p className="text-xs text-slate-600">{t("app.tagline")}</p>
          </div>
          <button
            ref={button}
            type="button"
            aria-expanded={open}
            aria-controls="console-nav"
            onClick={() => setOpen((was) => !was)}
            className="inline-flex shrink-0 items-center gap-2 rounded-md border border-slate-300 bg-white px-3 py-2 text-sm font-medium text-slate-800 hover:bg-slate-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-brand-500 md:hidden"
          >
            <svg aria-hidden="true" viewBox="0 0 20 20" className="h-4 w-4" fill="currentColor">
              {open ? (
                <path d="M4.3 4.3a1 1 0 0 1 1.4 0L10 8.6l4.3-4.3a1 1 0 1 1 1.4 1.4L11.4 10l4.3 4.3a1 1 0 0 1-1.4 1.4L10 11.4l-4.3 4.3a1 1 0 0 1-1.4-1.4L8.6 10 4.3 5.7a1 1 0 0 1 0-1.4Z" />
              ) : (
                <path d="M3 5a1 1 0 0 1 1-1h12a1 1 0 1 1 0 2H4a1 1 0 0 1-1-1Zm0 5a1 1 0 0 1 1-1h12a1 1 0 1 1 0 2H4a1 1 0 0 1-1-1Zm1 4a1 1 0 1 0 0 2h12a1 1 0 1 0 0-2H4Z" />
              )}
            </svg>
            {t("nav.menu")}
          </button>
        </div>
        <ConsoleNav id="console-nav" className={`${open ? "flex" : "hidden"} px-3 pb-3 md:flex md:pb-5`} isAdmin={isAdmin} onNavigate={() => setOpen(false)} />
      </div>
      <div className="flex min-w-0 flex-1 flex-col">
        <header className="flex flex-wrap items-center justify-end gap-x-4 gap-y-2 border-b border-slate-200 bg-white px-4 py-2 md:px-6 md:py-3">
          {header}
        </header>
        <main id="main" tabIndex={-1} className="mx-auto w-full min-w-0 max-w-6xl flex-1 px-4 py-6 focus:outline-none md:px-6 md:py-8">
          {children}
        </main>
      </div>
    </div>
  );
}

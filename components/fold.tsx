"use client";

import type { ReactNode } from "react";

/**
 * A closed-by-default section of a form ("Advanced"): a native <details>, so the keyboard opens
 * it with Enter or Space. Left uncontrolled, so revealField can open it from outside when a field
 * inside has a problem.
 */
export function Fold({ title, children }: { title: string; children: ReactNode }) {
  return (
    <details className="rounded-lg border border-slate-200 bg-slate-50 p-4">
      <summary className="cursor-pointer rounded text-sm font-medium text-slate-700 focus:outline-none focus-visible:ring-2 focus-visible:ring-brand-500 focus-visible:ring-offset-2">
        {title}
      </summary>
      {children}
    </details>
  );
}

/** Opens every fold around `element`, so it can be seen and focused. */
export function openFoldsAround(element: Element): void {
  for (let fold = element.closest("details"); fold; fold = fold.parentElement?.closest("details") ?? null) fold.open = true;
}

/** Opens the folds around a field and puts the focus in it (which scrolls it into view). */
export function revealField(element: HTMLElement): void {
  openFoldsAround(element);
  element.focus();
}

"use client";

import type { ReactNode } from "react";
import { useState } from "react";
import { useTranslations } from "next-intl";
import { Button } from "./ui";

/** A data table with real header cells (so rows have accessible names), and an optional caption. */
export function Table({
  headers,
  caption,
  children,
}: {
  headers: (string | { label: string; align?: "right"; srOnly?: boolean })[];
  caption?: string;
  children: ReactNode;
}) {
  return (
    <div className="overflow-x-auto">
      <table className="min-w-full text-sm">
        {caption ? <caption className="sr-only">{caption}</caption> : null}
        <thead className="text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
          <tr>
            {headers.map((h) => {
              const header = typeof h === "string" ? { label: h } : h;
              return (
                <th key={header.label} scope="col" className={`px-2 py-2 ${header.align === "right" ? "text-right" : ""}`}>
                  {header.srOnly ? <span className="sr-only">{header.label}</span> : header.label}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 [&_td]:px-2 [&_td]:py-2">{children}</tbody>
      </table>
    </div>
  );
}

/** Keyset paging state: a stack of cursors, the last one is the current page. */
export function useCursorPages() {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  return {
    cursor: cursors[cursors.length - 1] ?? null,
    reset: () => setCursors([null]),
    pager: (nextCursor: string | null | undefined) => (
      <Pager
        hasPrevious={cursors.length > 1}
        onPrevious={() => setCursors((c) => c.slice(0, -1))}
        hasNext={Boolean(nextCursor)}
        onNext={() => setCursors((c) => [...c, nextCursor ?? null])}
      />
    ),
  };
}

function Pager({ hasPrevious, onPrevious, hasNext, onNext }: { hasPrevious: boolean; onPrevious: () => void; hasNext: boolean; onNext: () => void }) {
  const t = useTranslations("common");
  if (!hasPrevious && !hasNext) return null;
  return (
    <div className="mt-3 flex gap-2">
      <Button variant="secondary" disabled={!hasPrevious} onClick={onPrevious}>
        {t("previousPage")}
      </Button>
      <Button variant="secondary" disabled={!hasNext} onClick={onNext}>
        {t("nextPage")}
      </Button>
    </div>
  );
}

"use client";

import type { ReactNode } from "react";
import { Children, cloneElement, isValidElement, useState } from "react";
import { useTranslations } from "next-intl";
import { Button } from "./ui";

type Header = string | { label: string; align?: "right"; srOnly?: boolean };

/**
 * Below the md breakpoint a row is a card and each cell a line of it, labelled with its column's
 * header (the cell's data-label, shown by ::before), so no table is wider than a phone. At md and
 * up it is a plain table, whose header cells give screen readers the columns; on a phone the
 * header row stays for them (sr-only) and the visible labels are read with each cell.
 * Child combinators, so a table inside a cell keeps its own layout.
 */
const STACKED = [
  "max-md:block max-md:[&>thead]:sr-only max-md:[&>tbody]:block",
  "max-md:[&>tbody>tr]:block max-md:[&>tbody>tr]:py-2",
  "max-md:[&>tbody>tr>td]:block max-md:[&>tbody>tr>td]:py-1 max-md:[&>tbody>tr>td]:text-left max-md:[&>tbody>tr>td]:whitespace-normal max-md:[&>tbody>tr>td]:wrap-anywhere",
  "max-md:[&>tbody>tr>td]:before:block max-md:[&>tbody>tr>td]:before:font-sans max-md:[&>tbody>tr>td]:before:text-xs max-md:[&>tbody>tr>td]:before:font-medium max-md:[&>tbody>tr>td]:before:text-slate-500 max-md:[&>tbody>tr>td]:before:content-[attr(data-label)]",
  "md:[&>tbody>tr>td]:px-2 md:[&>tbody>tr>td]:py-2",
].join(" ");

/**
 * Gives every `<td>` of the rows (direct `<tr>` children, in arrays or not) its column's header as
 * data-label, for the phone layout above. A header shown to screen readers only (an actions
 * column, whose buttons name themselves) gives no visible label; a cell's own data-label wins.
 */
function labelCells(children: ReactNode, labels: (string | undefined)[]): ReactNode {
  return Children.map(children, (row) => {
    if (!isValidElement<{ children?: ReactNode }>(row) || row.type !== "tr") return row;
    let column = 0;
    const cells = Children.map(row.props.children, (cell) => {
      if (!isValidElement<{ colSpan?: number; "data-label"?: string }>(cell) || cell.type !== "td") return cell;
      const label = labels[column];
      column += cell.props.colSpan ?? 1;
      return label && cell.props["data-label"] === undefined ? cloneElement(cell, { "data-label": label }) : cell;
    });
    return cloneElement(row, undefined, cells);
  });
}

/** A data table with real header cells (so rows have accessible names), and an optional caption; stacked cards on a phone. */
export function Table({ headers, caption, children }: { headers: Header[]; caption?: string; children: ReactNode }) {
  const columns = headers.map((h) => (typeof h === "string" ? { label: h } : h));
  return (
    // Scrolls sideways within itself if a wide table needs it; `relative` so it also clips the
    // absolutely positioned sr-only header text, which would otherwise widen the page.
    <div className="relative overflow-x-auto">
      <table className={`w-full text-sm ${STACKED}`}>
        {caption ? <caption className="sr-only">{caption}</caption> : null}
        <thead className="text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
          <tr>
            {columns.map((header) => (
              <th key={header.label} scope="col" className={`px-2 py-2 ${header.align === "right" ? "text-right" : ""}`}>
                {header.srOnly ? <span className="sr-only">{header.label}</span> : header.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">{labelCells(children, columns.map((c) => (c.srOnly ? undefined : c.label)))}</tbody>
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

"use client";

import { createColumnHelper, tableFeatures, useTable } from "@tanstack/react-table";
import Link from "next/link";
import { useFormatter, useTranslations } from "next-intl";
import { useMemo } from "react";
import type { MessageListItem } from "@/lib/messages/list/message-list-query";
import { Table } from "../table";
import { useDateTime } from "../use-messages";
import { ErrorCell } from "./error-cell";
import { MessageStateBadge, UncertainMark } from "./state-badges";

/**
 * One page of the message list, as a TanStack Table (headless: it holds the columns and rows,
 * this file the markup) drawn inside the console's Table, so the phone layout (a card per row,
 * each cell labelled by its column) is the same as every other list's. Every row links to the
 * message's timeline.
 */
const features = tableFeatures({});
const column = createColumnHelper<typeof features, MessageListItem>();

/** Cell classes by column id; `right` columns are numbers. */
const CELL_CLASS: Record<string, string> = {
  id: "whitespace-nowrap font-mono",
  createdAt: "whitespace-nowrap",
  channelKey: "font-mono text-xs",
  phone: "font-mono",
  segments: "text-right",
  updatedAt: "whitespace-nowrap text-slate-500",
};

/** Cells that format by locale are components, so the columns stay the same from render to render. */
function When({ iso }: { iso: string }) {
  const when = useDateTime();
  return <time dateTime={iso}>{when(iso)}</time>;
}

function Count({ value }: { value: number }) {
  return <>{useFormatter().number(value)}</>;
}

export function MessageTable({ items, caption }: { items: MessageListItem[]; caption: string }) {
  const t = useTranslations("messageList");
  const tm = useTranslations("messages");
  const columns = useMemo(
    () =>
      column.columns([
        column.accessor("id", {
          header: t("columns.id"),
          cell: (info) => (
            <Link className="text-brand-700 hover:underline" href={`/messages/${encodeURIComponent(info.getValue())}`} aria-label={t("openMessage", { id: info.getValue() })}>
              {info.getValue()}
            </Link>
          ),
        }),
        column.accessor("createdAt", { header: t("columns.createdAt"), cell: (info) => <When iso={info.getValue()} /> }),
        column.accessor("channelKey", { header: t("columns.channel"), cell: (info) => info.getValue() }),
        column.accessor("phone", { header: t("columns.phone"), cell: (info) => info.getValue() || tm("noNumber") }),
        column.accessor("userid", { header: t("columns.userid"), cell: (info) => info.getValue() ?? <span className="text-slate-500">—</span> }),
        column.accessor("status", {
          header: t("columns.status"),
          cell: (info) => (
            <span className="flex flex-wrap gap-1">
              <MessageStateBadge state={info.getValue()} />
              {info.row.original.uncertain ? <UncertainMark /> : null}
            </span>
          ),
        }),
        column.display({
          id: "error",
          header: t("columns.error"),
          cell: (info) => <ErrorCell code={info.row.original.errorCode} category={info.row.original.errorCategory} />,
        }),
        column.accessor("segments", { header: t("columns.segments"), cell: (info) => <Count value={info.getValue()} /> }),
        column.accessor("updatedAt", { header: t("columns.updatedAt"), cell: (info) => <When iso={info.getValue()} /> }),
      ]),
    [t, tm],
  );
  const table = useTable({ features, columns, data: items, getRowId: (row) => row.id });
  const headers = table.getFlatHeaders().map((header) => {
    const label = String(header.column.columnDef.header ?? header.id);
    return header.id === "segments" ? { label, align: "right" as const } : label;
  });
  return (
    <Table caption={caption} headers={headers}>
      {table.getRowModel().rows.map((row) => (
        <tr key={row.id} className="align-top hover:bg-slate-50">
          {row.getAllCells().map((cell) => (
            <td key={cell.id} className={CELL_CLASS[cell.column.id] ?? ""}>
              <table.FlexRender cell={cell} />
            </td>
          ))}
        </tr>
      ))}
    </Table>
  );
}

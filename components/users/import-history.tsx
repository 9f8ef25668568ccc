"use client";

import { useQuery } from "@tanstack/react-query";
import { useFormatter, useTranslations } from "next-intl";
import { apiFetch } from "@/lib/api/client";
import type { ImportView } from "@/lib/contacts/import-service";
import { Table, useCursorPages } from "../table";
import { useDateTime } from "../use-messages";
import { Badge, Card } from "../ui";
import { useImportFailure } from "./import-failure";

const TONES = { done: "green", failed: "red", cancelled: "slate", queued: "blue", running: "blue" } as const;

/** A failed import's reason under its status, in the operator's language. */
function FailureReason({ view }: { view: ImportView }) {
  const { message } = useImportFailure()(view);
  return message ? <p className="mt-1 max-w-md text-xs text-red-800">{message}</p> : null;
}

export function ImportHistory() {
  const t = useTranslations("users");
  const format = useFormatter();
  const when = useDateTime();
  const pages = useCursorPages();
  const history = useQuery({
    queryKey: ["imports", "history", pages.cursor],
    queryFn: () =>
      apiFetch<{ items: ImportView[]; nextCursor: string | null }>(`/api/v1/imports?limit=10${pages.cursor ? `&cursor=${encodeURIComponent(pages.cursor)}` : ""}`),
    refetchInterval: 5_000,
  });
  const right = (label: string) => ({ label, align: "right" as const });
  return (
    <Card title={t("historyTitle")}>
      {history.data && history.data.items.length > 0 ? (
        <Table
          headers={[t("when"), t("who"), t("file"), t("statusLabel"), right(t("counts.inserted")), right(t("counts.updated")), right(t("counts.unchanged")), right(t("counts.failedRows"))]}
        >
          {history.data.items.map((i) => (
            <tr key={i.importId}>
              <td className="text-slate-500">{when(i.createdAt)}</td>
              <td>{i.createdBy.replace(/^operator:|^api_key:/, "")}</td>
              <td>
                {i.fileName}
                {i.dryRun ? <span className="ml-1 text-xs text-slate-500">({t("dryRunShort")})</span> : null}
              </td>
              <td>
                <Badge tone={TONES[i.status]}>{t(`status.${i.status}`)}</Badge>
                {i.status === "failed" ? <FailureReason view={i} /> : null}
              </td>
              <td className="text-right">{format.number(i.inserted)}</td>
              <td className="text-right">{format.number(i.updated)}</td>
              <td className="text-right">{format.number(i.unchanged)}</td>
              <td className="text-right">
                {i.failedRows > 0 || i.warnings > 0 ? (
                  <a className="text-brand-700 underline" href={`/api/v1/imports/${i.importId}/errors.xlsx`} download aria-label={t("errorsOf", { count: format.number(i.failedRows), name: i.fileName })}>
                    {format.number(i.failedRows)}
                  </a>
                ) : (
                  format.number(i.failedRows)
                )}
              </td>
            </tr>
          ))}
        </Table>
      ) : (
        <p className="text-sm text-slate-500">{t("noImports")}</p>
      )}
      {pages.pager(history.data?.nextCursor)}
    </Card>
  );
}

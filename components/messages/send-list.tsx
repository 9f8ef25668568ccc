"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useTranslations } from "next-intl";
import { apiFetch } from "@/lib/api/client";
import { Table, useCursorPages } from "../table";
import { useDateTime, useExplainError } from "../use-messages";
import { Alert, Card } from "../ui";
import { actorName, type Page, type SendView } from "./api-types";
import { CompactCounts, SendProgressBar } from "./send-progress";
import { SendStatusBadge } from "./state-badges";

const PAGE_SIZE = 25;

/** Every send, newest first, paged by the server's cursor; live while one on the page is at work. */
export function SendList() {
  const t = useTranslations("messages");
  const when = useDateTime();
  const explain = useExplainError();
  const pages = useCursorPages();
  const sends = useQuery({
    queryKey: ["sends", "list", pages.cursor],
    queryFn: () =>
      apiFetch<Page<SendView>>(`/api/v1/sends?limit=${PAGE_SIZE}${pages.cursor ? `&cursor=${encodeURIComponent(pages.cursor)}` : ""}`),
    placeholderData: keepPreviousData,
    refetchInterval: (query) =>
      query.state.data?.items.some((send) => send.status === "preparing" || send.status === "sending") ? 2_000 : false,
  });
  const items = sends.data?.items ?? [];
  return (
    <Card title={t("sendsTitle")}>
      {sends.error ? <Alert>{explain(sends.error)}</Alert> : null}
      {items.length > 0 ? (
        <Table
          caption={t("sendsTitle")}
          headers={[t("createdAt"), t("channel"), t("createdBy"), t("status"), t("progress"), t("countsTitle")]}
        >
          {items.map((send) => (
            <tr key={send.sendId} className="align-top hover:bg-slate-50">
              <td className="whitespace-nowrap">
                <Link className="text-brand-700 hover:underline" href={`/messages/sends/${encodeURIComponent(send.sendId)}`}>
                  {when(send.createdAt)}
                </Link>
              </td>
              <td>
                {send.channelName} <code className="text-xs text-slate-500">{send.channelKey}</code>
              </td>
              <td>{actorName(send.createdBy)}</td>
              <td>
                <SendStatusBadge status={send.status} />
              </td>
              <td>
                <SendProgressBar counts={send.counts} total={send.total} label={t("progress")} />
              </td>
              <td>
                <CompactCounts counts={send.counts} />
              </td>
            </tr>
          ))}
        </Table>
      ) : (
        <p className="text-sm text-slate-500">{sends.isLoading ? t("loading") : t("noSends")}</p>
      )}
      {pages.pager(sends.data?.nextCursor)}
    </Card>
  );
}

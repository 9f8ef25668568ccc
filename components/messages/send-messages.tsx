"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useFormatter, useTranslations } from "next-intl";
import { useState } from "react";
import { apiFetch } from "@/lib/api/client";
import { Table, useCursorPages } from "../table";
import { useDateTime, useExplainError } from "../use-messages";
import { Alert, Card, SelectField } from "../ui";
import { MESSAGE_STATES, type MessageView, type Page } from "./api-types";
import { ErrorCell } from "./error-cell";
import { MessageStateBadge, UncertainMark } from "./state-badges";

const PAGE_SIZE = 50;

/** A send's messages, filtered by state on the server and paged by its cursor. */
export function SendMessages({ sendId, live }: { sendId: string; live: boolean }) {
  const t = useTranslations("messages");
  const format = useFormatter();
  const when = useDateTime();
  const explain = useExplainError();
  const [status, setStatus] = useState("");
  const pages = useCursorPages();
  const messages = useQuery({
    queryKey: ["messages", "of-send", sendId, status, pages.cursor],
    queryFn: () => {
      const params = new URLSearchParams({ sendId, limit: String(PAGE_SIZE) });
      if (status) params.set("status", status);
      if (pages.cursor) params.set("cursor", pages.cursor);
      return apiFetch<Page<MessageView>>(`/api/v1/messages?${params.toString()}`);
    },
    // The previous page stays up while the next loads, but never the rows of another state.
    placeholderData: (previous, previousQuery) => (previousQuery?.queryKey[3] === status ? previous : undefined),
    refetchInterval: live ? 2_000 : false,
  });
  const items = messages.data?.items ?? [];
  const right = (label: string) => ({ label, align: "right" as const });
  return (
    <Card title={t("messagesTitle")}>
      <div className="mb-4 max-w-xs">
        <SelectField
          label={t("filterState")}
          value={status}
          onChange={(e) => {
            setStatus(e.target.value);
            pages.reset();
          }}
        >
          <option value="">{t("allStates")}</option>
          {MESSAGE_STATES.map((state) => (
            <option key={state} value={state}>
              {t(`states.${state}`)}
            </option>
          ))}
        </SelectField>
      </div>
      {messages.error ? <Alert>{explain(messages.error)}</Alert> : null}
      {items.length > 0 ? (
        <Table
          caption={t("messagesTitle")}
          headers={[t("phone"), t("userid"), t("status"), t("error"), right(t("attempts")), t("updatedAt")]}
        >
          {items.map((m) => (
            <tr key={m.id} className="align-top hover:bg-slate-50">
              <td className={m.phone ? "font-mono" : ""}>
                <Link className="text-brand-700 hover:underline" href={`/messages/${encodeURIComponent(m.id)}`}>
                  {m.phone || t("noNumber")}
                </Link>
              </td>
              <td>{m.userid ?? <span className="text-slate-500">—</span>}</td>
              <td>
                <span className="flex flex-wrap gap-1">
                  <MessageStateBadge state={m.status} />
                  {m.uncertain ? <UncertainMark /> : null}
                </span>
              </td>
              <td>
                <ErrorCell code={m.errorCode} category={m.errorCategory} />
              </td>
              <td className="text-right">{format.number(m.attempts)}</td>
              <td className="whitespace-nowrap text-slate-500">{when(m.updatedAt)}</td>
            </tr>
          ))}
        </Table>
      ) : (
        <p className="text-sm text-slate-500">{messages.isLoading ? t("loading") : status ? t("noMessagesInState") : t("noMessages")}</p>
      )}
      {pages.pager(messages.data?.nextCursor)}
    </Card>
  );
}

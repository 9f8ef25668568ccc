"use client";

import { useQuery } from "@tanstack/react-query";
import { useFormatter, useTranslations } from "next-intl";
import { apiFetch } from "@/lib/api/client";
import { Table } from "../table";
import { useExplainError } from "../use-messages";
import { Alert, Card, DetailRow, PageHeader } from "../ui";
import { isFinalState, isMissing, type MessageWithTimeline } from "./api-types";
import { ErrorCell } from "./error-cell";
import { MessageStateBadge, UncertainMark } from "./state-badges";


/** Event times to the second: a submit and its report are often within the same minute. */
function usePreciseTime() {
  const format = useFormatter();
  return (iso: string | null) => (iso ? format.dateTime(new Date(iso), { dateStyle: "medium", timeStyle: "medium" }) : "—");
}

/** One message: its fields, its parts (a long CMPP text) and every event, oldest first. */
export function MessageTimeline({ messageId }: { messageId: string }) {
  const t = useTranslations("messages");
  const format = useFormatter();
  const at = usePreciseTime();
  const explain = useExplainError();
  const query = useQuery({
    queryKey: ["messages", "one", messageId],
    queryFn: () => apiFetch<MessageWithTimeline>(`/api/v1/messages/${encodeURIComponent(messageId)}`),
    // Until it is final a message still gets submit answers and reports.
    refetchInterval: (q) => (isMissing(q.state.error) || (q.state.data && isFinalState(q.state.data.status)) ? false : 3_000),
    retry: (count, error) => !isMissing(error) && count < 1,
  });
  const message = query.data;
  if (!message) {
    const missing = isMissing(query.error);
    return (
      <>
        <PageHeader title={t("messageTitle", { id: messageId })} back={{ href: "/messages", label: t("title") }} />
        {query.error ? <Alert>{missing ? t("messageNotFound") : explain(query.error)}</Alert> : <p className="text-sm text-slate-500">{t("loading")}</p>}
      </>
    );
  }
  const events = [...message.events].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const kindLabel = (kind: string) => (t.has(`eventKinds.${kind}`) ? t(`eventKinds.${kind}`) : kind);
  const category = (value: string | null) => (value ? (t.has(`categories.${value}`) ? t(`categories.${value}`) : value) : "—");
  return (
    <>
      <PageHeader
        title={t("messageTitle", { id: message.id })}
        description={t("messageIntro")}
        back={{ href: `/messages/sends/${encodeURIComponent(message.sendId)}`, label: t("backToSend") }}
      />
      <div className="space-y-6">
        <Card title={t("fieldsTitle")}>
          <dl className="divide-y divide-slate-100">
            <DetailRow label={t("phone")}>
              {message.phone ? <span className="font-mono">{message.phone}</span> : <span className="text-slate-500">{t("noNumber")}</span>}
            </DetailRow>
            <DetailRow label={t("userid")}>{message.userid ?? "—"}</DetailRow>
            <DetailRow label={t("status")}>
              <span className="flex flex-wrap gap-1" data-testid="message-status">
                <MessageStateBadge state={message.status} />
                {message.uncertain ? <UncertainMark /> : null}
              </span>
            </DetailRow>
            <DetailRow label={t("error")}>
              <ErrorCell code={message.errorCode} category={message.errorCategory} />
            </DetailRow>
            <DetailRow label={t("providerMessageId")}>
              {message.providerMessageId ? <code className="text-xs">{message.providerMessageId}</code> : "—"}
            </DetailRow>
            <DetailRow label={t("attempts")}>{format.number(message.attempts)}</DetailRow>
            <DetailRow label={t("createdAt")}>{at(message.createdAt)}</DetailRow>
            <DetailRow label={t("submittedAt")}>{at(message.submittedAt)}</DetailRow>
            <DetailRow label={t("doneAt")}>{at(message.doneAt)}</DetailRow>
            <DetailRow label={t("updatedAt")}>{at(message.updatedAt)}</DetailRow>
          </dl>
        </Card>

        <Card title={t("segmentsTitle")}>
          {message.segments.length > 0 ? (
            <Table caption={t("segmentsTitle")} headers={[t("part"), t("providerMessageId"), t("status"), t("code"), t("doneAt")]}>
              {message.segments.map((s) => (
                <tr key={s.part}>
                  <td>{format.number(s.part)}</td>
                  <td>{s.providerMessageId ? <code className="text-xs">{s.providerMessageId}</code> : "—"}</td>
                  <td>
                    <MessageStateBadge state={s.status} />
                  </td>
                  <td>{s.code ? <code className="text-xs">{s.code}</code> : "—"}</td>
                  <td className="whitespace-nowrap text-slate-500">{at(s.doneAt)}</td>
                </tr>
              ))}
            </Table>
          ) : (
            <p className="text-sm text-slate-500">{t("noSegments")}</p>
          )}
        </Card>

        <Card title={t("eventsTitle")}>
          {events.length > 0 ? (
            <Table caption={t("eventsTitle")} headers={[t("eventAt"), t("eventKind"), t("part"), t("code"), t("category"), t("raw")]}>
              {events.map((e, index) => (
                <tr key={`${e.at}-${index}`} className="align-top">
                  <td className="whitespace-nowrap text-slate-500">{at(e.at)}</td>
                  <td>
                    <span title={e.kind}>{kindLabel(e.kind)}</span>
                  </td>
                  <td>{e.part === null ? "—" : format.number(e.part)}</td>
                  <td>{e.code ? <code className="text-xs">{e.code}</code> : "—"}</td>
                  <td>{category(e.category)}</td>
                  <td>
                    {e.raw === null || e.raw === undefined ? (
                      "—"
                    ) : (
                      <details>
                        <summary className="cursor-pointer text-xs text-brand-700">{t("rawShow")}</summary>
                        <pre className="mt-1 max-w-md overflow-x-auto rounded bg-slate-50 p-2 text-xs">{JSON.stringify(e.raw, null, 2)}</pre>
                      </details>
                    )}
                  </td>
                </tr>
              ))}
            </Table>
          ) : (
            <p className="text-sm text-slate-500">{t("noEvents")}</p>
          )}
        </Card>
      </div>
    </>
  );
}

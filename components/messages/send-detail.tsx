"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useSearchParams } from "next/navigation";
import { useFormatter, useTranslations } from "next-intl";
import { useState } from "react";
import { apiFetch } from "@/lib/api/client";
import { useDateTime, useExplainError } from "../use-messages";
import { Alert, Button, Card, DetailRow, PageHeader } from "../ui";
import { MESSAGE_STATES, actorName, finalCount, isMissing, sendIsLive, type SendContent, type SendDetail } from "./api-types";
import { ResendLinks } from "./resend-links";
import { SendResend } from "./resend-send";
import { SendMessages } from "./send-messages";
import { SendProgressBar } from "./send-progress";
import { SendStatusBadge } from "./state-badges";

type SendAction = "pause" | "resume" | "cancel";


/** One send: what it says, how far it is, its controls, and its messages below. */
export function SendDetail({ sendId, canOperate }: { sendId: string; canOperate: boolean }) {
  const t = useTranslations("messages");
  const format = useFormatter();
  const when = useDateTime();
  const explain = useExplainError();
  const queryClient = useQueryClient();
  const justCreated = useSearchParams().get("created") === "1";
  const [confirmingCancel, setConfirmingCancel] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const key = ["sends", sendId];
  const query = useQuery({
    queryKey: key,
    queryFn: () => apiFetch<SendDetail>(`/api/v1/sends/${encodeURIComponent(sendId)}`),
    refetchInterval: (q) => (isMissing(q.state.error) || (q.state.data && !sendIsLive(q.state.data)) ? false : 2_000),
    retry: (count, error) => !isMissing(error) && count < 1,
  });
  const action = useMutation({
    mutationFn: (which: SendAction) => apiFetch<SendDetail>(`/api/v1/sends/${encodeURIComponent(sendId)}/${which}`, { method: "POST", body: {} }),
    onMutate: () => setFailure(null),
    onSuccess: (updated) => {
      queryClient.setQueryData(key, updated);
      setConfirmingCancel(false);
      void queryClient.invalidateQueries({ queryKey: ["sends", "list"] });
      void queryClient.invalidateQueries({ queryKey: ["messages", "of-send", sendId] });
    },
    onError: (error) => {
      setConfirmingCancel(false);
      setFailure(explain(error));
    },
  });

  const send = query.data;
  if (!send) {
    const missing = isMissing(query.error);
    return (
      <>
        <PageHeader title={t("sendTitleLoading")} back={{ href: "/messages", label: t("title") }} />
        {query.error ? <Alert>{missing ? t("sendNotFound") : explain(query.error)}</Alert> : <p className="text-sm text-slate-500">{t("loading")}</p>}
      </>
    );
  }

  const live = sendIsLive(send);
  const canPause = send.status === "preparing" || send.status === "sending";
  const canResume = send.status === "paused";
  const canCancel = send.status !== "done" && send.status !== "cancelled";
  return (
    <>
      <PageHeader
        title={t("sendTitle", { channel: send.channelName })}
        description={t("sendIntro", { when: when(send.createdAt), who: actorName(send.createdBy) })}
        back={{ href: "/messages", label: t("title") }}
        actions={
          canOperate && (canPause || canResume || canCancel) ? (
            <>
              {canPause ? (
                <Button variant="secondary" disabled={action.isPending} onClick={() => action.mutate("pause")}>
                  {t("pause")}
                </Button>
              ) : null}
              {canResume ? (
                <Button variant="secondary" disabled={action.isPending} onClick={() => action.mutate("resume")}>
                  {t("resume")}
                </Button>
              ) : null}
              {canCancel ? (
                <Button variant="danger" disabled={action.isPending} onClick={() => setConfirmingCancel(true)}>
                  {t("cancelSend")}
                </Button>
              ) : null}
            </>
          ) : null
        }
      />
      <div className="space-y-6">
        {justCreated ? <Alert tone="success">{t("sendCreated")}</Alert> : null}
        <ResendLinks send={send} />
        {failure ? <Alert>{failure}</Alert> : null}
        {confirmingCancel ? (
          <div role="dialog" aria-modal="false" aria-labelledby="confirm-cancel-title" className="rounded-lg border border-red-200 bg-red-50 p-4">
            <h2 id="confirm-cancel-title" className="font-semibold text-red-900">
              {t("confirmCancelTitle")}
            </h2>
            <p className="mt-1 text-sm text-red-800">{t("confirmCancelText")}</p>
            <div className="mt-3 flex flex-wrap gap-2">
              <Button variant="danger" disabled={action.isPending} onClick={() => action.mutate("cancel")}>
                {t("confirmCancel")}
              </Button>
              <Button variant="secondary" onClick={() => setConfirmingCancel(false)}>
                {t("keepSending")}
              </Button>
            </div>
          </div>
        ) : null}

        <Card title={t("progressTitle")}>
          <div className="space-y-4">
            <SendProgressBar counts={send.counts} total={send.total} label={t("sendProgress")} />
            <p role="status" className="flex flex-wrap items-center gap-2 text-sm text-slate-700" data-testid="send-status">
              <SendStatusBadge status={send.status} />
              <span>{t("progressText", { done: format.number(finalCount(send.counts)), total: format.number(send.total) })}</span>
              {live ? <span className="text-xs text-slate-500">{t("live")}</span> : null}
              {send.finishedAt ? <span className="text-xs text-slate-500">{t("finishedAt", { when: when(send.finishedAt) })}</span> : null}
            </p>
            <dl className="grid grid-cols-2 gap-2 text-sm sm:grid-cols-5" aria-label={t("countsTitle")}>
              {MESSAGE_STATES.map((state) => (
                <Count key={state} label={t(`states.${state}`)} value={format.number(send.counts[state] ?? 0)} testId={`count-${state}`} />
              ))}
              <Count label={t("uncertain")} value={format.number(send.uncertain)} testId="count-uncertain" hint={t("uncertainHelp")} />
              <Count label={t("total")} value={format.number(send.total)} testId="count-total" />
            </dl>
          </div>
        </Card>

        <Card title={t("contentTitle")}>
          <dl className="divide-y divide-slate-100">
            <DetailRow label={t("channel")}>
              {send.channelName} <code className="text-xs text-slate-500">{send.channelKey}</code>
            </DetailRow>
            <ContentRows content={send.content} />
            <DetailRow label={t("audienceSize")}>{format.number(send.audienceSize)}</DetailRow>
            <DetailRow label={t("segmentsPerMessage")}>{format.number(send.segmentsPerMessage)}</DetailRow>
          </dl>
        </Card>

        <SendResend send={send} canOperate={canOperate} />

        <SendMessages sendId={send.sendId} live={live} />
      </div>
    </>
  );
}

function Count({ label, value, testId, hint }: { label: string; value: string; testId: string; hint?: string }) {
  return (
    <div className="rounded bg-slate-50 p-2" title={hint}>
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd className="text-lg font-semibold" data-testid={testId}>
        {value}
      </dd>
    </div>
  );
}

function ContentRows({ content }: { content: SendContent }) {
  const t = useTranslations("messages");
  if ("text" in content) {
    return (
      <DetailRow label={t("text")}>
        <p className="whitespace-pre-wrap break-words rounded bg-slate-50 p-2" data-testid="send-text">
          {content.text}
        </p>
      </DetailRow>
    );
  }
  const params = Object.entries(content.template.params ?? {});
  return (
    <>
      <DetailRow label={t("templateId")}>
        <code>{content.template.id}</code>
      </DetailRow>
      <DetailRow label={t("signId")}>{content.template.signId ? <code>{content.template.signId}</code> : <span className="text-slate-500">{t("none")}</span>}</DetailRow>
      <DetailRow label={t("templateParams")}>
        {params.length > 0 ? (
          <table className="text-sm">
            <caption className="sr-only">{t("templateParams")}</caption>
            <thead className="text-left text-xs text-slate-500">
              <tr>
                <th scope="col" className="pr-4">
                  {t("paramName")}
                </th>
                <th scope="col">{t("paramValue")}</th>
              </tr>
            </thead>
            <tbody>
              {params.map(([name, value]) => (
                <tr key={name}>
                  <td className="pr-4 font-mono">{name}</td>
                  <td>{value}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <span className="text-slate-500">{t("none")}</span>
        )}
      </DetailRow>
    </>
  );
}

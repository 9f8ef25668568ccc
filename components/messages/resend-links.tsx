"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useFormatter, useTranslations } from "next-intl";
import { apiFetch } from "@/lib/api/client";
import { useDateTime } from "../use-messages";
import { isMissing, type SendDetail } from "./api-types";
import { SendStatusBadge } from "./state-badges";

const sendHref = (sendId: string) => `/messages/sends/${encodeURIComponent(sendId)}`;

/** The states a resend took, as the operator reads them ("failed, expired"). */
function useStatesText() {
  const t = useTranslations("resend");
  const format = useFormatter();
  return (states: readonly string[] | null) =>
    format.list(
      (states ?? []).map((s) => (t.has(`states.${s}`) ? t(`states.${s}` as never) : s)),
      { type: "conjunction" },
    );
}

/**
 * The links between a send and its resends: "Resent from …" on a resend, and the list of
 * resends (with their channel and progress) on the send they were made of.
 */
export function ResendLinks({ send }: { send: SendDetail }) {
  const t = useTranslations("resend");
  const statesText = useStatesText();
  if (!send.resentFrom && send.resends.length === 0) return null;
  return (
    <div className="space-y-2 rounded-lg border border-slate-200 bg-white px-4 py-3 text-sm shadow-sm sm:px-5" data-testid="resend-links">
      {send.resentFrom ? (
        <p data-testid="resent-from">
          {t.rich("resentFrom", {
            link: (chunks) => (
              <Link className="font-medium text-brand-700 hover:underline" href={sendHref(send.resentFrom!)}>
                {chunks}
              </Link>
            ),
            id: send.resentFrom.slice(0, 8),
            states: statesText(send.resentStates),
          })}
        </p>
      ) : null}
      {send.resends.length > 0 ? (
        <div>
          <p className="font-medium text-slate-700">{t("resendsTitle", { count: send.resends.length })}</p>
          <ul className="mt-1 space-y-1" data-testid="resends">
            {send.resends.map((id) => (
              <ResendRow key={id} sendId={id} />
            ))}
          </ul>
        </div>
      ) : null}
    </div>
  );
}

/** One resend of the send: its channel, states, status and progress, read from its own answer. */
function ResendRow({ sendId }: { sendId: string }) {
  const t = useTranslations("resend");
  const format = useFormatter();
  const when = useDateTime();
  const statesText = useStatesText();
  const query = useQuery({
    queryKey: ["sends", sendId],
    queryFn: () => apiFetch<SendDetail>(`/api/v1/sends/${encodeURIComponent(sendId)}`),
    retry: (count, error) => !isMissing(error) && count < 1,
  });
  const resend = query.data;
  return (
    <li className="flex flex-wrap items-center gap-2">
      <Link className="font-mono text-brand-700 hover:underline" href={sendHref(sendId)}>
        {sendId.slice(0, 8)}
      </Link>
      {resend ? (
        <>
          <SendStatusBadge status={resend.status} />
          <span className="text-slate-600">
            {t("resendSummary", {
              channel: resend.channelName,
              states: statesText(resend.resentStates),
              delivered: format.number(resend.counts.delivered),
              total: format.number(resend.total),
              when: when(resend.createdAt),
            })}
          </span>
        </>
      ) : null}
    </li>
  );
}

"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { apiFetch } from "@/lib/api/client";
import { filterToSearchParams, type MessageListFilter } from "@/lib/messages/list/message-list-filter";
import { RESEND_STATES, type ResendState } from "@/lib/messages/resend-schema";
import { useFailure } from "../use-failure";
import { useExplainError } from "../use-messages";
import { Alert, Button } from "../ui";
import type { ListResendAnswer } from "./api-types";
import { ResendChannelChoice, ResendStateChoices, useEnabledChannels } from "./resend-choices";

/**
 * "Resend" for the message list's current filter (operators): the failed, expired and unknown
 * messages it matches (never delivered ones) are sent again, each earlier send's as one new send
 * resent from it, on each message's own channel or one chosen. The same request again answers the
 * resends it made the first time, and says so.
 *
 * `filter` is the list's filter as parsed (lib/messages/list/message-list-filter.ts); a filter
 * whose `status` names none of the three states has nothing to resend, and the action says so.
 */
export function ResendFiltered({ filter, canOperate = true, className = "" }: { filter: MessageListFilter; canOperate?: boolean; className?: string }) {
  const t = useTranslations("resend");
  const explain = useExplainError();
  const queryClient = useQueryClient();
  const channels = useEnabledChannels();
  const allowed = filter.status === undefined ? [...RESEND_STATES] : RESEND_STATES.filter((s) => filter.status!.includes(s));
  const [open, setOpen] = useState(false);
  const [states, setStates] = useState<ResendState[]>(allowed);
  const [channelKey, setChannelKey] = useState("");
  // Kept with the filter it answers: a result for another filter is not shown under this one.
  const [answered, setAnswered] = useState<{ filter: string; answer: ListResendAnswer } | null>(null);
  const { failure, setFailure, alertRef } = useFailure();
  const params = filterToSearchParams(filter);
  const query = Object.fromEntries(params);
  const filterText = params.toString();
  const resend = useMutation({
    mutationFn: (choice: { states: ResendState[]; channelKey: string; filter: Record<string, string>; filterText: string }) =>
      apiFetch<ListResendAnswer>("/api/v1/messages/resend", {
        method: "POST",
        body: { filter: choice.filter, states: choice.states, ...(choice.channelKey ? { channelKey: choice.channelKey } : {}) },
      }),
    onMutate: () => {
      setFailure(null);
      setAnswered(null);
    },
    onSuccess: (made, choice) => {
      setAnswered({ filter: choice.filterText, answer: made });
      void queryClient.invalidateQueries({ queryKey: ["sends"] });
    },
    onError: (error) => setFailure(explain(error)),
  });

  if (!canOperate) return null;
  const answer = answered?.filter === filterText ? answered.answer : null;
  const chosen = states.filter((s) => allowed.includes(s));
  const counts = Object.fromEntries(RESEND_STATES.filter((s) => !allowed.includes(s)).map((s) => [s, 0])) as Partial<Record<ResendState, number>>;
  const made = answer?.resends.filter((r) => r.created) ?? [];
  const before = answer?.resends.filter((r) => !r.created) ?? [];

  return (
    <section className={`space-y-3 ${className}`} aria-label={t("filteredTitle")} data-testid="resend-filtered">
      {failure ? <Alert ref={alertRef}>{failure}</Alert> : null}
      {answer ? (
        <Alert tone={made.length > 0 ? "success" : "warning"}>
          <p data-testid="resend-outcome" data-created={made.length > 0 ? "true" : "false"}>
            {made.length > 0
              ? t("filteredMade", { sends: made.length, count: made.reduce((sum, r) => sum + r.audienceSize, 0) })
              : t("filteredMadeBefore", { sends: before.length })}
          </p>
          <ul className="mt-1 flex flex-wrap gap-x-3">
            {answer.resends.map((r) => (
              <li key={r.sendId}>
                <Link className="font-mono underline" href={`/messages/sends/${encodeURIComponent(r.sendId)}`}>
                  {r.sendId.slice(0, 8)}
                </Link>
              </li>
            ))}
          </ul>
        </Alert>
      ) : null}
      {allowed.length === 0 ? (
        <p className="text-sm text-slate-600">{t("filteredNothing")}</p>
      ) : !open ? (
        <Button variant="secondary" onClick={() => setOpen(true)} data-testid="resend-filtered-open">
          {t("filteredOpen")}
        </Button>
      ) : (
        <form
          className="space-y-4 rounded-lg border border-slate-200 bg-white p-4"
          onSubmit={(e) => {
            e.preventDefault();
            if (chosen.length > 0 && !resend.isPending) resend.mutate({ states: chosen, channelKey, filter: query, filterText });
          }}
        >
          <p className="text-sm text-slate-600">{t("filteredIntro")}</p>
          <ResendStateChoices value={states} onChange={setStates} counts={counts} disabled={resend.isPending} />
          <div className="max-w-md">
            <ResendChannelChoice value={channelKey} onChange={setChannelKey} channels={channels.data ?? []} sameLabel={t("ownChannels")} disabled={resend.isPending} />
          </div>
          <div className="flex flex-wrap gap-2">
            <Button type="submit" disabled={chosen.length === 0 || resend.isPending} data-testid="resend-filtered-submit">
              {resend.isPending ? t("resending") : t("filteredSubmit")}
            </Button>
            <Button variant="secondary" disabled={resend.isPending} onClick={() => setOpen(false)}>
              {t("close")}
            </Button>
          </div>
        </form>
      )}
    </section>
  );
}

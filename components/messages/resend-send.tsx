"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { apiFetch } from "@/lib/api/client";
import { RESEND_STATES, type ResendState } from "@/lib/messages/resend-schema";
import { useFailure } from "../use-failure";
import { useExplainError } from "../use-messages";
import { Alert, Button, Card } from "../ui";
import type { ResendAnswer, SendDetail } from "./api-types";
import { ResendChannelChoice, ResendStateChoices, useEnabledChannels } from "./resend-choices";

/**
 * A send's "Resend" action (operators): choose which of its failed, expired and unknown messages
 * to send again, and on which channel of the same type, then follow the link to the new send.
 * The request carries no key of its own: the server answers the same choice again with the
 * resend it made the first time, so a second click (or a retry) makes nothing new, and says so.
 */
export function SendResend({ send, canOperate }: { send: SendDetail; canOperate: boolean }) {
  const t = useTranslations("resend");
  const explain = useExplainError();
  const queryClient = useQueryClient();
  const channels = useEnabledChannels();
  const counts: Record<ResendState, number> = { failed: send.counts.failed, expired: send.counts.expired, unknown: send.counts.unknown };
  const available = RESEND_STATES.filter((s) => counts[s] > 0);
  const [open, setOpen] = useState(false);
  const [states, setStates] = useState<ResendState[]>(available);
  const [channelKey, setChannelKey] = useState("");
  const [answer, setAnswer] = useState<ResendAnswer | null>(null);
  const { failure, setFailure, alertRef } = useFailure();
  const resend = useMutation({
    mutationFn: (choice: { states: ResendState[]; channelKey: string }) =>
      apiFetch<ResendAnswer>(`/api/v1/sends/${encodeURIComponent(send.sendId)}/resend`, {
        method: "POST",
        body: { states: choice.states, ...(choice.channelKey ? { channelKey: choice.channelKey } : {}) },
      }),
    onMutate: () => {
      setFailure(null);
      setAnswer(null);
    },
    onSuccess: (made) => {
      setAnswer(made);
      void queryClient.invalidateQueries({ queryKey: ["sends", send.sendId] });
      void queryClient.invalidateQueries({ queryKey: ["sends", "list"] });
    },
    onError: (error) => setFailure(explain(error)),
  });

  if (!canOperate) return null;
  const others = (channels.data ?? []).filter((c) => c.type === send.channelType && c.channelKey !== send.channelKey);
  const chosen = states.filter((s) => counts[s] > 0);
  const messages = chosen.reduce((sum, s) => sum + counts[s], 0);

  let body;
  if (send.status === "preparing") {
    body = <p className="text-sm text-slate-600">{t("preparingHint")}</p>;
  } else if (available.length === 0) {
    body = <p className="text-sm text-slate-600">{t("nothingHint")}</p>;
  } else if (!open) {
    body = (
      <div className="flex flex-wrap items-center gap-3">
        <p className="text-sm text-slate-600">{t("sendIntro", { count: available.reduce((sum, s) => sum + counts[s], 0) })}</p>
        <Button variant="secondary" onClick={() => setOpen(true)} data-testid="resend-open">
          {t("open")}
        </Button>
      </div>
    );
  } else {
    body = (
      <form
        className="space-y-4"
        onSubmit={(e) => {
          e.preventDefault();
          if (chosen.length > 0 && !resend.isPending) resend.mutate({ states: chosen, channelKey });
        }}
      >
        <ResendStateChoices value={states} onChange={setStates} counts={counts} disabled={resend.isPending} />
        <div className="max-w-md">
          <ResendChannelChoice
            value={channelKey}
            onChange={setChannelKey}
            channels={others}
            sameLabel={t("sameChannel", { name: send.channelName })}
            disabled={resend.isPending}
          />
        </div>
        {send.resends.length > 0 ? <Alert tone="info">{t("earlierResendsHint")}</Alert> : null}
        <div className="flex flex-wrap gap-2">
          <Button type="submit" disabled={chosen.length === 0 || resend.isPending} data-testid="resend-submit">
            {resend.isPending ? t("resending") : t("submit", { count: messages })}
          </Button>
          <Button variant="secondary" disabled={resend.isPending} onClick={() => setOpen(false)}>
            {t("close")}
          </Button>
        </div>
      </form>
    );
  }

  return (
    <Card title={t("sendCardTitle")}>
      <div className="space-y-4">
        {failure ? <Alert ref={alertRef}>{failure}</Alert> : null}
        {answer ? <ResendOutcome answer={answer} /> : null}
        {body}
      </div>
    </Card>
  );
}

/** What a resend request did: a new send made, or the one an identical earlier request made. */
export function ResendOutcome({ answer }: { answer: ResendAnswer }) {
  const t = useTranslations("resend");
  return (
    <Alert tone={answer.created ? "success" : "warning"}>
      <span data-testid="resend-outcome" data-created={answer.created ? "true" : "false"}>
        {answer.created ? t("made", { count: answer.audienceSize }) : t("madeBefore", { count: answer.audienceSize })}{" "}
        <Link className="font-medium underline" href={`/messages/sends/${encodeURIComponent(answer.sendId)}`}>
          {t("openSend")}
        </Link>
      </span>
    </Alert>
  );
}

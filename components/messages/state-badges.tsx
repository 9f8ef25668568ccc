"use client";

import { useTranslations } from "next-intl";
import { Badge } from "../ui";
import type { MessageState, SendStatus } from "./api-types";

type Tone = "slate" | "green" | "amber" | "red" | "blue";

const MESSAGE_TONES: Record<MessageState, Tone> = {
  queued: "slate",
  submitting: "blue",
  submitted: "blue",
  delivered: "green",
  failed: "red",
  expired: "amber",
  unknown: "amber",
  cancelled: "slate",
};

const SEND_TONES: Record<SendStatus, Tone> = {
  preparing: "blue",
  sending: "blue",
  paused: "amber",
  done: "green",
  cancelled: "slate",
};

/** A message's (or a segment's) state; a state this console does not know yet is shown as sent. */
export function MessageStateBadge({ state }: { state: string }) {
  const t = useTranslations("messages");
  const known = state in MESSAGE_TONES;
  return <Badge tone={known ? MESSAGE_TONES[state as MessageState] : "slate"}>{known ? t(`states.${state}`) : state}</Badge>;
}

export function SendStatusBadge({ status }: { status: string }) {
  const t = useTranslations("messages");
  const known = status in SEND_TONES;
  return <Badge tone={known ? SEND_TONES[status as SendStatus] : "slate"}>{known ? t(`sendStatus.${status}`) : status}</Badge>;
}

/** At least one attempt's outcome is unknown: a copy may have reached the handset. */
export function UncertainMark() {
  const t = useTranslations("messages");
  return (
    <span title={t("uncertainHelp")}>
      <Badge tone="amber">{t("uncertain")}</Badge>
    </span>
  );
}

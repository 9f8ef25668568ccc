"use client";

import { useFormatter, useTranslations } from "next-intl";
import type { ChannelLiveView } from "@/lib/messages/live/live-queries";
import { DetailRow } from "./ui";

/** Numbers as the operator's locale writes them, with at most `digits` decimals. */
export function useNumber() {
  const format = useFormatter();
  return (value: number, digits = 0) => format.number(value, { maximumFractionDigits: digits });
}

/** The queue of the channel's sending sends, and how long its oldest message has waited. */
export function QueueRow({ view }: { view: ChannelLiveView }) {
  const t = useTranslations("cockpit");
  const format = useFormatter();
  const number = useNumber();
  const lag = format.number(view.queue.lagSeconds, { style: "unit", unit: "second", unitDisplay: "long", maximumFractionDigits: 0 });
  return (
    <DetailRow label={t("queue")}>
      {view.queue.depth > 0 ? t("queueValue", { depth: number(view.queue.depth), lag }) : t("queueEmpty")}
    </DetailRow>
  );
}

/** Which process a connection belongs to: "worker vm-2:4312". */
export function useProcessName(view: ChannelLiveView) {
  const t = useTranslations("cockpit");
  return (processId: string) => {
    const p = view.processes.find((candidate) => candidate.processId === processId);
    return p ? t("processName", { kind: t(p.kind === "worker" ? "kinds.worker" : "kinds.web"), host: p.host, pid: p.pid }) : processId;
  };
}

"use client";

import { useQuery } from "@tanstack/react-query";
import { useFormatter, useTranslations } from "next-intl";
import { useEffect, useRef } from "react";
import { apiFetch } from "@/lib/api/client";
import type { ChannelLiveView } from "@/lib/messages/live/live-queries";
import { CmppCockpit } from "./channel-cockpit-cmpp";
import { JsmsCockpit } from "./channel-cockpit-jsms";
import { useAnnounce } from "./live-region";
import { useExplainError } from "./use-messages";
import { Alert, Card } from "./ui";

/**
 * The channel's live figures, polled every 2 s from GET /api/v1/channels/{key}/live. Polling
 * rather than server-sent events: every process writes its figures every 2 s anyway, so a stream
 * would read the database on the viewer's behalf just as often; a poll is an ordinary
 * authorised request (a revoked key or an ended session stops at the next one), holds no
 * connection open through proxies, and react-query pauses it while the tab is hidden.
 *
 * Only changes of a connection's state are announced (through the page's one live region): the
 * numbers change every poll, and reading them out would drown everything else.
 */
const POLL_MS = 2_000;

export function ChannelCockpit({ channelKey }: { channelKey: string }) {
  const t = useTranslations("cockpit");
  const format = useFormatter();
  const explain = useExplainError();
  const live = useQuery({
    queryKey: ["channels", channelKey, "live"],
    queryFn: () => apiFetch<ChannelLiveView>(`/api/v1/channels/${channelKey}/live`),
    refetchInterval: POLL_MS,
  });
  useConnectionAnnouncements(live.data);
  const view = live.data;

  return (
    <Card
      title={t("title")}
      actions={view ? <span className="text-xs text-slate-500">{t("updated", { time: format.dateTime(new Date(view.at), { timeStyle: "medium" }) })}</span> : null}
    >
      <p className="mb-3 text-sm text-slate-600">{t("help")}</p>
      {live.error ? <Alert>{t("failed", { reason: explain(live.error) })}</Alert> : null}
      {!view && !live.error ? <p className="text-sm text-slate-500">{t("loading")}</p> : null}
      {view?.type === "cmpp" ? <CmppCockpit view={view} /> : null}
      {view?.type === "jsms" ? <JsmsCockpit view={view} /> : null}
    </Card>
  );
}

/** "Connection 2 (worker host:123): down", said once when a connection's state changes. */
function useConnectionAnnouncements(view: ChannelLiveView | undefined) {
  const t = useTranslations("cockpit");
  const announce = useAnnounce();
  const previous = useRef<Map<string, string> | null>(null);
  useEffect(() => {
    if (!view) return;
    const now = new Map(view.connections.map((c) => [`${c.processId}\u0000${c.slot}`, c.state]));
    const before = previous.current;
    previous.current = now;
    // The first figures are on the page already; only what changes after is news.
    if (before === null) return;
    const changes = view.connections.filter((c) => {
      const was = before.get(`${c.processId}\u0000${c.slot}`);
      return was !== undefined && was !== c.state;
    });
    if (changes.length > 0) {
      announce(changes.map((c) => t("announce", { connection: t("connectionName", { number: c.slot + 1 }), state: t(`states.${c.state}`) })).join(" "));
    }
  }, [view, announce, t]);
}

"use client";

import { useFormatter, useTranslations } from "next-intl";
import type { ChannelLiveView } from "@/lib/messages/live/live-queries";
import { QueueRow, useNumber, useProcessName } from "./channel-cockpit-shared";
import { Table } from "./table";
import { Badge, DetailRow } from "./ui";

const STATE_TONE = { up: "green", down: "red", refused: "amber" } as const;

/** A CMPP channel live: its connections, window, rate against the limit, latency, flow control, reports, queue. */
export function CmppCockpit({ view }: { view: ChannelLiveView }) {
  const t = useTranslations("cockpit");
  const format = useFormatter();
  const number = useNumber();
  const processName = useProcessName(view);
  const up = view.connections.filter((c) => c.state === "up");
  const windowUsed = up.reduce((n, c) => n + c.windowUsed, 0);
  const windowSize = up.reduce((n, c) => n + c.windowSize, 0);
  const ms = (value: number | null) => (value === null ? "—" : number(value, value < 10 ? 1 : 0));
  const at = new Date(view.at);

  return (
    <>
      <dl className="divide-y divide-slate-100">
        <DetailRow label={t("connections")}>
          {t("connectionsUp", { up: number(view.connectionsUp), total: number(view.configuredConnections ?? 0) })}
        </DetailRow>
        <DetailRow label={t("tps")}>{t("tpsValue", { rate: number(view.submitsPerSecond, 1), limit: number(view.tpsLimit ?? 0) })}</DetailRow>
        <DetailRow label={t("windowUse")}>{windowSize > 0 ? t("windowValue", { used: number(windowUsed), size: number(windowSize) }) : "—"}</DetailRow>
        <DetailRow label={t("latency")}>
          {view.latency.samples > 0
            ? t("latencyValue", { p50: ms(view.latency.p50Ms), p99: ms(view.latency.p99Ms), samples: number(view.latency.samples) })
            : t("latencyNone")}
        </DetailRow>
        <DetailRow label={t("flowControl")}>
          {t("flowControlValue", { lastMinute: number(view.flowControl.lastMinute), total: number(view.flowControl.total) })}
        </DetailRow>
        <DetailRow label={t("reports")}>{t("reportsValue", { rate: number(view.reports.perSecond, 1), total: number(view.reports.total) })}</DetailRow>
        <QueueRow view={view} />
      </dl>

      <h3 className="mt-4 mb-2 text-sm font-semibold text-slate-700">{t("connectionsTitle")}</h3>
      {view.connections.length === 0 ? (
        <p className="text-sm text-slate-500">{t("noConnections")}</p>
      ) : (
        <Table caption={t("connectionsCaption")} headers={[t("columns.connection"), t("columns.state"), t("columns.since"), t("columns.lastError"), t("columns.window"), t("columns.process")]}>
          {view.connections.map((c) => (
            <tr key={`${c.processId}-${c.slot}`}>
              <td>{t("connectionName", { number: c.slot + 1 })}</td>
              <td>
                <Badge tone={STATE_TONE[c.state]}>{t(`states.${c.state}`)}</Badge>
              </td>
              <td>
                <time dateTime={c.since} title={format.dateTime(new Date(c.since), { dateStyle: "medium", timeStyle: "medium" })}>
                  {format.relativeTime(new Date(c.since), at)}
                </time>
              </td>
              <td className="wrap-anywhere">{c.lastError ?? "—"}</td>
              <td>{t("windowValue", { used: number(c.windowUsed), size: number(c.windowSize) })}</td>
              <td className="text-slate-500">{processName(c.processId)}</td>
            </tr>
          ))}
        </Table>
      )}
      <p className="mt-3 text-xs text-slate-500">{t("countsSince")}</p>
    </>
  );
}

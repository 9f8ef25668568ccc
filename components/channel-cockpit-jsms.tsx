"use client";

import { useFormatter, useTranslations } from "next-intl";
import type { ChannelLiveView } from "@/lib/messages/live/live-queries";
import { QueueRow, useNumber } from "./channel-cockpit-shared";
import { Table } from "./table";
import { DetailRow } from "./ui";

const CALLBACK_ROWS = ["accepted", "rejected", "malformed", "duplicated", "unmatched"] as const;

/** A JSMS channel live: API calls and their errors by code, callbacks by what became of them, the balance, the queue. */
export function JsmsCockpit({ view }: { view: ChannelLiveView }) {
  const t = useTranslations("cockpit");
  const format = useFormatter();
  const number = useNumber();
  const quota = (value: number | null) => (value === null ? t("notAllocated") : number(value));
  const balance = view.balance;
  const checked = balance ? format.dateTime(new Date(balance.checkedAt), { dateStyle: "medium", timeStyle: "medium" }) : "";

  return (
    <>
      <dl className="divide-y divide-slate-100">
        <DetailRow label={t("balance")}>
          {balance ? (
            <>
              <span className="font-medium">{quota(balance.appBalance)}</span>{" "}
              <span className="text-slate-500">
                {t("balanceParts", { industry: quota(balance.appIndustry), market: quota(balance.appMarket), voice: quota(balance.appVoice) })}
              </span>
              <span className="block text-xs text-slate-500">
                {balance.error ? t("balanceFailed", { code: balance.error, time: checked }) : t("balanceChecked", { time: checked })}
              </span>
            </>
          ) : (
            t("balanceNotYet")
          )}
        </DetailRow>
        <DetailRow label={t("apiCalls")}>{number(view.api.calls)}</DetailRow>
        <QueueRow view={view} />
      </dl>

      <h3 className="mt-4 mb-2 text-sm font-semibold text-slate-700">{t("callbacksTitle")}</h3>
      <dl className="divide-y divide-slate-100">
        {CALLBACK_ROWS.map((result) => (
          <DetailRow key={result} label={t(`callbacks.${result}`)}>
            {number(view.callbacks[result])}
          </DetailRow>
        ))}
      </dl>

      <CodeCounts title={t("apiErrors")} rows={view.api.errors} />
      <CodeCounts title={t("recipientErrors")} rows={view.api.recipientErrors} />
      <p className="mt-3 text-xs text-slate-500">{t("countsSince")}</p>
    </>
  );
}

function CodeCounts({ title, rows }: { title: string; rows: Array<{ code: string; count: number }> }) {
  const t = useTranslations("cockpit");
  const number = useNumber();
  return (
    <>
      <h3 className="mt-4 mb-2 text-sm font-semibold text-slate-700">{title}</h3>
      {rows.length === 0 ? (
        <p className="text-sm text-slate-500">{t("noErrors")}</p>
      ) : (
        <Table caption={title} headers={[t("columns.code"), { label: t("columns.count"), align: "right" }]}>
          {rows.map((row) => (
            <tr key={row.code}>
              <td className="font-mono">{row.code}</td>
              <td className="text-right">{number(row.count)}</td>
            </tr>
          ))}
        </Table>
      )}
    </>
  );
}

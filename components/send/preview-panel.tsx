"use client";

import { useFormatter, useTranslations } from "next-intl";
import type { PreviewResult } from "../messages/api-types";
import { Table } from "../table";
import { Alert, Button, Card } from "../ui";

/** Refused inputs listed on the page; the rest are counted. */
const SHOWN_REJECTED = 100;

/**
 * What the server would do with the form as previewed: how many messages, how many without a
 * number for the channel, the cost in segments, the inputs it refuses. Send is offered only for
 * the form exactly as previewed.
 */
export function PreviewPanel({
  result,
  stale,
  sending,
  onSend,
}: {
  result: PreviewResult;
  stale: boolean;
  sending: boolean;
  onSend: () => void;
}) {
  const t = useTranslations("send");
  const format = useFormatter();
  const rejectedCount = result.rejectedCount ?? result.rejected.length;
  const shown = result.rejected.slice(0, SHOWN_REJECTED);
  const figures: { key: string; label: string; value: number }[] = [
    { key: "recipients", label: t("previewRecipients"), value: result.recipients },
    { key: "without-number", label: t("previewWithoutNumber"), value: result.withoutNumber },
    { key: "segments-per-message", label: t("previewSegmentsPerMessage"), value: result.segmentsPerMessage },
    { key: "segments-total", label: t("previewSegmentsTotal"), value: result.segmentsTotal },
    { key: "rejected", label: t("previewRejected"), value: rejectedCount },
  ];
  return (
    <Card title={t("previewTitle")}>
      <div className="space-y-4">
        {stale ? <Alert tone="warning">{t("previewStale")}</Alert> : null}
        <dl className="grid grid-cols-2 gap-2 text-sm sm:grid-cols-5" aria-label={t("previewFigures")}>
          {figures.map((f) => (
            <div key={f.key} className="rounded bg-slate-50 p-2">
              <dt className="text-xs text-slate-500">{f.label}</dt>
              <dd className="text-lg font-semibold" data-testid={`preview-${f.key}`}>
                {format.number(f.value)}
              </dd>
            </div>
          ))}
        </dl>
        {result.withoutNumber > 0 ? <p className="text-sm text-amber-800">{t("withoutNumberNote", { count: result.withoutNumber })}</p> : null}
        {typeof result.text === "string" ? (
          <figure className="rounded-md border border-slate-200 bg-slate-50 p-3">
            <figcaption className="text-xs font-medium text-slate-500">
              {t("previewText")}
              {result.encoding ? ` · ${t("previewEncoding", { characters: format.number(result.characters), encoding: result.encoding })}` : ""}
            </figcaption>
            <p className="mt-1 whitespace-pre-wrap break-words text-sm" data-testid="preview-text">
              {result.text}
            </p>
          </figure>
        ) : null}
        {shown.length > 0 ? (
          <div>
            <h3 className="mb-1 text-sm font-medium text-slate-700">{t("rejectedTitle")}</h3>
            <Table caption={t("rejectedTitle")} headers={[t("input"), t("reason")]}>
              {shown.map((r, index) => (
                <tr key={`${r.recipient}-${index}`}>
                  <td className="font-mono">{r.recipient}</td>
                  <td>{r.reason}</td>
                </tr>
              ))}
            </Table>
            {rejectedCount > shown.length ? (
              <p className="mt-2 text-xs text-slate-500">{t("andMore", { count: rejectedCount - shown.length })}</p>
            ) : null}
          </div>
        ) : null}
        <div className="flex flex-wrap items-center gap-3">
          <Button disabled={stale || sending || result.recipients === 0} onClick={onSend}>
            {sending ? t("sending") : t("sendButton")}
          </Button>
          <span className="text-sm text-slate-600">
            {result.recipients === 0 ? t("nobodyToSend") : t("sendSummary", { count: result.recipients, segments: result.segmentsTotal })}
          </span>
        </div>
      </div>
    </Card>
  );
}

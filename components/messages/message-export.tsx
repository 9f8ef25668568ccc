"use client";

import { useFormatter, useTranslations } from "next-intl";
import { useEffect, useRef, useState } from "react";
import { apiErrorOf, type ApiErrorBody } from "@/lib/api/client";
import { filterToSearchParams, type ExportFormat, type MessageListFilter } from "@/lib/messages/list/message-list-filter";
import { useAnnounce } from "../live-region";
import { useExplainError } from "../use-messages";
import { Alert, Button } from "../ui";

/**
 * The export of the filtered list: the file is read as a stream here, so the operator sees the
 * rows (CSV) or bytes (.xlsx) arrive against the total the server announces (X-Total-Count), and
 * it is saved when complete. Start, halfway, end and cancel are announced; a failure is an alert.
 */

interface Progress {
  format: ExportFormat;
  rows: number;
  bytes: number;
  total: number | null;
}

type Outcome = { kind: "done"; size: string } | { kind: "cancelled" } | { kind: "failed"; reason: string } | null;

/** Counts CSV records as they arrive: line ends outside quotes (a quoted field may hold one). */
function csvRecordCounter() {
  let quoted = false;
  let records = 0;
  return (chunk: Uint8Array) => {
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i];
      if (byte === 0x22) quoted = !quoted;
      else if (byte === 0x0a && !quoted) records++;
    }
    return records;
  };
}

function fileNameOf(response: Response, format: ExportFormat): string {
  const match = /filename="([^"]+)"/.exec(response.headers.get("content-disposition") ?? "");
  return match?.[1] ?? `messages.${format}`;
}

/** How often the bar is redrawn while bytes arrive. */
const REDRAW_MS = 150;

export function MessageExport({ filter }: { filter: MessageListFilter }) {
  const t = useTranslations("messageExport");
  const format = useFormatter();
  const explain = useExplainError();
  const announce = useAnnounce();
  const [progress, setProgress] = useState<Progress | null>(null);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const running = useRef<AbortController | null>(null);
  useEffect(() => () => running.current?.abort(), []);

  const size = (bytes: number) =>
    bytes >= 1_000_000 ? `${format.number(bytes / 1_000_000, { maximumFractionDigits: 1 })} MB` : `${format.number(Math.ceil(bytes / 1000))} KB`;

  async function start(kind: ExportFormat) {
    const controller = new AbortController();
    running.current = controller;
    setOutcome(null);
    setProgress({ format: kind, rows: 0, bytes: 0, total: null });
    const query = filterToSearchParams(filter);
    query.set("format", kind);
    try {
      const response = await fetch(`/api/v1/messages/export?${query.toString()}`, { credentials: "same-origin", signal: controller.signal });
      if (!response.ok || !response.body) {
        const payload = (await response.json().catch(() => null)) as { error?: ApiErrorBody } | null;
        throw apiErrorOf(response.status, payload?.error, response.statusText);
      }
      const totalHeader = response.headers.get("x-total-count");
      const total = totalHeader === null ? null : Number(totalHeader);
      announce(total === null ? t("startedUnknown") : t("started", { total }));
      const count = kind === "csv" ? csvRecordCounter() : null;
      const chunks: Uint8Array[] = [];
      const reader = response.body.getReader();
      let bytes = 0;
      let rows = 0;
      let drawn = 0;
      let halfway = false;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        bytes += value.length;
        // The header line is a record too.
        if (count) rows = Math.max(0, count(value) - 1);
        if (!halfway && total && rows * 2 >= total) {
          halfway = true;
          announce(t("halfway"));
        }
        if (Date.now() - drawn > REDRAW_MS) {
          drawn = Date.now();
          setProgress({ format: kind, rows, bytes, total });
        }
      }
      const blob = new Blob(chunks as BlobPart[], { type: response.headers.get("content-type") ?? "application/octet-stream" });
      const url = URL.createObjectURL(blob);
      const link = document.createElement("a");
      link.href = url;
      link.download = fileNameOf(response, kind);
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      setProgress(null);
      setOutcome({ kind: "done", size: size(bytes) });
      announce(t("done", { size: size(bytes) }));
    } catch (error) {
      setProgress(null);
      if (controller.signal.aborted) {
        setOutcome({ kind: "cancelled" });
        announce(t("cancelled"));
      } else {
        const reason = error instanceof TypeError ? t("interrupted") : explain(error);
        // Shown as an alert, which is announced as it appears.
        setOutcome({ kind: "failed", reason });
      }
    } finally {
      if (running.current === controller) running.current = null;
    }
  }

  const busy = progress !== null;
  const percent = progress?.total ? Math.min(100, Math.floor((100 * progress.rows) / progress.total)) : null;
  const progressText = progress
    ? [
        progress.format === "csv"
          ? progress.total !== null
            ? t("progressRows", { rows: format.number(progress.rows), total: format.number(progress.total) })
            : t("progressRowsOnly", { rows: format.number(progress.rows) })
          : null,
        t("progressBytes", { size: size(progress.bytes) }),
      ]
        .filter(Boolean)
        .join(" · ")
    : "";

  return (
    <div className="space-y-2">
      <div className="flex flex-wrap items-center gap-2">
        <Button variant="secondary" disabled={busy} onClick={() => void start("csv")}>
          {t("csv")}
        </Button>
        <Button variant="secondary" disabled={busy} onClick={() => void start("xlsx")}>
          {t("xlsx")}
        </Button>
        {busy ? (
          <Button variant="ghost" onClick={() => running.current?.abort()}>
            {t("cancel")}
          </Button>
        ) : null}
      </div>
      <p className="text-xs text-slate-500">{t("hint")}</p>
      {progress ? (
        <div className="flex max-w-xl items-center gap-2">
          <div
            role="progressbar"
            aria-label={t("progressLabel")}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={percent ?? undefined}
            aria-valuetext={progressText}
            className="h-2 w-full min-w-24 overflow-hidden rounded-full bg-slate-200"
          >
            <div className={`h-full bg-brand-600 transition-all ${percent === null ? "w-1/3 animate-pulse" : ""}`} style={percent === null ? undefined : { width: `${percent}%` }} />
          </div>
          <span className="whitespace-nowrap text-xs text-slate-600">{progressText}</span>
        </div>
      ) : null}
      {outcome?.kind === "done" ? <p className="text-sm text-emerald-700">{t("done", { size: outcome.size })}</p> : null}
      {outcome?.kind === "cancelled" ? <p className="text-sm text-slate-600">{t("cancelled")}</p> : null}
      {outcome?.kind === "failed" ? <Alert>{t("failed", { reason: outcome.reason })}</Alert> : null}
    </div>
  );
}

"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useFormatter, useTranslations } from "next-intl";
import { useEffect, useRef, useState, type DragEvent } from "react";
import { ApiError, apiErrorOf, apiFetch, type ApiErrorBody } from "@/lib/api/client";
import type { ImportView } from "@/lib/contacts/import-service";
import { ACCEPTED_FILE_TYPES, useFileChoiceCheck } from "../file-choice";
import { useFailure } from "../use-failure";
import { useExplainError } from "../use-messages";
import { Alert, Button, Card } from "../ui";
import { ImportFailureText } from "./import-failure";

/** Sends the file with XMLHttpRequest, which (unlike fetch) reports upload progress. */
function uploadFile(file: File, dryRun: boolean, onProgress: (share: number) => void): Promise<{ importId: string }> {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    form.append("dryRun", String(dryRun));
    form.append("file", file);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/v1/users/import");
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      const body = (() => {
        try {
          return JSON.parse(xhr.responseText) as { importId?: string; error?: ApiErrorBody };
        } catch {
          return {};
        }
      })();
      if (xhr.status === 202 && body.importId) resolve({ importId: body.importId });
      else reject(apiErrorOf(xhr.status, body.error, xhr.statusText));
    };
    xhr.onerror = () => reject(new ApiError(0, "network", "The upload was interrupted.", [], { key: "importErrors.upload.interrupted" }));
    xhr.send(form);
  });
}

const FINISHED = new Set(["done", "failed", "cancelled"]);

/**
 * A failure before any row was read (a wrong or damaged file, a refused header): no progress or
 * counts to show, only why. A failure midway keeps its counts: the rows before it are written.
 */
export function failedBeforeRows(view: ImportView): boolean {
  return view.status === "failed" && view.processedRows === 0;
}

/** "151 byte", "42 kB", "58.3 MB" in the reader's language. */
function fileSize(bytes: number, number: ReturnType<typeof useFormatter>["number"]): string {
  if (bytes < 1000) return number(bytes, { style: "unit", unit: "byte", unitDisplay: "short" });
  if (bytes < 1_000_000) return number(bytes / 1000, { style: "unit", unit: "kilobyte", unitDisplay: "short", maximumFractionDigits: 0 });
  return number(bytes / 1_000_000, { style: "unit", unit: "megabyte", unitDisplay: "short", maximumFractionDigits: 1 });
}

export function ImportPanel() {
  const t = useTranslations("users");
  const format = useFormatter();
  const queryClient = useQueryClient();
  const input = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const [dryRun, setDryRun] = useState(false);
  const [uploadShare, setUploadShare] = useState<number | null>(null);
  const [importId, setImportId] = useState<string | null>(null);
  const { failure, setFailure, alertRef } = useFailure();
  const [dragging, setDragging] = useState(false);
  const explain = useExplainError();
  const checkChoice = useFileChoiceCheck();

  const job = useQuery({
    queryKey: ["imports", importId],
    queryFn: () => apiFetch<ImportView>(`/api/v1/imports/${importId}`),
    enabled: importId !== null,
    refetchInterval: (query) => (query.state.data && FINISHED.has(query.state.data.status) ? false : 700),
  });
  const current = job.data;
  const finished = current ? FINISHED.has(current.status) : false;
  useEffect(() => {
    if (!finished) return;
    void queryClient.invalidateQueries({ queryKey: ["imports", "history"] });
    // The users the import wrote show up in the list below without a reload.
    void queryClient.invalidateQueries({ queryKey: ["users"] });
  }, [finished, queryClient]);

  async function start() {
    if (!file) return;
    setFailure(null);
    setImportId(null);
    setUploadShare(0);
    try {
      const { importId: id } = await uploadFile(file, dryRun, setUploadShare);
      setImportId(id);
      void queryClient.invalidateQueries({ queryKey: ["imports", "history"] });
    } catch (error) {
      setFailure(explain(error));
    } finally {
      setUploadShare(null);
    }
  }

  /** An empty or plainly wrong file is refused here, before any upload, with a sentence naming it. */
  function choose(chosen: File | undefined) {
    if (!chosen) return setFile(null);
    const refused = checkChoice(chosen);
    setFile(refused ? null : chosen);
    setFailure(refused);
    if (refused) {
      setImportId(null);
      // Choosing the same file again, once fixed, fires a change again.
      if (input.current) input.current.value = "";
    }
  }

  function onDrop(event: DragEvent) {
    event.preventDefault();
    setDragging(false);
    const dropped = event.dataTransfer.files[0];
    if (dropped) choose(dropped);
  }

  const total = current?.totalRows ?? null;
  const done = current?.processedRows ?? 0;
  const percent = current?.status === "done" ? 100 : total ? Math.min(99, Math.floor((100 * done) / Math.max(total, 1))) : null;

  return (
    <Card title={t("uploadTitle")}>
      <div className="space-y-4">
        <p className="text-sm text-slate-600">{t("uploadHelp")}</p>
        <div
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
          className={`rounded-lg border-2 border-dashed p-6 text-center ${dragging ? "border-brand-500 bg-brand-50" : "border-slate-300 bg-slate-50"}`}
        >
          <p className="text-sm text-slate-600">{t("dropHere")}</p>
          {/* The input is hidden (sr-only), so the label shows its keyboard focus. */}
          <label className="mt-2 inline-block cursor-pointer rounded-sm text-sm font-medium text-brand-700 underline focus-within:outline-none focus-within:ring-2 focus-within:ring-brand-500 focus-within:ring-offset-2">
            {t("chooseFile")}
            <input ref={input} type="file" accept={ACCEPTED_FILE_TYPES} className="sr-only" onChange={(e) => choose(e.target.files?.[0])} />
          </label>
          {file ? (
            <p className="mt-2 text-sm" data-testid="chosen-file">
              {t("chosen", { name: file.name, size: fileSize(file.size, format.number) })}
            </p>
          ) : null}
        </div>
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" checked={dryRun} onChange={(e) => setDryRun(e.target.checked)} />
          {t("dryRun")}
        </label>
        <div className="flex gap-2">
          <Button disabled={!file || uploadShare !== null || (current !== undefined && !finished)} onClick={() => void start()}>
            {t("upload")}
          </Button>
          <a className="rounded-md border border-slate-300 bg-white px-3.5 py-2 text-sm font-medium text-slate-800 hover:bg-slate-50" href="/api/v1/users/template.xlsx" download>
            {t("downloadTemplate")}
          </a>
        </div>

        {failure ? <Alert ref={alertRef}>{failure}</Alert> : null}
        {uploadShare !== null ? (
          <div>
            <p className="text-sm">{t("uploading")}</p>
            <progress className="w-full" aria-label={t("uploading")} max={100} value={Math.round(uploadShare * 100)} />
          </div>
        ) : null}

        {current ? (
          <div className="space-y-3 rounded-lg border border-slate-200 p-4" aria-live="polite">
            <div className="flex items-center justify-between">
              <p className="text-sm font-medium">
                {current.fileName} {current.dryRun ? `(${t("dryRunShort")})` : ""}
              </p>
              {!finished ? (
                <Button variant="secondary" onClick={() => void apiFetch(`/api/v1/imports/${current.importId}/cancel`, { method: "POST", body: {} }).then(() => job.refetch())}>
                  {t("cancelImport")}
                </Button>
              ) : null}
            </div>
            {current.status !== "failed" ? (
              <div
                role="progressbar"
                aria-label={t("progressLabel")}
                aria-valuemin={0}
                aria-valuemax={100}
                aria-valuenow={percent ?? undefined}
                aria-valuetext={t("progressText", { done, total: total ?? 0 })}
                className="h-3 w-full overflow-hidden rounded-full bg-slate-200"
              >
                <div className="h-full bg-brand-600 transition-all" style={{ width: `${percent ?? 5}%` }} />
              </div>
            ) : null}
            <p role="status" className="text-sm text-slate-700">
              {t(`status.${current.status}`)}
              {failedBeforeRows(current) ? null : ` · ${t("progressText", { done, total: total ?? 0 })}`}
            </p>
            {finished ? <ImportResult view={current} /> : null}
          </div>
        ) : null}
      </div>
    </Card>
  );
}

export function ImportResult({ view }: { view: ImportView }) {
  const t = useTranslations("users");
  return (
    <div className="space-y-2">
      {view.error || view.errorKey ? (
        <Alert>
          <ImportFailureText view={view} />
        </Alert>
      ) : null}
      {failedBeforeRows(view) ? null : (
        <dl className="grid grid-cols-2 gap-2 text-sm sm:grid-cols-5" aria-label={t("resultLabel")}>
          {(["inserted", "updated", "unchanged", "failedRows", "warnings"] as const).map((k) => (
            <div key={k} className="rounded bg-slate-50 p-2">
              <dt className="text-xs text-slate-500">{t(`counts.${k}`)}</dt>
              <dd className="text-lg font-semibold" data-testid={`count-${k}`}>
                {view[k]}
              </dd>
            </div>
          ))}
        </dl>
      )}
      {view.failedRows + view.warnings > 0 ? (
        <a className="text-sm font-medium text-brand-700 underline" href={`/api/v1/imports/${view.importId}/errors.xlsx`} download>
          {t("downloadErrors")}
        </a>
      ) : null}
    </div>
  );
}

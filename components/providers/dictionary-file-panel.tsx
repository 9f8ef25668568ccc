"use client";

import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { useId, useRef, useState } from "react";
import { apiErrorOf, type ApiError, type ApiErrorBody } from "@/lib/api/client";
import { ACCEPTED_FILE_TYPES, useFileChoiceCheck } from "../file-choice";
import { useAnnounce } from "../live-region";
import { useFailure } from "../use-failure";
import { useExplainError, useFieldMessage } from "../use-messages";
import { Alert, Button, Card } from "../ui";

interface ImportAnswer {
  mode: "replace" | "merge";
  rows: number;
  added: number;
  changed: number;
  removed: number;
  unchanged: number;
}

function counts(answer: ImportAnswer) {
  return { added: answer.added, changed: answer.changed, removed: answer.removed, unchanged: answer.unchanged };
}

const LINK_BUTTON = "rounded-md border border-slate-300 bg-white px-3.5 py-2 text-sm font-medium text-slate-800 shadow-sm hover:bg-slate-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-brand-500";

/** `rows[3].category` → {row: 3, column: "category"}; `header.code` → {column: "code"}. */
function placeOf(path: string): { row?: number; column?: string; header?: boolean } {
  const row = /^rows\[(\d+)\](?:\.(.+))?$/.exec(path);
  if (row) return { row: Number(row[1]), column: row[2] };
  const header = /^header(?:\.(.+))?$/.exec(path);
  if (header) return { header: true, column: header[1] };
  return {};
}

/**
 * Download the dictionary as .xlsx or .csv (everyone), and import one (admins): merge or replace.
 * A refused file lists each problem by row and column; nothing of it was applied.
 */
export function DictionaryFilePanel({ providerId, canEdit }: { providerId: string; canEdit: boolean }) {
  const t = useTranslations("providers.file");
  const router = useRouter();
  const announce = useAnnounce();
  const explain = useExplainError();
  const fieldMessage = useFieldMessage();
  const checkChoice = useFileChoiceCheck();
  const inputId = useId();
  const input = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const [mode, setMode] = useState<"merge" | "replace">("merge");
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<ImportAnswer | null>(null);
  const { failure, setFailure, alertRef } = useFailure<{ title: string; problems: string[] }>();
  const base = `/api/v1/providers/${encodeURIComponent(providerId)}`;

  function problemText(detail: { path: string; message: string }): string {
    const place = placeOf(detail.path);
    const message = fieldMessage(detail.message) ?? detail.message;
    if (place.row !== undefined && place.column) return t("rowProblem", { row: place.row, column: place.column, message });
    if (place.row !== undefined) return t("rowOnly", { row: place.row, message });
    if (place.header) return t("headerProblem", { column: place.column ?? "", message });
    return message;
  }

  function refused(error: ApiError) {
    const rowProblems = error.code === "invalid_dictionary" ? error.details.map(problemText) : [];
    setFailure(
      rowProblems.length > 0
        ? { title: t("problems", { count: rowProblems.length }), problems: rowProblems }
        : { title: explain(error), problems: error.code === "invalid_input" ? error.details.map(problemText) : [] },
    );
  }

  async function start() {
    if (!file) {
      setFailure({ title: t("noFile"), problems: [] });
      return;
    }
    setBusy(true);
    setDone(null);
    setFailure(null);
    try {
      const body = new FormData();
      body.append("mode", mode);
      body.append("file", file);
      const response = await fetch(`${base}/codes/import`, { method: "POST", body, credentials: "same-origin" });
      const payload = (await response.json().catch(() => null)) as (ImportAnswer & { error?: ApiErrorBody }) | null;
      if (!response.ok || !payload) {
        refused(apiErrorOf(response.status, payload?.error, response.statusText));
        return;
      }
      setDone(payload);
      announce(t("done", counts(payload)));
      setFile(null);
      if (input.current) input.current.value = "";
      router.refresh();
    } catch (error) {
      setFailure({ title: explain(error), problems: [] });
    } finally {
      setBusy(false);
    }
  }

  function choose(chosen: File | undefined) {
    setDone(null);
    if (!chosen) return setFile(null);
    const refusal = checkChoice(chosen);
    setFile(refusal ? null : chosen);
    setFailure(refusal ? { title: refusal, problems: [] } : null);
    if (refusal && input.current) input.current.value = "";
  }

  return (
    <Card title={t("title")}>
      <div className="space-y-4">
        <p className="text-sm text-slate-600">{t("help")}</p>
        <div className="flex flex-wrap gap-2">
          <a className={LINK_BUTTON} href={`${base}/codes.xlsx`} download>
            {t("exportXlsx")}
          </a>
          <a className={LINK_BUTTON} href={`${base}/codes.csv`} download>
            {t("exportCsv")}
          </a>
        </div>
        {canEdit ? (
          <div className="space-y-4 border-t border-slate-100 pt-4">
            <div className="space-y-1">
              <label htmlFor={inputId} className="block text-sm font-medium text-slate-700">
                {t("chooseFile")}
              </label>
              <input
                ref={input}
                id={inputId}
                type="file"
                accept={ACCEPTED_FILE_TYPES}
                className="block text-sm"
                onChange={(event) => choose(event.target.files?.[0])}
              />
            </div>
            <fieldset className="space-y-2">
              <legend className="text-sm font-medium text-slate-700">{t("mode")}</legend>
              {(["merge", "replace"] as const).map((option) => (
                <label key={option} className="flex items-center gap-2 text-sm">
                  <input type="radio" name="dictionary-import-mode" value={option} checked={mode === option} onChange={() => setMode(option)} />
                  {t(`modes.${option}`)}
                </label>
              ))}
            </fieldset>
            <Button disabled={busy} onClick={() => void start()}>
              {busy ? t("importing") : t("import")}
            </Button>
            {failure ? (
              <Alert ref={alertRef}>
                <p className="font-medium">{failure.title}</p>
                {failure.problems.length > 0 ? (
                  <ul className="mt-1 list-disc pl-5">
                    {failure.problems.map((problem, index) => (
                      <li key={index}>{problem}</li>
                    ))}
                  </ul>
                ) : null}
              </Alert>
            ) : null}
            {done ? <Alert tone="success">{t("done", counts(done))}</Alert> : null}
          </div>
        ) : null}
      </div>
    </Card>
  );
}

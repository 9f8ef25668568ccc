"use client";

import { useFormatter, useTranslations } from "next-intl";
import { useState } from "react";
import type { UseFormReturn } from "react-hook-form";
import { AUDIENCE_CHOICES, parseRecipientList, type AudienceChoice, type AudienceFile, type ComposeDraft } from "@/lib/messages/compose-input";
import { asReasonTranslator, formatReason } from "@/lib/i18n/reason";
import { ACCEPTED_FILE_TYPES, useFileChoiceCheck } from "../file-choice";
import { useAnnounce } from "../live-region";
import { Table } from "../table";
import { useFailure } from "../use-failure";
import { useExplainError, useFieldMessage } from "../use-messages";
import { Alert, TextAreaField } from "../ui";
import { uploadAudienceFile } from "./upload-audience-file";

/** Refused rows listed on the page; the rest are counted (the file itself has them all). */
const SHOWN_REJECTED_ROWS = 50;

/** Who gets the message: pasted user IDs or phone numbers, a one-column file, or everyone with a number. */
export function AudienceFields({
  form,
  audience,
  userids,
  phones,
  file,
}: {
  form: UseFormReturn<ComposeDraft>;
  audience: AudienceChoice;
  userids: string;
  phones: string;
  file: AudienceFile | null;
}) {
  const t = useTranslations("send");
  const message = useFieldMessage();
  const { errors } = form.formState;
  return (
    <fieldset className="space-y-4">
      <legend className="text-sm font-medium text-slate-700">{t("audience")}</legend>
      <div className="grid gap-2 sm:grid-cols-2">
        {AUDIENCE_CHOICES.map((choice) => (
          // The help line describes the radio rather than naming it, so the name stays short.
          // The card shows the focus ring of its radio (arrow keys move between them, as native radios do).
          <div
            key={choice}
            className={`rounded-lg border p-3 has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-brand-500 has-[:focus-visible]:ring-offset-2 ${audience === choice ? "border-brand-500 bg-brand-50" : "border-slate-200 bg-white"}`}
          >
            <label className="flex cursor-pointer items-center gap-2 text-sm font-medium">
              <input type="radio" value={choice} className="focus:outline-none" aria-describedby={`audience-help-${choice}`} {...form.register("audience")} />
              {t(`audiences.${choice}`)}
            </label>
            <p id={`audience-help-${choice}`} className="mt-1 text-xs text-slate-600">
              {t(`audienceHelp.${choice}`)}
            </p>
          </div>
        ))}
      </div>

      {audience === "userids" ? (
        <TextAreaField
          label={t("useridList")}
          rows={6}
          spellCheck={false}
          hint={t("listHint")}
          error={message(errors.userids?.message)}
          below={<p className="text-sm text-slate-600">{t("useridCount", { count: parseRecipientList(userids).length })}</p>}
          {...form.register("userids")}
        />
      ) : null}
      {audience === "phones" ? (
        <TextAreaField
          label={t("phoneList")}
          rows={6}
          spellCheck={false}
          hint={t("listHint")}
          error={message(errors.phones?.message)}
          below={<p className="text-sm text-slate-600">{t("phoneCount", { count: parseRecipientList(phones).length })}</p>}
          {...form.register("phones")}
        />
      ) : null}
      {audience === "file" ? (
        <AudienceFileField
          file={file}
          error={message(errors.file?.message)}
          onChange={(next) => form.setValue("file", next, { shouldDirty: true, shouldValidate: form.formState.isSubmitted })}
        />
      ) : null}
      {audience === "everyone" ? (
        <p className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900">{t("everyoneWarning")}</p>
      ) : null}
    </fieldset>
  );
}

function AudienceFileField({ file, error, onChange }: { file: AudienceFile | null; error?: string; onChange: (file: AudienceFile | null) => void }) {
  const t = useTranslations("send");
  const format = useFormatter();
  const explain = useExplainError();
  const checkChoice = useFileChoiceCheck();
  const reasons = asReasonTranslator(useTranslations());
  const [uploading, setUploading] = useState(false);
  const { failure, setFailure, alertRef } = useFailure();
  // The reading and its result are said in the page's status region; a failure is an alert that takes the focus.
  const announce = useAnnounce();

  async function choose(chosen: File | undefined) {
    setFailure(null);
    onChange(null);
    if (!chosen) return;
    // An empty or plainly wrong file is refused before it is sent, naming it.
    const refused = checkChoice(chosen);
    if (refused) return setFailure(refused);
    setUploading(true);
    announce(t("fileReading"));
    try {
      const read = await uploadAudienceFile(chosen);
      onChange(read);
      announce(t("fileResult", { name: read.fileName, count: read.values.length, kind: read.kind, rejected: read.rejectedCount }));
    } catch (e) {
      setFailure(explain(e));
    } finally {
      setUploading(false);
    }
  }

  return (
    <div className="space-y-3">
      <div className="space-y-1">
        <label htmlFor="audience-file" className="block text-sm font-medium text-slate-700">
          {t("fileLabel")}
        </label>
        <input
          id="audience-file"
          // The form's name for it: the error summary and server details find the field by name.
          name="file"
          type="file"
          accept={ACCEPTED_FILE_TYPES}
          aria-invalid={Boolean(error)}
          aria-describedby={error && !uploading && !failure ? "audience-file-error audience-file-hint" : "audience-file-hint"}
          className="block text-sm"
          onChange={(e) => void choose(e.target.files?.[0])}
        />
        <p id="audience-file-hint" className="text-xs text-slate-500">
          {t("fileHint")}
        </p>
        <p id="audience-file-error" className="min-h-5 text-sm text-red-700">
          {error && !uploading && !failure ? error : null}
        </p>
      </div>
      {uploading ? <p className="text-sm text-slate-600">{t("fileReading")}</p> : null}
      {failure ? <Alert ref={alertRef}>{failure}</Alert> : null}
      {file ? (
        <div className="space-y-2" data-testid="audience-file-result">
          <p className="text-sm text-slate-700">
            {t("fileResult", {
              name: file.fileName,
              count: file.values.length,
              kind: file.kind,
              rejected: file.rejectedCount,
            })}
          </p>
          {file.rejectedCount > 0 ? (
            <details className="rounded-md border border-slate-200 p-2">
              <summary className="cursor-pointer text-sm font-medium text-slate-700">{t("fileRejectedTitle")}</summary>
              <Table caption={t("fileRejectedTitle")} headers={[t("row"), t("value"), t("reason")]}>
                {file.rejected.slice(0, SHOWN_REJECTED_ROWS).map((r, index) => (
                  <tr key={`${r.row}-${index}`}>
                    <td>{format.number(r.row)}</td>
                    <td className="font-mono">{r.value}</td>
                    <td>{formatReason(reasons, r.reasonKey ? { key: r.reasonKey, params: r.reasonParams } : null, r.reason)}</td>
                  </tr>
                ))}
              </Table>
              {file.rejectedCount > Math.min(file.rejected.length, SHOWN_REJECTED_ROWS) ? (
                <p className="mt-2 text-xs text-slate-500">{t("andMore", { count: file.rejectedCount - Math.min(file.rejected.length, SHOWN_REJECTED_ROWS) })}</p>
              ) : null}
            </details>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}

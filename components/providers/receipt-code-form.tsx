"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useTranslations } from "next-intl";
import { useEffect } from "react";
import { useForm, type Resolver } from "react-hook-form";
import type { ClassifyCodeAction } from "@/lib/providers/action-types";
import type { ReceiptCodeView } from "@/lib/providers/receipt-code-service";
import {
  MAX_CODE_LENGTH,
  OUTCOME_CATEGORIES,
  RECEIPT_OUTCOMES,
  receiptCodeSchema,
  type ReceiptOutcome,
} from "@/lib/providers/receipt-code-schema";
import { ErrorSummary, useFormErrors } from "../form-errors";
import { useFailure } from "../use-failure";
import { useFieldMessage } from "../use-messages";
import { Alert, Button, SelectField, TextAreaField, TextField } from "../ui";

interface FormValues {
  code: string;
  outcome: string;
  category: string;
  description: string;
  descriptionZh: string;
}

/** The category an outcome forces (delivered, not final), or null when the operator chooses. */
function forcedCategory(outcome: string): string | null {
  if (outcome === "delivered") return "delivered";
  if (outcome === "pending") return "unknown";
  return null;
}

/**
 * Adds a code, or edits one (its code then fixed: renaming is a delete and an add). Checked in the
 * browser by the same schema the server uses; saved by the server action, whose field problems
 * land on their fields.
 */
export function ReceiptCodeForm({
  providerId,
  initial,
  save,
  onDone,
}: {
  providerId: string;
  /** The server action that saves (app/actions/receipt-codes.ts), passed down by the page. */
  save: ClassifyCodeAction;
  initial?: ReceiptCodeView;
  /** Called with the saved row, or without one when cancelled. */
  onDone: (saved?: ReceiptCodeView) => void;
}) {
  const t = useTranslations("providers");
  const tm = useTranslations("messages");
  const tc = useTranslations("common");
  const fieldMessage = useFieldMessage();
  const { failure, setFailure, alertRef } = useFailure();
  const form = useForm<FormValues>({
    resolver: zodResolver(receiptCodeSchema) as unknown as Resolver<FormValues>,
    defaultValues: {
      code: initial?.code ?? "",
      outcome: initial?.outcome ?? "failed",
      category: initial?.category ?? "unknown",
      description: initial?.description ?? "",
      descriptionZh: initial?.descriptionZh ?? "",
    },
    mode: "onTouched",
    shouldFocusError: false,
  });
  const { formRef, handleSubmit, showServerDetails, summary } = useFormErrors(form);
  const { errors, isSubmitting } = form.formState;
  const err = (field: keyof FormValues) => fieldMessage(errors[field]?.message);

  useEffect(() => {
    form.setFocus(initial ? "outcome" : "code");
  }, [form, initial]);

  async function onSubmit(values: FormValues) {
    setFailure(null);
    const result = await save({ providerId, ...values });
    if (result.ok) return onDone(result.code);
    const unplaced = showServerDetails(result.fields);
    const known = `errors.${result.error}`;
    setFailure(
      unplaced.length > 0
        ? unplaced.map((detail) => fieldMessage(detail.message) ?? detail.message).join(" ")
        : t.has(known as "errors.forbidden")
          ? t(known as "errors.forbidden")
          : result.error,
    );
  }

  const title = initial ? t("dictionary.editTitle", { code: initial.code }) : t("dictionary.addTitle");
  return (
    <form ref={formRef} noValidate aria-label={title} onSubmit={handleSubmit(onSubmit)} className="space-y-4">
      {failure ? <Alert ref={alertRef}>{failure}</Alert> : null}
      <ErrorSummary summary={summary} headingLevel={3} />
      <div className="grid gap-4 sm:grid-cols-3">
        <TextField
          label={t("dictionary.code")}
          autoComplete="off"
          spellCheck={false}
          maxLength={MAX_CODE_LENGTH + 8}
          readOnly={Boolean(initial)}
          className="font-mono"
          hint={initial ? t("dictionary.codeFixed") : undefined}
          error={err("code")}
          {...form.register("code")}
        />
        <SelectField
          label={t("dictionary.outcome")}
          hint={t("dictionary.outcomeHint")}
          error={err("outcome")}
          {...form.register("outcome", {
            onChange: (event: { target: { value: string } }) => {
              const category = forcedCategory(event.target.value);
              if (category) form.setValue("category", category, { shouldValidate: form.formState.isSubmitted });
              else if (form.getValues("category") === "delivered") form.setValue("category", "unknown");
            },
          })}
        >
          {RECEIPT_OUTCOMES.map((value: ReceiptOutcome) => (
            <option key={value} value={value}>
              {t(`outcomes.${value}`)}
            </option>
          ))}
        </SelectField>
        <SelectField label={t("dictionary.category")} error={err("category")} {...form.register("category")}>
          {OUTCOME_CATEGORIES.map((value) => (
            <option key={value} value={value}>
              {tm(`categories.${value}`)}
            </option>
          ))}
        </SelectField>
      </div>
      <div className="grid gap-4 sm:grid-cols-2">
        <TextAreaField label={t("dictionary.descriptionEn")} rows={2} error={err("description")} {...form.register("description")} />
        <TextAreaField label={t("dictionary.descriptionZh")} rows={2} error={err("descriptionZh")} {...form.register("descriptionZh")} />
      </div>
      <div className="flex flex-wrap gap-3">
        <Button type="submit" disabled={isSubmitting}>
          {isSubmitting ? tc("saving") : t("dictionary.save")}
        </Button>
        <Button variant="secondary" onClick={() => onDone()}>
          {tc("cancel")}
        </Button>
      </div>
    </form>
  );
}

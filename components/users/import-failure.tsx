"use client";

import { useTranslations } from "next-intl";
import type { ImportView } from "@/lib/contacts/import-service";
import { asReasonTranslator, formatReason } from "@/lib/i18n/reason";

/**
 * Why an import failed, in the operator's language: the stored catalogue key and its values, or
 * the stored English for an import from before keys were stored. Header problems come one by one.
 */
export function useImportFailure() {
  const t = asReasonTranslator(useTranslations());
  return (view: ImportView) => ({
    message: formatReason(t, view.errorKey ? { key: view.errorKey, params: view.errorParams } : null, view.error ?? ""),
    details: (view.errorDetails ?? []).map((d) => formatReason(t, { key: d.key, params: d.params }, d.message)),
  });
}

/** The failure's sentence, and its header problems as a list. */
export function ImportFailureText({ view }: { view: ImportView }) {
  const t = useTranslations("importErrors.header");
  const { message, details } = useImportFailure()(view);
  return (
    <>
      <p data-testid="import-failure">{message}</p>
      {details.length > 0 ? (
        <ul className="mt-2 list-disc space-y-1 pl-5" aria-label={t("problemsLabel")}>
          {details.map((detail, index) => (
            <li key={index}>{detail}</li>
          ))}
        </ul>
      ) : null}
    </>
  );
}

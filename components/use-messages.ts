"use client";

import { useFormatter, useTranslations } from "next-intl";
import { ApiError } from "@/lib/api/client";
import { asReasonTranslator, formatReason } from "@/lib/i18n/reason";

/** Dates as the operator's locale writes them. */
export function useDateTime() {
  const format = useFormatter();
  return (iso: string) => format.dateTime(new Date(iso), { dateStyle: "medium", timeStyle: "short" });
}

/**
 * An error as a sentence in the operator's language, when the catalogue knows its code: an
 * ApiError from a route handler, or the bare code a server action returns.
 */
export function useExplainError() {
  const t = useTranslations();
  const known = (code: string, otherwise: string) => (t.has(`apiErrors.${code}`) ? t(`apiErrors.${code}`) : otherwise);
  // An answer that names its exact sentence (messageKey) is said with its particulars; else by its code.
  const explainApi = (error: ApiError) => formatReason(asReasonTranslator(t), error.reason, known(error.code, error.message));
  return (error: unknown) => (error instanceof ApiError ? explainApi(error) : typeof error === "string" ? known(error, error) : String(error));
}

/**
 * A field's error message: zod schemas carry catalogue keys ("errors.port_range"), the server may
 * send a sentence already translated; either way the operator reads their language.
 */
export function useFieldMessage() {
  const t = useTranslations();
  return (message?: string) => (message ? (t.has(message) ? t(message) : message) : undefined);
}

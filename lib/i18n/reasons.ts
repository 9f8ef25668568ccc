import { createTranslator } from "next-intl";
import type { Locale } from "./locales";
import { loadMessages } from "./messages";
import { asReasonTranslator, formatReason, type Reason } from "./reason";

/**
 * The server's translator for stored reasons (the error report, anything written in the
 * operator's language). Made once per use and reused: an error report translates up to 100,000.
 */
export function reasonTranslator(locale: Locale): (reason: Reason | null | undefined, fallback?: string) => string {
  const translate = asReasonTranslator(createTranslator({ locale, messages: loadMessages(locale) }));
  return (reason, fallback = "") => formatReason(translate, reason, fallback);
}

import { createTranslator } from "next-intl";
import type { Locale } from "./locales";
import { loadMessages } from "./messages";
import { formatReason, type Reason, type ReasonTranslator } from "./reason";

/**
 * The server's translator for stored reasons (the error report, anything written in the
 * operator's language). Made once per use and reused: an error report translates up to 100,000.
 */
export function reasonTranslator(locale: Locale): (reason: Reason | null | undefined, fallback?: string) => string {
  const t = createTranslator({ locale, messages: loadMessages(locale) });
  const translate = ((key: string, values?: Record<string, string | number>) => t(key as never, values as never)) as ReasonTranslator;
  translate.has = (key: string) => t.has(key as never);
  return (reason, fallback = "") => formatReason(translate, reason, fallback);
}

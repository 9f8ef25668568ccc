import { createTranslator } from "next-intl";
import en from "./messages/en.json";
import zhCN from "./messages/zh-CN.json";
import type { Locale } from "./locales";

export type Messages = typeof en;

const catalogues: Record<Locale, Messages> = { en, "zh-CN": zhCN };

export function loadMessages(locale: Locale): Messages {
  return catalogues[locale];
}

/**
 * Turns a catalogue key carried by a validation error ("errors.port_range") into a sentence.
 * The REST API answers in English; anything that is not a known key is passed through as is.
 */
export function translateMessage(message: string, locale: Locale = "en"): string {
  if (!/^[a-z_]+(\.[a-z_]+)+$/i.test(message)) return message;
  const t = createTranslator({ locale, messages: catalogues[locale] });
  return t.has(message as never) ? t(message as never) : message;
}

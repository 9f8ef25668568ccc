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
  if (!/^[a-z_]+(\.[a-z_]+)+$/i.test(message) || !isCatalogueSentence(catalogues[locale], message)) return message;
  return createTranslator({ locale, messages: catalogues[locale] })(message as never);
}

/** Own keys down to a string: the translator's own lookup finds "constructor.name" on Object's prototype. */
function isCatalogueSentence(catalogue: unknown, key: string): boolean {
  let node = catalogue;
  for (const part of key.split(".")) {
    if (typeof node !== "object" || node === null || !Object.hasOwn(node, part)) return false;
    node = (node as Record<string, unknown>)[part];
  }
  return typeof node === "string";
}

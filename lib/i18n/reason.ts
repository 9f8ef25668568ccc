/**
 * A sentence stored or sent as data, so each reader sees it in their own language: a catalogue
 * key and the values it takes. A value may itself be a reason (the "detail" of a damaged
 * workbook), translated first. Plain JSON: it crosses the reader thread by structured clone, is
 * stored in jsonb columns and travels in REST answers. Browser-safe: no catalogue is imported
 * here, the caller passes its translator (useTranslations, or the server's, lib/i18n/reasons.ts).
 */
export type ReasonValue = string | number | Reason;
export type ReasonParams = Record<string, ReasonValue>;

export interface Reason {
  key: string;
  params?: ReasonParams;
}

/** What next-intl's `t` offers that this needs, with keys as plain strings. */
export interface ReasonTranslator {
  (key: string, values?: Record<string, string | number>): string;
  has(key: string): boolean;
}

export function isReason(value: unknown): value is Reason {
  return typeof value === "object" && value !== null && typeof (value as Reason).key === "string";
}

/**
 * The reason in the translator's language; `fallback` (the stored English sentence) when there is
 * no key (rows written before keys were stored) or the catalogue does not know it.
 */
export function formatReason(t: ReasonTranslator, reason: Reason | null | undefined, fallback = ""): string {
  if (!reason || !t.has(reason.key)) return fallback;
  const values: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(reason.params ?? {})) {
    values[name] = isReason(value) ? formatReason(t, value, value.key) : value;
  }
  return t(reason.key, values);
}

/** Adapts next-intl's typed `t` (keys checked against the catalogue type) to string keys. */
export function asReasonTranslator(t: { (key: never, values?: never): string; has(key: never): boolean }): ReasonTranslator {
  const translate = ((key: string, values?: Record<string, string | number>) => t(key as never, values as never)) as ReasonTranslator;
  translate.has = (key: string) => t.has(key as never);
  return translate;
}

import type en from "@/lib/i18n/messages/en.json";
import type { Reason, ReasonParams } from "@/lib/i18n/reason";

/**
 * The catalogue keys an import problem can name (`importErrors.*` in lib/i18n/messages), checked
 * by the compiler against the English catalogue; lib/i18n/catalogue.test.ts keeps the Chinese one
 * in step. Type-only: nothing of the catalogue is loaded here (the reader thread uses this too).
 */
type Leaves<T, Prefix extends string = ""> = {
  [K in keyof T & string]: T[K] extends string ? `${Prefix}${K}` : Leaves<T[K], `${Prefix}${K}.`>;
}[keyof T & string];

export type ImportReasonKey = `importErrors.${Leaves<(typeof en)["importErrors"]>}`;

export interface ImportReason extends Reason {
  key: ImportReasonKey;
}

export function importReason(key: ImportReasonKey, params?: ReasonParams): ImportReason {
  return params ? { key, params } : { key };
}

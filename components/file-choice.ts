"use client";

import { useTranslations } from "next-intl";
import { refusedChoice, type ChosenFile } from "@/lib/contacts/file-choice";
import { asReasonTranslator, formatReason } from "@/lib/i18n/reason";

export { ACCEPTED_FILE_TYPES } from "@/lib/contacts/file-choice";

/**
 * The browser's check of a chosen file (lib/contacts/file-choice.ts) as a sentence in the
 * operator's language naming the file, or null when the file may be uploaded. One check for
 * every file chooser of the console: the users import and the send page's audience file.
 */
export function useFileChoiceCheck(): (file: ChosenFile) => string | null {
  const t = asReasonTranslator(useTranslations());
  return (file) => {
    const refused = refusedChoice(file);
    return refused ? formatReason(t, refused, refused.key) : null;
  };
}

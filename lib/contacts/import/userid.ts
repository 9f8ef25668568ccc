import type { ImportReasonKey } from "@/lib/contacts/import-reason";
import type { ReasonParams } from "@/lib/i18n/reason";

/**
 * The userid rule of the file import: trimmed, 1–64 characters (code points, so a Chinese or emoji
 * userid counts as the user sees it), and no control characters, which would be invisible in the
 * console and break the error report.
 */
export type UseridResult =
  | { ok: true; userid: string }
  /** `reason` in English (REST); `reasonKey` and `reasonParams` say the same through the catalogue. */
  | { ok: false; reason: string; reasonKey: ImportReasonKey; reasonParams?: ReasonParams };

export const MAX_USERID_LENGTH = 64;

/** C0 and C1 controls, DEL, and the Unicode line and paragraph separators. */
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029) return true;
  }
  return false;
}

export function validateUserid(raw: string): UseridResult {
  const userid = raw.trim();
  if (userid === "") return { ok: false, reason: "The userid is empty.", reasonKey: "importErrors.userid.empty" };
  // Code points are counted only when the UTF-16 length could be over the limit.
  if (userid.length > MAX_USERID_LENGTH && [...userid].length > MAX_USERID_LENGTH) {
    return {
      ok: false,
      reason: `The userid is longer than ${MAX_USERID_LENGTH} characters.`,
      reasonKey: "importErrors.userid.tooLong",
      reasonParams: { max: MAX_USERID_LENGTH },
    };
  }
  if (hasControlCharacter(userid)) {
    return { ok: false, reason: "The userid contains a control character (such as a line break or tab).", reasonKey: "importErrors.userid.control" };
  }
  return { ok: true, userid };
}

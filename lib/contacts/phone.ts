import type { ImportReasonKey } from "@/lib/contacts/import-reason";
import type { ReasonParams } from "@/lib/i18n/reason";

/**
 * Phone-number rules shared by the file import and the UMS JSON upsert, so a number is accepted
 * or refused the same way whichever door it comes through.
 *
 * - A mainland mobile is 11 digits, `1` then 3–9; it is stored bare (`13800138000`), with any
 *   `+86` / `86` / `0086` prefix removed.
 * - Any other number must be international E.164: `+`, a country code that does not start with 0,
 *   8–15 digits in all; `00` in front is read as `+`. It is stored as `+digits`.
 * - Spaces, dashes and parentheses are decoration and removed; full-width digits and signs (typed
 *   with a Chinese IME) count as their ASCII forms.
 * - Digits alone that are not a mainland mobile are refused rather than guessed at: `447911123456`
 *   could be a UK number or a typo, and a wrong guess sends someone else's SMS.
 */
export type PhoneResult = { ok: true; phone: string } | PhoneRefusal;

/** `reason` in English (REST, UMS upsert); `reasonKey` and `reasonParams` say the same through the catalogue. */
export interface PhoneRefusal {
  ok: false;
  reason: string;
  reasonKey: ImportReasonKey;
  reasonParams?: ReasonParams;
}

function refuse(reason: string, reasonKey: ImportReasonKey, reasonParams?: ReasonParams): PhoneRefusal {
  return reasonParams ? { ok: false, reason, reasonKey, reasonParams } : { ok: false, reason, reasonKey };
}

/** Largest integer a JS number holds exactly; a bigger "number" has already lost digits. */
const MAX_EXACT_INTEGER = Number.MAX_SAFE_INTEGER;

// Spaces of every kind, ASCII and Unicode dashes, ASCII and full-width parentheses.
const DECORATION = /[\s\u00a0\u3000\-\u2010-\u2015\u2212\ufe58\ufe63\uff0d()\uff08\uff09]/g;
const MAINLAND_MOBILE = /^1[3-9]\d{9}$/;
const E164 = /^\+[1-9]\d{7,14}$/;

export function normalizePhone(raw: string | number): PhoneResult {
  // The common case, a bare mainland mobile, without the general machinery: imports run this millions of times.
  if (typeof raw === "string" && raw.length === 11 && MAINLAND_MOBILE.test(raw)) return { ok: true, phone: raw };
  let text: string;
  if (typeof raw === "number") {
    if (!Number.isFinite(raw)) return refuse("The phone number is not a finite number.", "importErrors.phone.notFinite");
    if (!Number.isInteger(raw) || raw < 0) {
      return refuse(`${raw} is not a phone number: it is not a whole, positive number.`, "importErrors.phone.notWhole", { value: String(raw) });
    }
    if (raw > MAX_EXACT_INTEGER) {
      return refuse("The phone number is too large to have been stored exactly as a number; send it as text.", "importErrors.phone.tooLarge");
    }
    // Safe integers print without an exponent, so this is exact.
    text = String(raw);
  } else if (typeof raw === "string") {
    text = raw;
  } else {
    return refuse("The phone number must be text or a number.", "importErrors.phone.wrongType");
  }

  const trimmed = text.trim();
  if (trimmed === "") return refuse("The phone number is empty.", "importErrors.phone.empty");
  // Quoted in reasons: cut, so a reason never carries a huge cell (the value is reported beside it).
  const given = trimmed.length > 40 ? `${trimmed.slice(0, 40)}…` : trimmed;
  // NFKC turns full-width digits and ＋ into ASCII; only then are the decorations stripped.
  const compact = trimmed.normalize("NFKC").replace(DECORATION, "");

  let international = false;
  let digits: string;
  if (compact.startsWith("+")) {
    international = true;
    digits = compact.slice(1);
  } else if (compact.startsWith("00")) {
    international = true;
    digits = compact.slice(2);
  } else {
    digits = compact;
  }
  if (digits === "") return refuse(`"${given}" has no digits.`, "importErrors.phone.noDigits", { given });
  if (!/^\d+$/.test(digits)) {
    const bad = [...digits].find((c) => !/\d/.test(c)) ?? "";
    return refuse(
      `"${given}" is not a phone number: it contains "${bad}", and only digits, a leading +, spaces, dashes and parentheses are allowed.`,
      "importErrors.phone.badCharacter",
      { given, bad },
    );
  }

  if (international) {
    if (digits.startsWith("86") && MAINLAND_MOBILE.test(digits.slice(2))) return { ok: true, phone: digits.slice(2) };
    if (E164.test(`+${digits}`)) return { ok: true, phone: `+${digits}` };
    if (digits.startsWith("0")) {
      return refuse(`"${given}" is not a valid international number: a country code never starts with 0.`, "importErrors.phone.countryCodeZero", { given });
    }
    return refuse(
      `"${given}" is not a valid international number: after the + it must have 8 to 15 digits (it has ${digits.length}).`,
      "importErrors.phone.internationalLength",
      { given, count: digits.length },
    );
  }

  if (MAINLAND_MOBILE.test(digits)) return { ok: true, phone: digits };
  if (digits.length === 13 && digits.startsWith("86") && MAINLAND_MOBILE.test(digits.slice(2))) return { ok: true, phone: digits.slice(2) };
  if (digits.length === 11 && digits.startsWith("1")) {
    return refuse(`"${given}" is not a mainland mobile number: the second digit must be 3 to 9.`, "importErrors.phone.secondDigit", { given });
  }
  return refuse(
    `"${given}" is not a mainland mobile number (11 digits starting with 13–19); write an international number with + and its country code.`,
    "importErrors.phone.notMainland",
    { given },
  );
}

/** What a header of an import file binds: the userid column, or a phone column for a bind id. */
export type BindingHeader = { kind: "userid" } | { kind: "phone"; bindId: string };

// `phone`, `phone:KEY`, `phone.KEY`, `phone(KEY)`; the Chinese 手机号 likewise.
const PHONE_HEADER = /^(?:phone|手机号|手机号码)(?:\s*[:.]\s*([^\s()]+)|\s*\(\s*([^\s()]+)\s*\))?$/i;
const USERID_HEADER = /^(?:userid|用户id)$/i;

/**
 * Reads an import file's column header. Latin names are case-insensitive, full-width forms
 * (`：（）．`, typed with a Chinese IME) count as their ASCII forms, and 手机号码 is taken for
 * 手机号. `phone` and `phone:all` bind "all"; `phone:KEY` binds channelKey KEY as written (whether
 * it exists is the caller's question). Anything else is null: an unknown header.
 */
export function parseBindingHeader(header: string): BindingHeader | null {
  // NFKC turns the full-width forms a Chinese IME types (：（）．, ＩＤ, ｐｈｏｎｅ) into ASCII.
  const text = header.normalize("NFKC").trim();
  if (USERID_HEADER.test(text)) return { kind: "userid" };
  const match = PHONE_HEADER.exec(text);
  if (!match) return null;
  const key = match[1] ?? match[2];
  if (key === undefined || key.toLowerCase() === "all") return { kind: "phone", bindId: "all" };
  return { kind: "phone", bindId: key };
}

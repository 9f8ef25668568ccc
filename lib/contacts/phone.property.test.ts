/**
 * The phone normaliser fed any text a spreadsheet cell or a JSON body can hold: arbitrary
 * unicode, digits of other scripts, full-width forms, decorations, huge values, and numbers. It
 * answers a mainland mobile or an E.164 number, or a refusal with a catalogue reason; its own
 * output normalises to itself. It never throws.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import en from "@/lib/i18n/messages/en.json";
import zh from "@/lib/i18n/messages/zh-CN.json";
import { normalizePhone } from "./phone";

const VALID = /^(?:1[3-9]\d{9}|\+[1-9]\d{7,14})$/;
const PHONE_REASONS = new Set(Object.keys(en.importErrors.phone).map((k) => `importErrors.phone.${k}`));

/** Characters that look like or sit around phone numbers: ASCII and full-width digits and signs, other scripts' digits, spaces, marks. */
const phoneish = fc.constantFrom(
  ..."0123456789+-() ",
  ..."０１２３４５６７８９＋－（）", // full-width
  ..."٠١٢٣٤٥٦٧٨٩", // Arabic-Indic digits
  ..."०१२३४५६७८९", // Devanagari digits
  "\u00a0", "\u3000", "\u2013", "\u2212", "\ufe63", "\u200b", "\u200e", "\u202e", "\ufeff", "\u0301", "\t", "\n", ".", "/", "#", "*", "x", "e",
  "\ud83d\ude00", "\ud800", "\udfff", "①", "²", "𝟏", "Ⅷ",
);

const raw = fc.oneof(
  fc.string({ unit: phoneish, maxLength: 30 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme-composite", maxLength: 20 }),
  fc.tuple(fc.constantFrom("", "+", "00", "+86", "0086", "86", "＋８６"), fc.stringMatching(/^[0-9]{0,17}$/), fc.string({ unit: phoneish, maxLength: 4 })).map(
    ([prefix, digits, tail]) => `${prefix}${digits}${tail}`,
  ),
  fc.integer({ min: 10, max: 20_000 }).map((n) => "1".repeat(n)),
  fc.integer({ min: 10, max: 20_000 }).map((n) => `+${"８".repeat(n)}`),
);
const numeric = fc.oneof(fc.double(), fc.integer(), fc.maxSafeNat(), fc.constantFrom(13800138000, 8613800138000, -13800138000, 1.38e10, 2 ** 53, 2 ** 64, Number.NaN, Infinity));

function checked(input: string | number) {
  const result = normalizePhone(input);
  if (result.ok) {
    expect(result.phone, JSON.stringify(input)).toMatch(VALID);
  } else {
    expect(PHONE_REASONS.has(result.reasonKey), result.reasonKey).toBe(true);
    expect(result.reason.length).toBeGreaterThan(0);
    // A reason quotes at most 40 characters of the value, however long the cell.
    expect(result.reason.length).toBeLessThan(400);
    for (const value of Object.values(result.reasonParams ?? {})) expect(String(value).length).toBeLessThan(60);
  }
  return result;
}

describe("phone normaliser under arbitrary input", () => {
  it("answers a valid number or a catalogue reason for any text, and its output normalises to itself", () => {
    let accepted = 0;
    fc.assert(
      fc.property(raw, (input) => {
        const result = checked(input);
        if (!result.ok) return;
        accepted++;
        expect(normalizePhone(result.phone), `${JSON.stringify(input)} → ${result.phone}`).toEqual(result);
      }),
      { numRuns: 3000 },
    );
    // The generators reach both sides; a property that only ever refuses proves little.
    expect(accepted).toBeGreaterThan(50);
    console.log(`phone normaliser: 3000 texts, ${accepted} accepted`);
  });

  it("answers the same for a number and for the text a spreadsheet would show of it", () => {
    fc.assert(
      fc.property(numeric, (n) => {
        const result = checked(n);
        if (Number.isSafeInteger(n) && n >= 0) expect(normalizePhone(String(n))).toEqual(result);
        if (result.ok) expect(normalizePhone(result.phone)).toEqual(result);
      }),
      { numRuns: 2000 },
    );
  });

  it("refuses what is not text or a number with the wrong-type reason, never a throw", () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        fc.pre(typeof value !== "string" && typeof value !== "number");
        const result = normalizePhone(value as string);
        expect(result).toMatchObject({ ok: false, reasonKey: "importErrors.phone.wrongType" });
      }),
      { numRuns: 500 },
    );
  });

  it("has every reason it gives in both catalogues", () => {
    for (const key of PHONE_REASONS) {
      const name = key.split(".").pop() as keyof typeof zh.importErrors.phone;
      expect(zh.importErrors.phone[name], key).toEqual(expect.any(String));
    }
  });
});

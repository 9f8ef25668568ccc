import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normalizePhone, parseBindingHeader } from "./phone";

function accepted(raw: string | number): string {
  const result = normalizePhone(raw);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(raw)} to be accepted: ${result.reason}`);
  return result.phone;
}

function refused(raw: string | number): string {
  const result = normalizePhone(raw);
  if (result.ok) throw new Error(`expected ${JSON.stringify(raw)} to be refused, got ${result.phone}`);
  return result.reason;
}

describe("normalizePhone", () => {
  it("keeps a bare mainland mobile", () => {
    expect(accepted("13800138000")).toBe("13800138000");
    expect(accepted("19912345678")).toBe("19912345678");
  });

  it("removes +86, 86 and 0086 in front of a mainland mobile", () => {
    expect(accepted("+8613800138000")).toBe("13800138000");
    expect(accepted("8613800138000")).toBe("13800138000");
    expect(accepted("008613800138000")).toBe("13800138000");
    expect(accepted("+86 138 0013 8000")).toBe("13800138000");
  });

  it("removes spaces, dashes and parentheses, including full-width ones", () => {
    expect(accepted(" 138-0013-8000 ")).toBe("13800138000");
    expect(accepted("(+86) 138 0013 8000")).toBe("13800138000");
    expect(accepted("１３８００１３８０００")).toBe("13800138000");
    expect(accepted("＋86（138）0013\u30008000")).toBe("13800138000");
    expect(accepted("138\u20130013\u20148000")).toBe("13800138000");
  });

  it("reads numbers exactly, as spreadsheets and JSON send them", () => {
    expect(accepted(13800138000)).toBe("13800138000");
    expect(accepted(1.3800138e10)).toBe("13800138000");
    expect(accepted(8613800138000)).toBe("13800138000");
    expect(refused(13800138000.5)).toMatch(/whole/);
    expect(refused(-13800138000)).toMatch(/whole, positive/);
    expect(refused(Number.NaN)).toMatch(/finite/);
    expect(refused(2 ** 60)).toMatch(/as text/);
  });

  it("keeps other international numbers in E.164 form", () => {
    expect(accepted("+44 7911 123456")).toBe("+447911123456");
    expect(accepted("0044 7911 123456")).toBe("+447911123456");
    expect(accepted("+1 (415) 555-2671")).toBe("+14155552671");
    // +86 that is not a mobile (a Beijing landline) is still a valid E.164 number.
    expect(accepted("+86 10 6552 9988")).toBe("+861065529988");
  });

  it("refuses what is not a phone number, saying why", () => {
    expect(refused("")).toMatch(/empty/);
    expect(refused("   ")).toMatch(/empty/);
    expect(refused("12345")).toMatch(/not a mainland mobile/);
    expect(refused("12800138000")).toMatch(/second digit must be 3 to 9/);
    expect(refused("1380013800")).toMatch(/not a mainland mobile/);
    expect(refused("138001380001")).toMatch(/not a mainland mobile/);
    expect(refused("447911123456")).toMatch(/\+ and its country code/);
    expect(refused("+0123456789")).toMatch(/country code never starts with 0/);
    expect(refused("+1234567")).toMatch(/8 to 15 digits \(it has 7\)/);
    expect(refused("+1234567890123456")).toMatch(/8 to 15 digits \(it has 16\)/);
    expect(refused("138.0013.8000")).toMatch(/contains "\."/);
    expect(refused("138x0013x8000")).toMatch(/contains "x"/);
    expect(refused("-")).toMatch(/no digits/);
    expect(refused("+")).toMatch(/no digits/);
  });

  it("never quotes a huge value in full in its reason", () => {
    expect(refused("9".repeat(5000)).length).toBeLessThan(300);
  });

  describe("properties", () => {
    const mobile = fc.tuple(fc.constantFrom(..."3456789"), fc.stringMatching(/^\d{9}$/)).map(([second, rest]) => `1${second}${rest}`);

    it("accepts every mainland mobile, with any prefix and decoration, as the bare 11 digits", () => {
      const prefix = fc.constantFrom("", "+86", "86", "0086", "+86 ", "(+86)", "＋86");
      const gap = fc.constantFrom("", " ", "-", "\u3000", "\u2013");
      fc.assert(
        fc.property(mobile, prefix, gap, (digits, p, g) => {
          const written = `${p}${digits.slice(0, 3)}${g}${digits.slice(3, 7)}${g}${digits.slice(7)}`;
          expect(normalizePhone(written)).toEqual({ ok: true, phone: digits });
        }),
      );
    });

    it("gives the same answer for a number and for its digits as text", () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (n) => {
          expect(normalizePhone(n)).toEqual(normalizePhone(String(n)));
        }),
      );
    });

    it("is idempotent: a normalised number normalises to itself", () => {
      fc.assert(
        fc.property(fc.string({ unit: fc.constantFrom(..."0123456789+-() 　８６"), maxLength: 24 }), (raw) => {
          const once = normalizePhone(raw);
          if (once.ok) expect(normalizePhone(once.phone)).toEqual(once);
        }),
      );
    });

    it("only ever returns a mainland mobile or an E.164 number, and a reason otherwise", () => {
      fc.assert(
        fc.property(fc.oneof(fc.string({ maxLength: 30 }), fc.stringMatching(/^\+?[\d -]{0,20}$/)), (raw) => {
          const result = normalizePhone(raw);
          if (result.ok) expect(result.phone).toMatch(/^(1[3-9]\d{9}|\+[1-9]\d{7,14})$/);
          else expect(result.reason).toMatch(/[.]$/);
        }),
      );
    });
  });
});

describe("parseBindingHeader", () => {
  it("reads userid and its Chinese alias, in any case", () => {
    for (const header of ["userid", "UserID", " USERID ", "用户ID", "用户id", "用户ＩＤ", "ｕｓｅｒｉｄ"]) expect(parseBindingHeader(header)).toEqual({ kind: "userid" });
  });

  it("binds phone and 手机号 to all channels", () => {
    for (const header of ["phone", "Phone", "PHONE", "手机号", "手机号码", "phone:all", "phone(ALL)"]) {
      expect(parseBindingHeader(header)).toEqual({ kind: "phone", bindId: "all" });
    }
  });

  it("binds phone:KEY, phone.KEY and phone(KEY) to channel KEY, keeping the key as written", () => {
    for (const header of ["phone:ab12", "phone.ab12", "phone(ab12)", "Phone : ab12", "phone ( ab12 )", "手机号:ab12", "手机号：ab12", "手机号（ab12）", "phone．ab12", "ｐｈｏｎｅ：ａｂ１２"]) {
      expect(parseBindingHeader(header)).toEqual({ kind: "phone", bindId: "ab12" });
    }
    expect(parseBindingHeader("phone:AB12")).toEqual({ kind: "phone", bindId: "AB12" });
  });

  it("returns null for anything else", () => {
    for (const header of ["phnoe:abc", "mobile", "user id", "phone:", "phone()", "phone:a b", "phone(abc", "userid2", "email", ""]) {
      expect(parseBindingHeader(header)).toBeNull();
    }
  });
});

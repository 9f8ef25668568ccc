import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { validateUserid } from "./userid";
import { UseridRegistry } from "./userid-registry";

describe("UseridRegistry", () => {
  it("answers exactly as a Map of last rows would", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 4 }), { maxLength: 300 }), (userids) => {
        const registry = new UseridRegistry();
        const map = new Map<string, number>();
        userids.forEach((userid, i) => {
          const row = i + 2;
          expect(registry.remember(userid, row)).toBe(map.get(userid));
          map.set(userid, row);
        });
        expect(registry.size).toBe(map.size);
      }),
    );
  });

  it("tells apart 300,000 distinct userids (through several table growths)", () => {
    const registry = new UseridRegistry();
    let repeats = 0;
    for (let i = 0; i < 300_000; i++) if (registry.remember(`user${i}`, i + 2) !== undefined) repeats++;
    expect(repeats).toBe(0);
    expect(registry.remember("user123456", 1_000_000)).toBe(123_458);
  });
});

describe("validateUserid", () => {
  it("trims and accepts 1 to 64 characters, counting a Chinese or emoji character as one", () => {
    expect(validateUserid("  u1 ")).toEqual({ ok: true, userid: "u1" });
    expect(validateUserid("张".repeat(64))).toEqual({ ok: true, userid: "张".repeat(64) });
    expect(validateUserid("😀".repeat(64)).ok).toBe(true);
    expect(validateUserid("a".repeat(65))).toEqual({
      ok: false,
      reason: "The userid is longer than 64 characters.",
      reasonKey: "importErrors.userid.tooLong",
      reasonParams: { max: 64 },
    });
    expect(validateUserid(" ")).toEqual({ ok: false, reason: "The userid is empty.", reasonKey: "importErrors.userid.empty" });
  });

  it("refuses control characters", () => {
    for (const bad of ["a\tb", "a\u0000", "a\u007fb", "a\u0085b", "a\u2028b"]) expect(validateUserid(bad).ok).toBe(false);
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { columnIndex, columnLetter, exactDecimal } from "./cells";

describe("exactDecimal", () => {
  it.each([
    ["13800138000", "13800138000"],
    ["1.38001380000E+10", "13800138000"],
    ["1.3800138E10", "13800138000"],
    ["8.613800138e12", "8613800138000"],
    ["123456789012345678901234567890", "123456789012345678901234567890"],
    ["12.50", "12.5"],
    ["-2.5E-3", "-0.0025"],
    ["0.000", "0"],
    ["-0", "0"],
    ["007", "7"],
    [".5", "0.5"],
  ])("writes %s as %s", (input, output) => {
    expect(exactDecimal(input)).toBe(output);
  });

  it("returns null for what is not a number", () => {
    for (const input of ["", "e5", "1.2.3", "abc", "1E999999", "--1", "."]) expect(exactDecimal(input)).toBeNull();
  });

  it("agrees with JavaScript for every integer a double holds exactly, in any notation", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (n) => {
        expect(exactDecimal(n.toExponential())).toBe(String(n));
        expect(exactDecimal(String(n))).toBe(String(n));
      }),
    );
  });
});

describe("column letters", () => {
  it("round-trips every Excel column", () => {
    expect(columnLetter(0)).toBe("A");
    expect(columnLetter(25)).toBe("Z");
    expect(columnLetter(26)).toBe("AA");
    expect(columnLetter(16_383)).toBe("XFD");
    for (let i = 0; i < 16_384; i++) expect(columnIndex(columnLetter(i))).toBe(i);
    expect(columnIndex("A1")).toBe(-1);
  });
});

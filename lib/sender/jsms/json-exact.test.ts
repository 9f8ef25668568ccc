import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { JsonSyntaxError, parseJsonExact } from "@/lib/sender/jsms/json-exact";

/** Integer-valued doubles beyond 2^53 print as integer literals, which the parser keeps as bigints. */
function hasOnlySafeIntegers(value: unknown): boolean {
  if (typeof value === "number") return !Number.isInteger(value) || Number.isSafeInteger(value);
  if (Array.isArray(value)) return value.every(hasOnlySafeIntegers);
  if (value && typeof value === "object") return Object.values(value).every(hasOnlySafeIntegers);
  return true;
}

describe("parseJsonExact", () => {
  it("keeps integers beyond 2^53 exact as bigints", () => {
    expect(parseJsonExact('{"msg_id":1234567890123456789}')).toEqual({ msg_id: 1234567890123456789n });
    expect(parseJsonExact("[9007199254740993, -9007199254740993]")).toEqual([9007199254740993n, -9007199254740993n]);
  });

  it("leaves safe integers, decimals and exponents as numbers", () => {
    expect(parseJsonExact("[9007199254740991, 1.5, 1e21, -0, 12345678901234567.0]")).toEqual([9007199254740991, 1.5, 1e21, -0, 12345678901234567]);
  });

  it("does not mistake digits inside a string for a number", () => {
    expect(parseJsonExact('{"content":"\\"msgId\\":12345678901234567890"}')).toEqual({ content: '"msgId":12345678901234567890' });
  });

  it("decodes escapes, including surrogate pairs", () => {
    expect(parseJsonExact('"a\\n\\t\\"\\\\\\/\\u00e9\\ud83d\\ude00 12345678901234567"')).toBe('a\n\t"\\/é😀 12345678901234567');
  });

  it("keeps a __proto__ key as an own property, as JSON.parse does", () => {
    const value = parseJsonExact('{"__proto__":{"polluted":1}, "n": 12345678901234567}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(["__proto__", "n"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("agrees with JSON.parse on any JSON without unsafe integers (both parsing paths)", () => {
    fc.assert(
      fc.property(fc.jsonValue().filter(hasOnlySafeIntegers), fc.boolean(), (value, padWithLongString) => {
        const text = JSON.stringify(value);
        // A 16-digit run inside a string forces the careful parser; without one the fast path runs.
        const wrapped = padWithLongString ? `[${text},"1234567890123456"]` : text;
        expect(parseJsonExact(wrapped)).toEqual(JSON.parse(wrapped));
      }),
      { numRuns: 300 },
    );
  });

  it("turns any integer into a value whose decimal text is the literal", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), (n) => {
        const parsed = parseJsonExact(`{"id":${n}}`) as { id: number | bigint };
        expect(parsed.id.toString()).toBe(n.toString());
      }),
    );
  });

  it.each([
    ["", /Unexpected end of JSON input at position 0/],
    ["{", /Unexpected end of JSON input at position 1/],
    ['{"a" 1}', /Expected ':' at position 5/],
    ["[1 2]", /Expected ',' or '\]' at position 3/],
    ["[01]", /Expected ',' or '\]' at position 2/],
    ['"abc', /Unterminated string/],
    ['"\\x"', /Invalid escape/],
    ['{"a":1} x', /Unexpected text after the JSON value at position 8/],
    ["[12345678901234567,]", /Unexpected character "\]"/],
  ])("rejects %j with a positioned error", (text, message) => {
    expect(() => parseJsonExact(text)).toThrow(JsonSyntaxError);
    expect(() => parseJsonExact(text)).toThrow(message);
  });

  it("refuses absurd nesting instead of overflowing the stack", () => {
    expect(() => parseJsonExact("[".repeat(100_000) + "12345678901234567")).toThrow(/nested too deeply/);
  });
});

import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { bigintIdParam, messageStatusQuery, pageLimitUpTo, phoneQuery, sendCursor, useridQuery, uuidQuery } from "./query-schemas";

const accepts = (schema: z.ZodType, value: unknown) => schema.safeParse(value).success;

describe("query pieces of the sending calls", () => {
  it("read the send list's cursor: a UTC time to the microsecond and a send id", () => {
    const id = "0f8fad5b-d9cb-469f-a165-70867728950e";
    expect(sendCursor.parse(`2026-03-01T08:00:00.123456Z_${id}`)).toEqual({ at: "2026-03-01T08:00:00.123456Z", id });
    expect(sendCursor.parse("")).toBeUndefined();
    for (const bad of [
      `2026-03-01T08:00:00.123Z_${id}`,
      `2026-02-30T08:00:00.123456Z_${id}`,
      `0000-01-01T00:00:00.000000Z_${id}`,
      "2026-03-01T08:00:00.123456Z_nope",
      "99999999999999999999999",
      "\u0000",
    ]) {
      expect(accepts(sendCursor, bad), bad).toBe(false);
    }
  });

  it("read the message filters: a send id, a state, a phone normalised, a userid trimmed", () => {
    expect(uuidQuery.parse("0f8fad5b-d9cb-469f-a165-70867728950e")).toBe("0f8fad5b-d9cb-469f-a165-70867728950e");
    expect(accepts(uuidQuery, "42")).toBe(false);
    expect(messageStatusQuery.parse("delivered")).toBe("delivered");
    expect(accepts(messageStatusQuery, "sent")).toBe(false);
    expect(phoneQuery.parse("+86 138-0013-8000")).toBe("13800138000");
    expect(phoneQuery.parse("+44 7911 123456")).toBe("+447911123456");
    for (const bad of ["12345", "138001380001", "\u0000"]) expect(accepts(phoneQuery, bad), bad).toBe(false);
    expect(useridQuery.parse(" zhangsan ")).toBe("zhangsan");
    expect(accepts(useridQuery, "x".repeat(65))).toBe(false);
    expect(accepts(useridQuery, ["a", "b"])).toBe(false);
  });

  it("read a page size up to its own largest", () => {
    const limit = pageLimitUpTo(50, 500, "errors.message_limit_range");
    expect(limit.parse(undefined)).toBe(50);
    expect(limit.parse("500")).toBe(500);
    for (const bad of ["0", "501", "1.5"]) expect(accepts(limit, bad), bad).toBe(false);
  });

  it("take a message id segment as a positive bigint", () => {
    expect(bigintIdParam.parse("9223372036854775807")).toBe(9223372036854775807n);
    for (const bad of ["0", "01", "9223372036854775808", "1e3", "a\u0000"]) expect(accepts(bigintIdParam, bad), bad).toBe(false);
  });
});

import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import en from "@/lib/i18n/messages/en.json";
import zhCN from "@/lib/i18n/messages/zh-CN.json";
import { channelKeyParam, idCursor, pageLimit, searchText, timeCursor, useridCursor, useridParam } from "./query-schemas";
import { queryObject } from "./request-input";

const accepts = (schema: z.ZodType, value: unknown) => schema.safeParse(value).success;

describe("query-string pieces", () => {
  it("read limit as a whole number from 1 to 200 written in digits, blank or absent meaning the route's default", () => {
    const limit = pageLimit(25);
    expect(limit.parse(undefined)).toBe(25);
    expect(limit.parse("")).toBe(25);
    expect(limit.parse("1")).toBe(1);
    expect(limit.parse("200")).toBe(200);
    for (const bad of ["0", "201", "1.5", "-1", "abc", "1e2", " 5", "+5", "0x10", ["1", "2"]]) expect(accepts(limit, bad), String(bad)).toBe(false);
  });

  it("read an id cursor as a positive bigint in decimal", () => {
    expect(idCursor.parse("9223372036854775807")).toBe("9223372036854775807");
    for (const bad of ["9223372036854775808", "99999999999999999999999", "0", "01", "-1", "1.0", "\u0000"]) expect(accepts(idCursor, bad), bad).toBe(false);
  });

  it("read a time cursor as the UTC ISO time a page ended at, within the years PostgreSQL holds", () => {
    expect(timeCursor.parse("2024-05-01T10:20:30.123Z")).toEqual(new Date("2024-05-01T10:20:30.123Z"));
    for (const bad of ["0000-01-01T00:00:00.000Z", "2024-02-30T00:00:00.000Z", "+099999-01-01T00:00:00.000Z", "99999999999999999999999", "2024-05-01", "\u0000"]) {
      expect(accepts(timeCursor, bad), bad).toBe(false);
    }
  });

  it("read a userid cursor as a userid exactly as stored", () => {
    expect(useridCursor.parse("zhangsan")).toBe("zhangsan");
    for (const bad of [" zhangsan", "a\u0000", "a\tb", "x".repeat(65)]) expect(accepts(useridCursor, bad), JSON.stringify(bad)).toBe(false);
  });

  it("read the search text trimmed, blank meaning no search, and refuse control characters and length past 64", () => {
    expect(searchText.parse("  138 ")).toBe("138");
    expect(searchText.parse("   ")).toBeUndefined();
    expect(searchText.parse("张".repeat(64))).toBe("张".repeat(64));
    for (const bad of ["\u0000", "a\u0007", "x".repeat(65)]) expect(accepts(searchText, bad), JSON.stringify(bad)).toBe(false);
  });

  it("keep a repeated key as all its values and __proto__ as a plain key", () => {
    const query = queryObject(new URLSearchParams("limit=1&limit=2&__proto__=x&q="));
    expect(query).toEqual({ limit: ["1", "2"], ["__proto__"]: "x", q: "" });
    expect(Object.getPrototypeOf(query)).toBe(Object.prototype);
  });
});

describe("path segment pieces", () => {
  it("take a userid by the userid rule, trimmed", () => {
    expect(useridParam.parse(" 50%41 ")).toBe("50%41");
    for (const bad of ["", "a\u0000", "x".repeat(10_000)]) expect(accepts(useridParam, bad)).toBe(false);
  });

  it("take a channel key only as letters, digits, - and _", () => {
    expect(channelKeyParam.parse("ab3k9m2pqr")).toBe("ab3k9m2pqr");
    for (const bad of ["", "a\u0000", "a/b", "x".repeat(65)]) expect(accepts(channelKeyParam, bad)).toBe(false);
  });
});

describe("messages of these pieces", () => {
  it("are in both catalogues", () => {
    const sources = ["lib/api/query-schemas.ts", "lib/contacts/contact-queries.ts"].map((f) => fs.readFileSync(path.join(process.cwd(), f), "utf8"));
    const used = [...new Set(sources.flatMap((s) => [...s.matchAll(/"errors\.([a-z_]+)"/g)].map((m) => m[1]!)))];
    expect(used.length).toBeGreaterThan(5);
    const missing = (catalogue: { errors: Record<string, string> }) => used.filter((key) => !(key in catalogue.errors));
    expect(missing(en)).toEqual([]);
    expect(missing(zhCN)).toEqual([]);
  });
});

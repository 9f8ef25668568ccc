/**
 * The header row of an upload, as any file could have it: known headers in every spelling,
 * channel keys in any case, blanks, unreadable cells, arbitrary unicode, huge texts, up to Excel's
 * 16,384 columns. resolveColumns answers a mapping that binds each column once, or one
 * ImportFileError listing every problem, each naming its column. It never throws anything else.
 */
import fs from "node:fs";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { parseBindingHeader } from "@/lib/contacts/phone";
import { columnLetter, MAX_COLUMNS, type RawCell } from "./cells";
import { MAX_LISTED_PROBLEMS, resolveColumns } from "./columns";
import { ImportFileError } from "./import-file-error";
import { openImportFile } from "./open-import-file";
import { removeTempFiles, tempFile } from "./test-support";

const CHANNELS: ReadonlySet<string> = new Set(["chan000001", "Chan000002", "CHAN000002", "k3"]);
const HEADER_CODES = new Set(["bad_header", "unknown_channel", "duplicate_column", "missing_userid_column"]);

const channelKey = fc.oneof(fc.constantFrom(...CHANNELS, "chan000001".toUpperCase(), "nosuch", "all", "ALL", ""), fc.string({ maxLength: 10 }));
const known = fc.oneof(
  fc.constantFrom("userid", "USERID", "UserId", "用户ID", "用户id", "ｕｓｅｒｉｄ", " userid ", "phone", "PHONE", "手机号", "手机号码", "ｐｈｏｎｅ"),
  fc.tuple(fc.constantFrom("phone", "手机号", "Phone"), fc.constantFrom(":", ".", "：", "．", " : "), channelKey).map(([p, sep, key]) => `${p}${sep}${key}`),
  fc.tuple(fc.constantFrom("phone", "手机号"), fc.constantFrom(["(", ")"], ["（", "）"], ["( ", " )"]), channelKey).map(([p, [open, close], key]) => `${p}${open}${key}${close}`),
);
const problem: fc.Arbitrary<RawCell> = fc.record({
  shown: fc.string({ maxLength: 20 }),
  reason: fc.constant("The formula has no saved result."),
  reasonKey: fc.constant("importErrors.cell.formula" as never),
});
const cell: fc.Arbitrary<RawCell | undefined> = fc.oneof(
  { arbitrary: known, weight: 6 },
  { arbitrary: fc.constantFrom(undefined, "", " ", "\u3000", "\t"), weight: 2 },
  { arbitrary: fc.string({ unit: "binary", maxLength: 20 }), weight: 2 },
  { arbitrary: fc.string({ unit: "grapheme", maxLength: 10 }), weight: 1 },
  { arbitrary: fc.constantFrom("__proto__", "constructor", "phone:__proto__", "phone:constructor", "phone(toString)", "phone:", "phone()", "phone:a b", "=SUM(A1)"), weight: 1 },
  { arbitrary: fc.integer({ min: 1000, max: 10_000 }).map((n) => "h".repeat(n)), weight: 1 },
  { arbitrary: problem, weight: 1 },
);
/** A header row: a short one, or a sparse one reaching far right. */
const row = fc.oneof(
  fc.array(cell, { maxLength: 12 }),
  fc.tuple(fc.array(cell, { maxLength: 6 }), fc.array(fc.tuple(fc.nat(MAX_COLUMNS - 1), cell), { maxLength: 8 })).map(([front, far]) => {
    const cells: (RawCell | undefined)[] = [...front];
    for (const [index, value] of far) cells[index] = value;
    return cells;
  }),
);

function isBlank(c: RawCell | undefined): boolean {
  return c === undefined || (typeof c === "string" && c.trim() === "");
}

describe("header row under arbitrary input", () => {
  afterAll(removeTempFiles);

  it("maps every column once, or lists every problem with its column; never another throw", () => {
    let mapped = 0;
    fc.assert(
      fc.property(fc.option(row, { nil: null, freq: 20 }), (cells) => {
        let layout: ReturnType<typeof resolveColumns>;
        try {
          layout = resolveColumns(cells, CHANNELS);
        } catch (error) {
          expect(error).toBeInstanceOf(ImportFileError);
          const e = error as ImportFileError;
          expect(HEADER_CODES.has(e.code), e.code).toBe(true);
          expect(e.details.length).toBeGreaterThan(0);
          expect(e.details.length).toBeLessThanOrEqual(MAX_LISTED_PROBLEMS + 2);
          for (const detail of e.details) {
            expect(detail.column.length).toBeGreaterThan(0);
            // Every problem names where it is: the column letter, in its sentence and its values.
            expect(detail.message).toMatch(/column|Column|first row|more problems in the header row/);
            expect(detail.key).toMatch(/^importErrors\.headerProblem\./);
          }
          expect(e.message).toContain("nothing was imported");
          return;
        }
        mapped++;
        const nonBlank = (cells ?? []).flatMap((c, i) => (isBlank(c) ? [] : [i]));
        // Every non-blank header is a column; each binds something no other column binds.
        expect(layout.columns.map((c) => c.letter)).toEqual(nonBlank.map(columnLetter));
        expect(new Set(layout.columns.map((c) => c.bindId)).size).toBe(layout.columns.length);
        expect(layout.byIndex[layout.useridIndex]?.bindId).toBe("userid");
        for (const column of layout.columns) {
          expect(column.bindId === "userid" || column.bindId === "all" || CHANNELS.has(column.bindId), column.bindId).toBe(true);
          expect(parseBindingHeader(column.header)).not.toBeNull();
        }
      }),
      { numRuns: 3000 },
    );
    expect(mapped).toBeGreaterThan(20);
    console.log(`header rows: 3000 generated, ${mapped} mapped`);
  });

  it("lists the first problems of a very wide header one by one, counts the rest, and still says the userid is missing", () => {
    const cells = Array.from({ length: 500 }, (_, i) => `bogus${i}`);
    let error: unknown = null;
    try {
      resolveColumns(cells, CHANNELS);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ImportFileError);
    const details = (error as ImportFileError).details;
    expect(details).toHaveLength(MAX_LISTED_PROBLEMS + 2);
    expect(details[MAX_LISTED_PROBLEMS]).toMatchObject({ key: "importErrors.headerProblem.more", params: { count: 500 - MAX_LISTED_PROBLEMS } });
    expect(details.at(-1)).toMatchObject({ column: "A", key: "importErrors.headerProblem.missingUserid" });
  });

  it("reads any header text without a throw", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary", maxLength: 60 }), known), (text) => {
        const parsed = parseBindingHeader(text);
        if (parsed) expect(parsed.kind === "userid" || (parsed.kind === "phone" && parsed.bindId.length > 0)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it("opens a CSV whose first line is any text, or refuses it with an ImportFileError", async () => {
    const line = fc.array(fc.oneof(known, fc.string({ unit: "binary", maxLength: 12 }), fc.constantFrom('"', '""', '"a,b"', "\r", "\n", ";", "\t")), { maxLength: 8 });
    await fc.assert(
      fc.asyncProperty(line, fc.constantFrom(",", ";", "\t"), async (headers, sep) => {
        const file = tempFile("header.csv", `${headers.join(sep)}\r\nu1${sep}13800138000\r\n`);
        try {
          const opened = await openImportFile({ path: file, kind: "csv", channelKeys: CHANNELS });
          for await (const batch of opened.batches()) expect(Array.isArray(batch.rows)).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(ImportFileError);
          expect((error as ImportFileError).message.length).toBeGreaterThan(0);
        } finally {
          fs.rmSync(file, { force: true });
        }
      }),
      { numRuns: 200 },
    );
  });
});

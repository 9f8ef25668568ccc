import { sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { executeRows } from "./client";
import { describeEachDb } from "./test-databases";
import { arrayLiteral, unnestRows } from "./array-literal";

it("writes PostgreSQL array syntax with every text quoted", () => {
  expect(arrayLiteral(["a", null, 'say "hi"', "back\\slash", 3, true])).toBe('{a,NULL,"say \\"hi\\"","back\\\\slash",3,t}');
  expect(arrayLiteral(["", "null", "NULL", "a,b", "{x}", " padded", "中文"])).toBe('{"","null","NULL","a,b","{x}"," padded",中文}');
});

describeEachDb("array parameters", (t) => {
  it("carries any text, nulls and JSON through unnest unchanged", async () => {
    const rows = [
      { id: 1n, text: 'quotes " and \\ and , and {braces} and NULL', raw: { a: [1, "x\"y"] }, n: null },
      { id: 2n, text: "NULL", raw: [], n: 0 },
      { id: 3n, text: "", raw: "plain", n: -1 },
      { id: 9007199254740993n, text: "中文 😀", raw: {}, n: 5 },
    ];
    const back = await executeRows<{ id: string; text: string; raw: unknown; n: number | null }>(
      t.db,
      sql`select id::text as id, text, raw, n from ${unnestRows(rows, "v", [
        ["id", "bigint", (r) => r.id],
        ["text", "text", (r) => r.text],
        ["raw", "jsonb", (r) => JSON.stringify(r.raw)],
        ["n", "integer", (r) => r.n],
      ])} order by 1`,
    );
    expect(back).toEqual([
      { id: "1", text: rows[0]!.text, raw: rows[0]!.raw, n: null },
      { id: "2", text: "NULL", raw: [], n: 0 },
      { id: "3", text: "", raw: "plain", n: -1 },
      { id: "9007199254740993", text: "中文 😀", raw: {}, n: 5 },
    ]);
  });
});

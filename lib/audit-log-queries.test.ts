import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { executeRows } from "@/lib/db/client";
import { auditLog } from "@/lib/db/schema";
import { describeEachDb } from "@/lib/db/test-databases";
import { ValidationError } from "@/lib/util/errors";
import { auditLogQuerySchema, listAuditLog, selectAuditLogPage } from "./audit-log-queries";
import { auditLogFilterSchema, decodeAuditCursor, encodeAuditCursor, filterMatch, type AuditLogOptions } from "./audit-log-query";

/** Every page of a query, following nextCursor; the ids in the order they came. */
async function allPages(list: (options: AuditLogOptions) => ReturnType<typeof listAuditLog>, options: AuditLogOptions) {
  const ids: number[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const page = await list({ ...options, cursor });
    ids.push(...page.items.map((i) => i.id));
    if (!page.nextCursor) return { ids, pages: pages + 1 };
    expect(page.items).toHaveLength(options.limit ?? 50);
    cursor = page.nextCursor;
  }
  throw new Error("paging did not end");
}

async function validationOf(promise: Promise<unknown>): Promise<ValidationError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return error as ValidationError;
}

describeEachDb("audit log queries", (t) => {
  const list = (options: AuditLogOptions) => listAuditLog(t.db, options);
  const sameInstant = new Date("2026-03-01T08:00:00.000Z");

  beforeAll(async () => {
    // 250 rows in one instant: only the id tells them apart, which is what the keyset must handle.
    await t.db.insert(auditLog).values(
      Array.from({ length: 250 }, (_, i) => ({
        at: sameInstant,
        actor: i % 2 ? "operator:alice@example.com" : "api_key:ak_00000000000000aa",
        action: i % 5 === 0 ? "channel.update" : "user.upsert",
        target: `t${i}`,
        address: "198.51.100.4",
      })),
    );
    await t.db.insert(auditLog).values([
      { at: new Date("2026-02-01T00:00:00Z"), actor: "operator:bob@example.com", action: "auth.sign_in", target: "bob@example.com" },
      { at: new Date("2026-02-15T00:00:00Z"), actor: "operator:bob@example.com", action: "auth.sign_in_failed", target: "bob@example.com" },
      { at: new Date("2026-04-01T00:00:00Z"), actor: "system:ADMIN_EMAIL", action: "operator.create_first_admin", target: "root@example.com" },
      // "_" is a LIKE wildcard: the "api_key:" prefix must not match this actor.
      { at: new Date("2026-04-02T00:00:00Z"), actor: "apiXkey:intruder", action: "authXsign_in", target: "x" },
    ]);
    // Three rows within one millisecond, apart only in microseconds.
    for (const micros of ["000001", "000002", "000003"]) {
      await t.db.insert(auditLog).values({
        at: sql`${`2026-05-01T00:00:00.${micros}Z`}::timestamptz`,
        actor: "operator:carol@example.com",
        action: "import.create",
        target: `micro-${micros}`,
      });
    }
  });

  it("pages 250 rows of one instant without a gap or a repeat, newest first", async () => {
    const { ids, pages } = await allPages(list, { from: "2026-03-01T08:00:00Z", to: "2026-03-01T08:00:01Z", limit: 37 });
    expect(pages).toBe(7);
    expect(ids).toHaveLength(250);
    expect(new Set(ids).size).toBe(250);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
  });

  it("pages every row of the log, across instants, at the largest page size too", async () => {
    const [{ n }] = await executeRows<{ n: number }>(t.db, sql`select count(*)::int as n from audit_log`);
    for (const limit of [1, 50, 200]) {
      if (limit === 1) {
        // One row a page through the microsecond rows: a millisecond cursor would loop or skip here.
        const { ids } = await allPages(list, { actor: "operator:carol@example.com", limit: 1 });
        expect(ids).toHaveLength(3);
        continue;
      }
      const { ids } = await allPages(list, { limit });
      expect(new Set(ids).size).toBe(n);
    }
    const newest = await list({ limit: 3 });
    expect(newest.items.map((i) => i.target)).toEqual(["micro-000003", "micro-000002", "micro-000001"]);
  });

  it("answers the contract's item shape", async () => {
    const page = await list({ action: "auth.sign_in" });
    expect(page).toEqual({
      items: [
        {
          id: expect.any(Number),
          at: "2026-02-01T00:00:00.000Z",
          actor: "operator:bob@example.com",
          action: "auth.sign_in",
          target: "bob@example.com",
          detail: {},
          address: null,
        },
      ],
      nextCursor: null,
    });
  });

  it("filters by actor exactly or by prefix", async () => {
    const alice = await allPages(list, { actor: "operator:alice@example.com", limit: 200 });
    expect(alice.ids).toHaveLength(125);
    const keys = await allPages(list, { actor: "api_key:", limit: 200 });
    expect(keys.ids).toHaveLength(125);
    const operators = await list({ actor: "operator:*", limit: 200 });
    expect(new Set(operators.items.map((i) => i.actor.split(":")[0]))).toEqual(new Set(["operator"]));
    // A prefix without its marker is an exact match, and matches nothing here.
    expect((await list({ actor: "operator:alice" })).items).toEqual([]);
  });

  it("filters by action exactly or by prefix", async () => {
    expect((await allPages(list, { action: "channel.update", limit: 200 })).ids).toHaveLength(50);
    const auth = await list({ action: "auth." });
    expect(auth.items.map((i) => i.action)).toEqual(["auth.sign_in_failed", "auth.sign_in"]);
    expect((await list({ action: "auth.sign_*" })).items).toHaveLength(2);
    expect((await list({ action: "auth" })).items).toEqual([]);
  });

  it("filters by time: from inclusive, to exclusive, with any offset", async () => {
    const february = await list({ from: "2026-02-01T00:00:00Z", to: "2026-02-15T00:00:00Z" });
    expect(february.items.map((i) => i.action)).toEqual(["auth.sign_in"]);
    // 08:00 in Beijing is midnight UTC.
    const beijing = await list({ from: "2026-02-15T08:00:00+08:00", to: "2026-03-01T16:00:00+08:00", action: "auth." });
    expect(beijing.items.map((i) => i.action)).toEqual(["auth.sign_in_failed"]);
    const combined = await allPages(list, { actor: "operator:alice@example.com", action: "channel.", from: "2026-03-01T00:00:00Z", limit: 10 });
    expect(combined.ids).toHaveLength(25);
  });

  it("refuses a limit outside 1–200 and a cursor it did not write, naming the field", async () => {
    for (const limit of [0, 201, 1.5, Number.NaN]) {
      const error = await validationOf(list({ limit }));
      expect(error.details).toEqual([{ path: "limit", message: "errors.limit_range" }]);
    }
    for (const cursor of ["garbage!", "bm90IGEgY3Vyc29y", encodeAuditCursor({ at: "2026-02-30T00:00:00.000000Z", id: "5" }), encodeAuditCursor({ at: "0000-01-01T00:00:00.000000Z", id: "5" })]) {
      const error = await validationOf(list({ cursor }));
      expect(error.details).toEqual([{ path: "cursor", message: "errors.cursor_invalid" }]);
    }
    const times = await validationOf(list({ from: "2026-03-02T00:00:00Z", to: "2026-03-01T00:00:00Z" }));
    expect(times.details).toEqual([{ path: "to", message: "errors.audit_time_order" }]);
    const local = await validationOf(list({ from: "2026-03-01T00:00" }));
    expect(local.details).toEqual([{ path: "from", message: "errors.audit_time_invalid" }]);
    const yearZero = await validationOf(list({ to: "0000-06-01T00:00:00Z" }));
    expect(yearZero.details).toEqual([{ path: "to", message: "errors.audit_time_invalid" }]);
  });

  it("filters in SQL on the actor and action indexes", async () => {
    const plan = async (filter: AuditLogOptions) =>
      t.db.transaction(async (tx) => {
        // With sequential scans priced out, a filter the indexes can serve must use them.
        await tx.execute(sql`set local enable_seqscan = off`);
        const query = selectAuditLogPage(tx, { limit: 50, ...filter });
        const rows = await executeRows<{ "QUERY PLAN": string }>(tx, sql`explain ${query}`);
        return rows.map((r) => r["QUERY PLAN"]).join("\n");
      });
    expect(await plan({ actor: "operator:alice@example.com" })).toContain("audit_log_actor_at_idx");
    expect(await plan({ action: "channel.update" })).toContain("audit_log_action_at_idx");
    const page = await list({ limit: 1 });
    expect(await plan({ action: "channel.update", cursor: page.nextCursor! })).toContain("audit_log_action_at_idx");
    expect(await plan({ from: "2026-03-01T00:00:00Z" })).toContain("audit_log_at_idx");
  });
});

describe("audit log filter values", () => {
  it("match a prefix when they end in *, . or :, and exactly otherwise", () => {
    expect(filterMatch("auth.")).toEqual({ kind: "prefix", value: "auth." });
    expect(filterMatch("api_key:")).toEqual({ kind: "prefix", value: "api_key:" });
    expect(filterMatch("operator:al*")).toEqual({ kind: "prefix", value: "operator:al" });
    expect(filterMatch("channel.update")).toEqual({ kind: "exact", value: "channel.update" });
  });

  it("round-trip a cursor, microseconds included", () => {
    const cursor = { at: "2026-05-01T00:00:00.000003Z", id: "42" };
    expect(decodeAuditCursor(encodeAuditCursor(cursor))).toEqual(cursor);
  });

  it("take query-string text: blank means no filter, limit is a number", () => {
    expect(auditLogQuerySchema.parse({ actor: "", action: "  ", limit: "25", cursor: "" })).toEqual({ limit: 25 });
    expect(auditLogQuerySchema.parse({})).toEqual({ limit: 50 });
    expect(auditLogQuerySchema.safeParse({ action: ["auth.", "channel."] }).error?.issues).toMatchObject([{ path: ["action"], message: "errors.query_repeated" }]);
  });

  it("check the page's filters as the server does, without limit or cursor", () => {
    expect(auditLogFilterSchema.parse({ actor: " operator: ", from: "2026-03-01T00:00:00.000Z", to: "" })).toEqual({
      actor: "operator:",
      from: "2026-03-01T00:00:00.000Z",
    });
    expect(auditLogFilterSchema.safeParse({ from: "2026-03-02T00:00:00Z", to: "2026-03-01T00:00:00Z" }).error?.issues).toMatchObject([
      { path: ["to"], message: "errors.audit_time_order" },
    ]);
  });
});

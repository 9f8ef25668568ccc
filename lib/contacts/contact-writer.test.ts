import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { executeRows } from "@/lib/db/client";
import { describeEachDb } from "@/lib/db/test-databases";
import { contactPhones, contacts } from "@/lib/db/schema";
import { createLaneWriter, mergeChanges, writeContacts, type ContactChange } from "./contact-writer";

describeEachDb("contact writer", (t) => {
  const phonesOf = async (userid: string) =>
    Object.fromEntries((await t.db.select().from(contactPhones).where(eq(contactPhones.userid, userid))).map((p) => [p.bindId, p.phone]));

  it("inserts new users with their bindings, counting them", async () => {
    const counts = await writeContacts(t.db, [
      { userid: "zhangsan", phones: { all: "13800138000", ch1: "13900139000" } },
      { userid: "lisi", phones: {} },
    ]);
    expect(counts).toEqual({ inserted: 2, updated: 0, unchanged: 0 });
    expect(await phonesOf("zhangsan")).toEqual({ all: "13800138000", ch1: "13900139000" });
    expect(await t.db.select().from(contacts).where(eq(contacts.userid, "lisi"))).toHaveLength(1);
  });

  it("updates changed users, leaves absent bindings alone, counts the rest unchanged", async () => {
    const counts = await writeContacts(t.db, [
      { userid: "zhangsan", phones: { ch1: "13700137000" } },
      { userid: "lisi", phones: {} },
      { userid: "wangwu", phones: { ch2: "+85291234567" } },
    ]);
    expect(counts).toEqual({ inserted: 1, updated: 1, unchanged: 1 });
    expect(await phonesOf("zhangsan")).toEqual({ all: "13800138000", ch1: "13700137000" });
    const again = await writeContacts(t.db, [{ userid: "zhangsan", phones: { ch1: "13700137000" } }]);
    expect(again).toEqual({ inserted: 0, updated: 0, unchanged: 1 });
  });

  it("removes bindings, and the later of two changes to one user wins", async () => {
    expect(await writeContacts(t.db, [{ userid: "zhangsan", phones: {}, remove: ["ch1", "nosuch"] }])).toEqual({ inserted: 0, updated: 1, unchanged: 0 });
    expect(await phonesOf("zhangsan")).toEqual({ all: "13800138000" });
    await writeContacts(t.db, [
      { userid: "dup", phones: { all: "13000000001", ch1: "13000000002" } },
      { userid: "dup", phones: { all: "13000000003" } },
    ]);
    expect(await phonesOf("dup")).toEqual({ all: "13000000003", ch1: "13000000002" });
    expect(mergeChanges([{ userid: "a", phones: { x: "1" } }, { userid: "a", phones: {}, remove: ["x"] }])).toEqual([{ userid: "a", phones: {}, remove: ["x"] }]);
  });

  it("counts a dry run like the real thing and writes nothing", async () => {
    const counts = await writeContacts(t.db, [{ userid: "ghost", phones: { all: "13100000000" } }, { userid: "zhangsan", phones: { all: "13200000000" } }], { dryRun: true });
    expect(counts).toEqual({ inserted: 1, updated: 1, unchanged: 0 });
    expect(await t.db.select().from(contacts).where(eq(contacts.userid, "ghost"))).toHaveLength(0);
    expect((await phonesOf("zhangsan")).all).toBe("13800138000");
  });

  it("writes the same new user from concurrent writers without a conflict, each binding once", async () => {
    // On PostgreSQL these run on separate connections at once; the second waits for the first's
    // new user and then upserts instead of inserting.
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => writeContacts(t.db, [{ userid: "racer", phones: { all: "1350000000" + i, [`ch${i}`]: "1360000000" + i } }])),
    );
    expect(results.reduce((n, r) => n + r.inserted, 0)).toBe(1);
    expect(results.reduce((n, r) => n + r.updated, 0)).toBe(5);
    const phones = await phonesOf("racer");
    expect(Object.keys(phones).sort()).toEqual(["all", "ch0", "ch1", "ch2", "ch3", "ch4", "ch5"]);
  });

  it("keeps userids and bind ids exactly as given, whatever characters they hold", async () => {
    const odd = ['quo"te', "back\\slash", "{brace},comma", " spaced ", "NULL", "张三", "a\\\"b"];
    const counts = await writeContacts(t.db, odd.map((userid, i) => ({ userid, phones: { all: `1370000000${i}`, 'k"\\{,}': `1380000000${i}` } })));
    expect(counts.inserted).toBe(odd.length);
    for (const [i, userid] of odd.entries()) expect(await phonesOf(userid)).toEqual({ all: `1370000000${i}`, 'k"\\{,}': `1380000000${i}` });
  });

  it("defers the commit flush of an import write for that statement alone", async () => {
    expect(await writeContacts(t.db, [{ userid: "deferred", phones: { all: "13900000001" } }], { deferCommitFlush: true })).toEqual({ inserted: 1, updated: 0, unchanged: 0 });
    expect(await phonesOf("deferred")).toEqual({ all: "13900000001" });
    // PGlite has one connection, the one the write used: the setting must not have outlived it.
    const [setting] = await executeRows<{ value: string }>(t.db, sql`select current_setting('synchronous_commit') as value`);
    expect(setting?.value).toBe("on");
  });

  describe("batches of import size", () => {
    const big = (prefix: string, n: number, phone: (i: number) => string) =>
      Array.from({ length: n }, (_, i) => ({ userid: `${prefix}${i}`, phones: { all: phone(i), chx: phone(i + 1) } }));

    it("creates new users, updates changed ones, removes bindings and counts like the small path", async () => {
      await writeContacts(t.db, big("bulk", 600, (i) => String(13100000000 + i)));
      const batch: ContactChange[] = [
        ...big("bulk", 300, (i) => String(13100000000 + i)), // unchanged
        ...big("bulk", 600, (i) => String(13200000000 + i)).slice(300), // changed
        ...big("fresh", 1200, (i) => String(13300000000 + i)), // new
        { userid: "tab\there\\back", phones: { all: "13400000000", "b\tk": "13400000001" } }, // new, odd characters
        { userid: "bulk0", phones: {}, remove: ["chx"] }, // unchanged row above, then a removal: updated
      ];
      expect(await writeContacts(t.db, batch, { deferCommitFlush: true })).toEqual({ inserted: 1201, updated: 301, unchanged: 299 });
      expect(await phonesOf("bulk0")).toEqual({ all: "13100000000" });
      expect(await phonesOf("bulk1")).toEqual({ all: "13100000001", chx: "13100000002" });
      expect(await phonesOf("bulk599")).toEqual({ all: "13200000599", chx: "13200000600" });
      expect(await phonesOf("fresh1199")).toEqual({ all: "13300001199", chx: "13300001200" });
      expect(await phonesOf("tab\there\\back")).toEqual({ all: "13400000000", "b\tk": "13400000001" });
    });

    it("writes nothing in a dry run", async () => {
      const counts = await writeContacts(t.db, big("ghostbulk", 1500, (i) => String(13500000000 + i)), { dryRun: true });
      expect(counts).toEqual({ inserted: 1500, updated: 0, unchanged: 0 });
      expect(await t.db.select().from(contacts).where(eq(contacts.userid, "ghostbulk0"))).toHaveLength(0);
      expect(await phonesOf("ghostbulk1499")).toEqual({});
    });

    it("lets concurrent writers share new users: each is created once, the bindings all land", async () => {
      const results = await Promise.all(
        [0, 1, 2].map((w) => writeContacts(t.db, Array.from({ length: 1500 }, (_, i) => ({ userid: `shared${i}`, phones: { [`w${w}`]: String(13600000000 + i) } })))),
      );
      expect(results.reduce((n, r) => n + r.inserted, 0)).toBe(1500);
      expect(results.reduce((n, r) => n + r.updated, 0)).toBe(3000);
      expect(await phonesOf("shared1499")).toEqual({ w0: "13600001499", w1: "13600001499", w2: "13600001499" });
    });
  });

  it("writes nothing queued behind a failed write", async () => {
    const writer = createLaneWriter(t.db, { lanes: 1 });
    const first = writer.write([{ userid: "queue-a", phones: { all: "13700000001" } }]);
    const broken = writer.write([{ userid: "queue-\u0000", phones: { all: "13700000002" } }]); // NUL: refused by PostgreSQL
    const after = writer.write([{ userid: "queue-c", phones: { all: "13700000003" } }]);
    await expect(first).resolves.toEqual({ inserted: 1, updated: 0, unchanged: 0 });
    await expect(broken).rejects.toThrow();
    await expect(after).rejects.toThrow();
    await writer.settled();
    expect(await phonesOf("queue-a")).toEqual({ all: "13700000001" });
    expect(await t.db.select().from(contacts).where(eq(contacts.userid, "queue-c"))).toHaveLength(0);
  });
});

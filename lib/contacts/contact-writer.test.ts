import { eq } from "drizzle-orm";
import { expect, it } from "vitest";
import { describeEachDb } from "@/lib/db/test-databases";
import { contactPhones, contacts } from "@/lib/db/schema";
import { mergeChanges, writeContacts } from "./contact-writer";

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
});
